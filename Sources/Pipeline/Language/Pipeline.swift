import Fetch
import Foundation
import Ingest
import Transform
import Yams

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
            throw PipelineError.run("\(path): error: pipeline file not found")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.definition(["\(path): error: cannot read the pipeline file as UTF-8 text"])
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
        } else if case .success(let rp) = safePath("register", folder: folder), FileManager.default.fileExists(atPath: rp + "/kommuner.csv")
        {
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
                } catch PipelineError.definition(let more) { problems += more }
            } else {
                problems.append("\(at("indicators")): error: indicators: file not found: \(full)")
            }
        } else if def.indicators == nil {
            problems.append("\(path): error: no `indicators:` catalogue named; expected a path such as indicators.yml")
        }
        // Group files decide the published groups: they are part of what "nothing changed" compares.
        for (key, file) in [("groups.counties", def.groups?.counties), ("groups.kostragrupper", def.groups?.kostragrupper)] {
            guard let file, let full = resolve(file, what: key) else { continue }
            if let d = FileManager.default.contents(atPath: full) {
                bytes.append(d)
            } else if checkFiles {
                problems.append("\(at(key)): error: \(key): file not found: \(full)")
            }
        }
        // Sources.
        var ids = Set<String>()
        for (i, s) in def.sources.enumerated() {
            if !ids.insert(s.id).inserted {
                problems.append("\(at("sources[\(i)].id")): error: sources[\(i)]: duplicate source id \"\(s.id)\"")
            }
            if let full = resolve(s.path, what: "sources[\(i)] (\(s.id))"), checkFiles, !FileManager.default.fileExists(atPath: full) {
                problems.append("\(at("sources[\(i)].path")): error: sources[\(i)] (\(s.id)): file not found: \(full)")
            }
            problems += s.fetch?.problems(at: "\(at("sources[\(i)].fetch")): error: sources[\(i)] (\(s.id))") ?? []
            if s.format == .husbanken && s.mapping == nil {
                problems.append(
                    "\(at("sources[\(i)].format")): error: sources[\(i)] (\(s.id)): format husbanken needs a `mapping:` of its columns (municipality, year, kind, stage, places, …)"
                )
            }
            if s.mapping != nil && s.format != .husbanken {
                problems.append(
                    "\(at("sources[\(i)].mapping")): error: sources[\(i)] (\(s.id)): `mapping:` applies only to `format: husbanken`")
            }
        }
        // Measures.
        let measureNames = def.measures.keys.sorted()
        for (name, m) in def.measures.sorted(by: { $0.key < $1.key }) {
            if !ids.contains(m.source) {
                problems.append(
                    "\(at("measures.\(name).source")): error: measures.\(name): unknown source \"\(m.source)\"\(didYouMean(m.source, among: ids.sorted())); declared sources are \(ids.sorted().joined(separator: ", "))"
                )
            }
            switch m.rule {
            case .sum:
                if m.weight != nil {
                    problems.append(
                        "\(at("measures.\(name).weight")): error: measures.\(name): `weight:` applies only to `combine: weighted_mean`")
                }
            case .weightedMean:
                if let w = m.weight {
                    if def.measures[w] == nil {
                        problems.append(
                            "\(at("measures.\(name).weight")): error: measures.\(name): weight refers to unknown measure \"\(w)\"\(didYouMean(w, among: measureNames))"
                        )
                    }
                } else {
                    problems.append(
                        "\(at("measures.\(name).combine")): error: measures.\(name): combine weighted_mean needs a `weight:` measure")
                }
                if let sel = m.select, sel.values.contains(where: { !$0.isSingle }) || !(m.contents?.isSingle ?? true) {
                    problems.append(
                        "\(at("measures.\(name).select", "measures.\(name).contents")): error: measures.\(name): a weighted_mean measure cannot sum several categories; select one code per dimension"
                    )
                }
                if m.absentIsZero {
                    problems.append(
                        "\(at("measures.\(name).absent")): error: measures.\(name): `absent: zero` applies to counts (`combine: sum`), not to a weighted mean"
                    )
                }
            }
        }
        if let key = def.harmonisation?.split_key, def.measures[key] == nil {
            problems.append(
                "\(at("harmonisation.split_key")): error: harmonisation.split_key refers to unknown measure \"\(key)\"\(didYouMean(key, among: measureNames))"
            )
        }
        // Indicators against measures: every problem, not the first.
        let known = Set(def.measures.keys)
        var codes = Set<String>()
        let catalogFile = indicatorsPath ?? path
        for (i, ind) in indicators.enumerated() {
            /// `FILE:LINE:COLUMN` of a key of this indicator in the catalogue.
            func place(_ key: String) -> String {
                guard let p = catalogPositions["indicators[\(i)].\(key)"] ?? catalogPositions["indicators[\(i)]"] else {
                    return catalogFile
                }
                return "\(catalogFile):\(p.line):\(p.column)"
            }
            if !codes.insert(ind.code).inserted { problems.append("\(place("code")): error: duplicate indicator code \"\(ind.code)\"") }
            for p in ind.problems(knownMeasures: known) {
                var hint = "", key = "kind"
                if let m = ind.measures.first(where: { !known.contains($0) && p.contains("\"\($0)\"") }) {
                    hint = didYouMean(m, among: measureNames)
                    let refs = [
                        ("numerator", ind.numerator), ("denominator", ind.denominator), ("measure", ind.measure), ("weight", ind.weight),
                        ("minus", ind.minus)
                    ]
                    key = refs.first { $0.1 == m }?.0 ?? "kind"
                }
                problems.append("\(place(key)): error: \(p)\(hint)")
            }
            if ind.kind == .rate, let m = ind.measure, let md = def.measures[m], md.rule != .weightedMean {
                problems.append(
                    "\(place("measure")): error: indicator \(ind.code): kind rate needs measure \(m) to be declared `combine: weighted_mean` with its weight"
                )
            }
            if ind.kind == .rate, let m = ind.measure, let w = ind.weight, let md = def.measures[m], md.rule == .weightedMean,
                md.weight != w
            {
                problems.append(
                    "\(place("weight")): error: indicator \(ind.code): weight \(w) differs from measure \(m)'s weight \(md.weight ?? "")")
            }
            if ind.kind != .rate {
                for m in ind.measures where def.measures[m]?.rule == .weightedMean {
                    problems.append(
                        "\(place("kind")): error: indicator \(ind.code): measure \(m) is a weighted mean (a rate); kind \(ind.kind.rawValue) adds up counts and cannot use it"
                    )
                }
            }
        }
        if !problems.isEmpty { throw PipelineError.definition(problems) }
        // A relative warehouse path is relative to the pipeline's folder, like every other
        // path, so a cron job that does not `cd` writes where the pipeline says.
        let warehouse = warehouseOverride ?? resolveOutput(def.warehouse ?? defaultWarehouse, folder: folder)
        return Pipeline(
            path: path, folder: folder, definition: def, indicators: indicators, catalogPath: catalogPath, registerPath: registerPath,
            indicatorsPath: indicatorsPath, warehousePath: warehouse, definitionBytes: bytes,
            positions: positions)
    }

    /// The region catalogue of a run: the change catalogue, the register (when the pipeline has
    /// one) and the re-established municipalities it declares, with the register's bytes (for
    /// change detection). A catalogue that disagrees with the register is a definition error.
    public func regionCatalog(_ catalog: ChangeCatalog, catalogPath: String, exceptions: [BorderException]) throws -> (
        RegionCatalog, [Data]
    ) {
        let (register, data) = try loadRegister()
        let reestablished = (definition.harmonisation?.reestablished ?? []).map {
            Reestablishment(code: $0.code, from: $0.from, sameAs: $0.same_as, sameAsTo: $0.same_as_to, note: $0.note)
        }
        if let register {
            let problems = register.disagreements(with: catalog)
            if !problems.isEmpty {
                throw PipelineError.definition(
                    problems.prefix(20).map {
                        "\(catalogPath): error: the change catalogue disagrees with the register (\(registerPath ?? "")): \($0)"
                    })
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
        guard let kd = FileManager.default.contents(atPath: k) else { throw PipelineError.run("\(k): error: register file not found") }
        guard let fd = FileManager.default.contents(atPath: f) else { throw PipelineError.run("\(f): error: register file not found") }
        let rd = FileManager.default.contents(atPath: r), cd = FileManager.default.contents(atPath: c)
        do {
            let reg = try Register.parse(
                kommuner: String(decoding: kd, as: UTF8.self), kommunerFile: k, fylker: String(decoding: fd, as: UTF8.self), fylkerFile: f,
                reestablished: rd.map { String(decoding: $0, as: UTF8.self) }, reestablishedFile: r,
                coverage: cd.map { String(decoding: $0, as: UTF8.self) }, coverageFile: c)
            return (reg, [kd, fd] + (rd.map { [$0] } ?? []) + (cd.map { [$0] } ?? []))
        } catch { throw PipelineError.definition(["\(error)"]) }
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
            throw PipelineError.definition(problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }.map { $0.render(file: file) })
        }
        do { return (try YAMLDecoder().decode(T.self, from: node), node) } catch let e as DecodingError {
            var codingPath: [any CodingKey] = []
            switch e {
            case .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): codingPath = c.codingPath
            @unknown default: break
            }
            let mark = LanguageSchema.mark(of: codingPath, in: node)
            throw PipelineError.definition(["\(file):\(mark.map { "\($0.line):\($0.column):" } ?? "") error: \(describe(e))"])
        } catch let e as YamlError {
            throw PipelineError.definition([LanguageSchema.describe(e, file: file)])
        }
    }

    public func sourcePath(_ s: SourceDefinition) -> String {
        (try? safePath(s.path, folder: folder).get()) ?? s.path
    }

    /// Readable text for a decoding error, with the path of keys where it happened.
    static func describe(_ error: any Error) -> String {
        func at(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(
                in: CharacterSet(charactersIn: "."))
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
