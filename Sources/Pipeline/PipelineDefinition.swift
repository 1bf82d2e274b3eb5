import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// A problem with a pipeline definition or its files. `validate` collects every one.
public struct DefinitionError: ExitStatusError, CustomStringConvertible, Sendable {
    /// A mistake in the pipeline definition: a usage error.
    public var exitStatus: Int32 { 2 }
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}

/// A source file the pipeline reads.
public struct SourceDefinition: Codable, Sendable {
    public var id: String
    public var path: String
    /// csv, jsonstat, sdmx, px, husbanken; sniffed from the extension and first bytes when omitted.
    public var format: SourceFormat?
    public var table: String?
    public var encoding: String?
    public var delimiter: String?
    public var decimal: String?
    /// Role overrides: dimension (column) name → geo, time, metric, other.
    public var dimensions: [String: DimensionRole]?
    /// Treat values of codes outside their validity as back-cast series (SSB's merged code list).
    public var backcast: Bool?
    /// Re-rank gapped JSON-stat category positions instead of refusing the file.
    public var lenient_index: Bool?
    /// CSV: kommune numbers that lost their leading zero in a spreadsheet (`301`): `reject` (default) or `restore`.
    public var leading_zeros: LeadingZeros?
    /// PX: the language to read from a file with `LANGUAGES` (default: the file's `LANGUAGE`).
    public var language: String?
    /// Husbanken exports: which column holds what.
    public var mapping: HusbankenMapping?
    /// Add up cells that repeat a key (one row per project) instead of rejecting the repeat.
    /// Default: true for Husbanken exports, false otherwise.
    public var sum_duplicates: Bool?
    /// Where `etl fetch` / `etl run --fetch` gets this file from (PxWebApi v2 or KLASS); `path` is where it lands.
    public var fetch: FetchSpec?
}

/// Settings for fetching remote sources.
public struct FetchDefaults: Codable, Sendable {
    public var pxweb_base: String?
    public var klass_base: String?
    public var requests_per_minute: Int?
    public var max_cells: Int?
}

/// A selection of one dimension's categories: one code, a list, or a range of codes.
public enum Selection: Codable, Sendable, Equatable {
    case codes([String])
    case range(from: String, to: String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .codes([s]); return }
        if let i = try? c.decode(Int.self) { self = .codes([String(i)]); return }
        if let l = try? c.decode([String].self) { self = .codes(l); return }
        struct R: Codable { var from: String; var to: String }
        if let r = try? c.decode(R.self) { self = .range(from: r.from, to: r.to); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a code, a list of codes, or {from: CODE, to: CODE}")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .codes(let l): try c.encode(l)
        case .range(let f, let t): try c.encode(["from": f, "to": t])
        }
    }

    public func matches(_ code: String) -> Bool {
        switch self {
        case .codes(let l): return l.contains(code)
        case .range(let f, let t):
            // Zero-padded numeric codes compare as numbers; others as text.
            if let a = Int(f), let b = Int(t), let x = Int(code) { return x >= a && x <= b }
            return code >= f && code <= t
        }
    }

    public var isSingle: Bool {
        if case .codes(let l) = self { return l.count == 1 }
        return false
    }
}

/// A measure: cells of one source, selected and summed, with the rule for combining municipalities.
public struct MeasureDefinition: Codable, Sendable {
    public var source: String
    /// The metric category (ContentsCode, or its label in files without codes); several are summed.
    public var contents: Selection?
    /// Other dimensions: the categories to keep; several are summed.
    public var select: [String: Selection]?
    /// sum (counts) or weighted_mean (rates published without parts).
    public var combine: CombineRule?
    /// For weighted_mean: the measure whose values weight the parts.
    public var weight: String?
    /// `zero`: a municipality with no row counts as zero (registers listing only non-zero
    /// counts, such as grants); default `missing`.
    public var absent: AbsentRule?

    public var rule: CombineRule { combine ?? .sum }
    public var absentIsZero: Bool { absent == .zero }
}

/// How a measure combines across municipalities (docs/PIPELINE.md, `measures`).
public enum CombineRule: String, Codable, Sendable, CaseIterable {
    /// Counts: parts are added up.
    case sum
    /// Rates published without their parts: a mean weighted by another measure.
    case weightedMean = "weighted_mean"
}

/// What a municipality with no row means for a measure.
public enum AbsentRule: String, Codable, Sendable, CaseIterable {
    /// None: registers that list only non-zero counts.
    case zero
    /// Not known: a merged value with a part missing is missing.
    case missing
}

/// The municipality structure a pipeline harmonises to.
public enum StructureYearSetting: Codable, Sendable, Equatable {
    case latest
    case year(Int)
    /// Stable units instead of one year's structure (docs/PIPELINE.md, "Stable units").
    case stable

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let y = try? c.decode(Int.self) { self = .year(y); return }
        let s = try c.decode(String.self)
        if s == "latest" { self = .latest } else if s == "stable" { self = .stable } else if let y = Int(s) { self = .year(y) } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected `latest`, `stable` or a year")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .latest: try c.encode("latest")
        case .stable: try c.encode("stable")
        case .year(let y): try c.encode(y)
        }
    }
}

public struct HarmonisationSettings: Codable, Sendable {
    /// `latest` (default), a year, or `stable` (stable units).
    public var structure_year: StructureYearSetting?
    public var split_key: String?
    public var split_shares: [SplitShareEntry]?
    public var border_exceptions: [BorderExceptionEntry]?
    public var tolerance: Double?
    /// Municipalities re-established on an earlier code's territory, beyond the register's.
    public var reestablished: [ReestablishedEntry]?

    public struct ReestablishedEntry: Codable, Sendable {
        public var code: String
        public var from: Int
        public var same_as: String
        public var same_as_to: Int
        public var note: String?
    }

    public struct SplitShareEntry: Codable, Sendable {
        public var old: String
        public var new: String
        public var year: Int
        public var share: Double
        public var basis: String?
    }
    public struct BorderExceptionEntry: Codable, Sendable {
        public var old: String
        public var new: String
        public var year: Int
        public var note: String?
    }
}

/// The indicator catalogue file.
public struct IndicatorCatalogFile: Codable, Sendable {
    public var indicators: [IndicatorEntry]
}

public struct IndicatorEntry: Codable, Sendable {
    public var code: String
    public var name: String
    public var name_en: String?
    public var unit: String
    public var kind: IndicatorKind
    public var numerator: String?
    public var denominator: String?
    public var measure: String?
    public var weight: String?
    public var minus: String?
    public var scale: Double?
    public var decimals: Int?
    public var population: String?
    public var source_tables: [String]?
    public var definition: String
    /// A value that changes by more than this factor from one year to the next is warned about.
    public var max_jump: Double?

    public var definitionValue: IndicatorDefinition {
        IndicatorDefinition(code: code, name: name, nameEn: name_en, unit: unit, kind: kind, numerator: numerator, denominator: denominator,
                            measure: measure, weight: weight, minus: minus, scale: scale ?? 1, decimals: decimals ?? 1, population: population,
                            sourceTables: source_tables ?? [], definition: definition, maxJump: max_jump)
    }
}

/// A pipeline definition file, decoded and resolved against its folder.
public struct PipelineDefinition: Codable, Sendable {
    public var name: String
    public var description: String?
    public var warehouse: String?
    public var catalog: String?
    /// The folder of the kommune and fylke register (`kommuner.csv`, `fylker.csv`, `reestablished.csv`).
    public var register: String?
    public var indicators: String?
    public var max_rejects: Int?
    public var harmonisation: HarmonisationSettings?
    public var groups: GroupSettings?
    public var fetch: FetchDefaults?
    public var sources: [SourceDefinition]
    public var measures: [String: MeasureDefinition]
}

/// A loaded pipeline: the definition plus resolved paths and the catalogues it names.
public struct Pipeline: Sendable {
    public var path: String
    public var folder: String
    public var definition: PipelineDefinition
    public var indicators: [IndicatorDefinition]
    public var catalogPath: String
    /// The register folder, when the pipeline names one or `register/` exists beside it.
    public var registerPath: String?
    public var indicatorsPath: String?
    public var warehousePath: String
    /// The raw bytes of everything that defines the derived layer, for change detection.
    public var definitionBytes: [Data]
    /// Line and column of each key path of the pipeline file (`measures.x.select.Kjonn`).
    public var positions: [String: LinePosition] = [:]

    /// `FILE:LINE:COLUMN` of a key path of the pipeline file, for messages (the file alone when unknown).
    public func place(_ keyPath: String) -> String {
        guard let p = positions[keyPath] else { return path }
        return "\(path):\(p.line):\(p.column)"
    }

    public static let defaultWarehouse = "warehouse/omsorg.sqlite"

    /// Loads and validates a pipeline file; every problem is reported at once.
    public static func load(path: String, warehouseOverride: String? = nil, checkFiles: Bool = true) throws -> Pipeline {
        guard FileManager.default.fileExists(atPath: path) else {
            throw RunFailure("\(path): error: pipeline file not found")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DefinitionError(["\(path): error: cannot read the pipeline file as UTF-8 text"])
        }
        let (def, root): (PipelineDefinition, Node) = try decodeStrict(text, file: path, shape: LanguageSchema.pipeline)
        let folder = (path as NSString).deletingLastPathComponent
        var problems: [String] = []
        var bytes: [Data] = [data]
        let positions = LanguageSchema.positions(root)
        /// `FILE:LINE:COLUMN` of a key path (the first of several that exists).
        func at(_ keyPaths: String...) -> String {
            for k in keyPaths { if let p = positions[k] { return "\(path):\(p.line):\(p.column)" } }
            return path
        }
        var catalogPositions: [String: LinePosition] = [:]

        func resolve(_ p: String, what: String) -> String? {
            switch safePath(p, folder: folder) {
            case .success(let full): return full
            case .failure(let e): problems.append("\(at(what)): error: \(what): \(e.description)"); return nil
            }
        }
        // The change catalogue.
        let catalogPath = resolve(def.catalog ?? "kommuneendringer.csv", what: "catalog") ?? ""
        if checkFiles, !catalogPath.isEmpty, !FileManager.default.fileExists(atPath: catalogPath) {
            problems.append("\(at("catalog")): error: catalog: file not found: \(catalogPath)")
        }
        if let d = FileManager.default.contents(atPath: catalogPath) { bytes.append(d) }
        // The register: named, or `register/` beside the pipeline when it exists.
        var registerPath: String? = nil
        if let r = def.register {
            registerPath = resolve(r, what: "register")
            if let rp = registerPath, !FileManager.default.fileExists(atPath: rp + "/kommuner.csv") {
                problems.append("\(at("register")): error: register: no kommuner.csv in \(rp)")
            }
        } else if case .success(let rp) = safePath("register", folder: folder), FileManager.default.fileExists(atPath: rp + "/kommuner.csv") {
            registerPath = rp
        }
        // The indicator catalogue.
        var indicators: [IndicatorDefinition] = []
        var indicatorsPath: String? = nil
        if let ip = def.indicators, let full = resolve(ip, what: "indicators") {
            indicatorsPath = full
            if let d = FileManager.default.contents(atPath: full), let t = String(data: d, encoding: .utf8) {
                bytes.append(d)
                do {
                    let (file, node): (IndicatorCatalogFile, Node) = try decodeStrict(t, file: full, shape: LanguageSchema.catalogue)
                    indicators = file.indicators.map(\.definitionValue)
                    catalogPositions = LanguageSchema.positions(node)
                } catch let e as DefinitionError { problems += e.problems }
            } else {
                problems.append("\(at("indicators")): error: indicators: file not found: \(full)")
            }
        } else if def.indicators == nil {
            problems.append("\(path): error: no `indicators:` catalogue named; expected a path such as indicators.yml")
        }
        // Group files decide the published groups: they are part of what "nothing changed" compares.
        for (key, file) in [("groups.counties", def.groups?.counties), ("groups.kostragrupper", def.groups?.kostragrupper)] {
            guard let file, let full = resolve(file, what: key) else { continue }
            if let d = FileManager.default.contents(atPath: full) { bytes.append(d) }
            else if checkFiles { problems.append("\(at(key)): error: \(key): file not found: \(full)") }
        }
        // Sources.
        var ids = Set<String>()
        for (i, s) in def.sources.enumerated() {
            if !ids.insert(s.id).inserted { problems.append("\(at("sources[\(i)].id")): error: sources[\(i)]: duplicate source id \"\(s.id)\"") }
            if let full = resolve(s.path, what: "sources[\(i)] (\(s.id))"), checkFiles, !FileManager.default.fileExists(atPath: full) {
                problems.append("\(at("sources[\(i)].path")): error: sources[\(i)] (\(s.id)): file not found: \(full)")
            }
            problems += s.fetch?.problems(at: "\(at("sources[\(i)].fetch")): error: sources[\(i)] (\(s.id))") ?? []
            if s.format == .husbanken && s.mapping == nil {
                problems.append("\(at("sources[\(i)].format")): error: sources[\(i)] (\(s.id)): format husbanken needs a `mapping:` of its columns (municipality, year, kind, stage, places, …)")
            }
            if s.mapping != nil && s.format != .husbanken {
                problems.append("\(at("sources[\(i)].mapping")): error: sources[\(i)] (\(s.id)): `mapping:` applies only to `format: husbanken`")
            }
        }
        // Measures.
        let measureNames = def.measures.keys.sorted()
        for (name, m) in def.measures.sorted(by: { $0.key < $1.key }) {
            if !ids.contains(m.source) {
                problems.append("\(at("measures.\(name).source")): error: measures.\(name): unknown source \"\(m.source)\"\(didYouMean(m.source, among: ids.sorted())); declared sources are \(ids.sorted().joined(separator: ", "))")
            }
            switch m.rule {
            case .sum:
                if m.weight != nil { problems.append("\(at("measures.\(name).weight")): error: measures.\(name): `weight:` applies only to `combine: weighted_mean`") }
            case .weightedMean:
                if let w = m.weight {
                    if def.measures[w] == nil { problems.append("\(at("measures.\(name).weight")): error: measures.\(name): weight refers to unknown measure \"\(w)\"\(didYouMean(w, among: measureNames))") }
                } else {
                    problems.append("\(at("measures.\(name).combine")): error: measures.\(name): combine weighted_mean needs a `weight:` measure")
                }
                if let sel = m.select, sel.values.contains(where: { !$0.isSingle }) || !(m.contents?.isSingle ?? true) {
                    problems.append("\(at("measures.\(name).select", "measures.\(name).contents")): error: measures.\(name): a weighted_mean measure cannot sum several categories; select one code per dimension")
                }
                if m.absentIsZero { problems.append("\(at("measures.\(name).absent")): error: measures.\(name): `absent: zero` applies to counts (`combine: sum`), not to a weighted mean") }
            }
        }
        if let key = def.harmonisation?.split_key, def.measures[key] == nil {
            problems.append("\(at("harmonisation.split_key")): error: harmonisation.split_key refers to unknown measure \"\(key)\"\(didYouMean(key, among: measureNames))")
        }
        // Indicators against measures: every problem, not the first.
        let known = Set(def.measures.keys)
        var codes = Set<String>()
        let catalogFile = indicatorsPath ?? path
        for (i, ind) in indicators.enumerated() {
            /// `FILE:LINE:COLUMN` of a key of this indicator in the catalogue.
            func place(_ key: String) -> String {
                guard let p = catalogPositions["indicators[\(i)].\(key)"] ?? catalogPositions["indicators[\(i)]"] else { return catalogFile }
                return "\(catalogFile):\(p.line):\(p.column)"
            }
            if !codes.insert(ind.code).inserted { problems.append("\(place("code")): error: duplicate indicator code \"\(ind.code)\"") }
            for p in ind.problems(knownMeasures: known) {
                var hint = "", key = "kind"
                if let m = ind.measures.first(where: { !known.contains($0) && p.contains("\"\($0)\"") }) {
                    hint = didYouMean(m, among: measureNames)
                    let refs = [("numerator", ind.numerator), ("denominator", ind.denominator), ("measure", ind.measure), ("weight", ind.weight), ("minus", ind.minus)]
                    key = refs.first { $0.1 == m }?.0 ?? "kind"
                }
                problems.append("\(place(key)): error: \(p)\(hint)")
            }
            if ind.kind == .rate, let m = ind.measure, let md = def.measures[m], md.rule != .weightedMean {
                problems.append("\(place("measure")): error: indicator \(ind.code): kind rate needs measure \(m) to be declared `combine: weighted_mean` with its weight")
            }
            if ind.kind == .rate, let m = ind.measure, let w = ind.weight, let md = def.measures[m], md.rule == .weightedMean, md.weight != w {
                problems.append("\(place("weight")): error: indicator \(ind.code): weight \(w) differs from measure \(m)'s weight \(md.weight ?? "")")
            }
            if ind.kind != .rate {
                for m in ind.measures where def.measures[m]?.rule == .weightedMean {
                    problems.append("\(place("kind")): error: indicator \(ind.code): measure \(m) is a weighted mean (a rate); kind \(ind.kind.rawValue) adds up counts and cannot use it")
                }
            }
        }
        if !problems.isEmpty { throw DefinitionError(problems) }
        // A relative warehouse path is relative to the pipeline's folder, like every other
        // path, so a cron job that does not `cd` writes where the pipeline says.
        let warehouse = warehouseOverride ?? resolveOutput(def.warehouse ?? defaultWarehouse, folder: folder)
        return Pipeline(path: path, folder: folder, definition: def, indicators: indicators, catalogPath: catalogPath, registerPath: registerPath,
                        indicatorsPath: indicatorsPath, warehousePath: warehouse, definitionBytes: bytes,
                        positions: positions)
    }

    /// The region catalogue of a run: the change catalogue, the register (when the pipeline has
    /// one) and the re-established municipalities it declares, with the register's bytes (for
    /// change detection). A catalogue that disagrees with the register is a definition error.
    public func regionCatalog(_ catalog: ChangeCatalog, catalogPath: String, exceptions: [BorderException]) throws -> (RegionCatalog, [Data]) {
        let (register, data) = try loadRegister()
        let reestablished = (definition.harmonisation?.reestablished ?? []).map {
            Reestablishment(code: $0.code, from: $0.from, sameAs: $0.same_as, sameAsTo: $0.same_as_to, note: $0.note)
        }
        if let register {
            let problems = register.disagreements(with: catalog)
            if !problems.isEmpty {
                throw DefinitionError(problems.prefix(20).map { "\(catalogPath): error: the change catalogue disagrees with the register (\(registerPath ?? "")): \($0)" })
            }
        }
        return (RegionCatalog(catalog: catalog, exceptions: exceptions, register: register, reestablished: reestablished), data)
    }

    /// Reads the register the pipeline uses (nil when it has none), with the bytes read (for change detection).
    public func loadRegister() throws -> (Register?, [Data]) {
        guard let dir = registerPath else { return (nil, []) }
        return try Pipeline.loadRegister(folder: dir)
    }

    /// Reads `kommuner.csv`, `fylker.csv` and (when present) `reestablished.csv` from a folder.
    public static func loadRegister(folder dir: String) throws -> (Register?, [Data]) {
        let k = dir + "/kommuner.csv", f = dir + "/fylker.csv", r = dir + "/reestablished.csv", c = dir + "/coverage.csv"
        guard let kd = FileManager.default.contents(atPath: k) else { throw RunFailure("\(k): error: register file not found") }
        guard let fd = FileManager.default.contents(atPath: f) else { throw RunFailure("\(f): error: register file not found") }
        let rd = FileManager.default.contents(atPath: r), cd = FileManager.default.contents(atPath: c)
        do {
            let reg = try Register.parse(kommuner: String(decoding: kd, as: UTF8.self), kommunerFile: k, fylker: String(decoding: fd, as: UTF8.self), fylkerFile: f,
                                         reestablished: rd.map { String(decoding: $0, as: UTF8.self) }, reestablishedFile: r,
                                         coverage: cd.map { String(decoding: $0, as: UTF8.self) }, coverageFile: c)
            return (reg, [kd, fd] + (rd.map { [$0] } ?? []) + (cd.map { [$0] } ?? []))
        } catch { throw DefinitionError(["\(error)"]) }
    }

    /// An output path from a pipeline: relative to its folder (`..` allowed: it names where to write, not what to read).
    static func resolveOutput(_ p: String, folder: String) -> String {
        if p.hasPrefix("/") || folder.isEmpty { return p }
        var parts: [Substring] = []
        for c in "\(folder)/\(p)".split(separator: "/", omittingEmptySubsequences: false) {
            if c == "." || (c.isEmpty && !parts.isEmpty) { continue }
            if c == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast() } else { parts.append(c) }
        }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// Decodes YAML strictly: syntax errors and every key or value the language does not
    /// have are reported with their line and column before anything is decoded.
    static func decodeStrict<T: Decodable>(_ text: String, file: String, shape: Shape) throws -> (T, Node) {
        let node = try LanguageSchema.compose(text, file: file)
        let problems = LanguageSchema.check(node, shape)
        if !problems.isEmpty {
            throw DefinitionError(problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }.map { $0.render(file: file) })
        }
        do { return (try YAMLDecoder().decode(T.self, from: node), node) }
        catch let e as DecodingError {
            var codingPath: [any CodingKey] = []
            switch e {
            case .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): codingPath = c.codingPath
            @unknown default: break
            }
            let mark = LanguageSchema.mark(of: codingPath, in: node)
            throw DefinitionError(["\(file):\(mark.map { "\($0.line):\($0.column):" } ?? "") error: \(describe(e))"])
        } catch let e as YamlError {
            throw DefinitionError([LanguageSchema.describe(e, file: file)])
        }
    }

    public func sourcePath(_ s: SourceDefinition) -> String {
        (try? safePath(s.path, folder: folder).get()) ?? s.path
    }

    /// Readable text for a decoding error, with the path of keys where it happened.
    static func describe(_ error: any Error) -> String {
        func at(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case DecodingError.keyNotFound(let k, let c): return "\(at(c.codingPath + [k])): required key missing"
        case DecodingError.typeMismatch(let t, let c): return "\(at(c.codingPath)): expected \(t)"
        case DecodingError.valueNotFound(let t, let c): return "\(at(c.codingPath)): expected \(t), found nothing"
        case DecodingError.dataCorrupted(let c): return "\(at(c.codingPath)): \(c.debugDescription)"
        default: return "\(error)"
        }
    }
}

public enum SourceFormat: String, CaseIterable, Sendable, Codable {
    case csv, jsonstat, sdmx, px, husbanken

    public static func guess(path: String) -> SourceFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": return .jsonstat
        case "xml": return .sdmx
        case "px": return .px
        default: return .csv
        }
    }
}

public struct PathError: ExitStatusError, CustomStringConvertible, Sendable {
    public var exitStatus: Int32 { 2 }
    public var description: String
}

/// Resolves a path from a pipeline: relative paths stay inside the pipeline's folder
/// (`..` may not climb out of it); absolute paths are the user's choice and are kept.
public func safePath(_ p: String, folder: String) -> Result<String, PathError> {
    if p.isEmpty { return .failure(PathError(description: "empty path")) }
    if p.hasPrefix("/") { return .success(p) }
    var parts: [Substring] = []
    for c in p.split(separator: "/") {
        if c == "." || c.isEmpty { continue }
        if c == ".." {
            if parts.isEmpty { return .failure(PathError(description: "\"\(p)\" escapes the pipeline's folder; give an absolute path to read files elsewhere")) }
            parts.removeLast()
        } else { parts.append(c) }
    }
    let rel = parts.joined(separator: "/")
    return .success(folder.isEmpty ? rel : "\(folder)/\(rel)")
}
