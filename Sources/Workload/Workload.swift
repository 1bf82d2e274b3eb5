// Why this file is long: the benchmark's generator writes the same cube as CSV, JSON-stat and
// SDMX; the three writers share the cube model.

import Foundation
import Ingest
import Transform

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a national-scale synthetic workload in SSB's real formats, for the benchmark
/// (Benchmarks/run.sh): every kommune code valid at any time 2010–2024, 15 years, as many
/// measures as it takes to reach the requested number of observations, as an SSB v0 long CSV
/// (semicolon, decimal comma, ISO-8859-1), as JSON-stat 2.0 and as SDMX-ML 2.0 GenericData,
/// all three holding the same cells, plus a pipeline per format over them.
///
/// Regions: the codes of the change catalogue, with their validity periods (a code the
/// catalogue starts after 2010 is `.` before it; the catalogue covers 2017–2024, so codes it
/// has from the start are taken as valid 2010–2016 too, and pre-2017 reforms are not modelled).
/// Codes that never changed are not in the catalogue; the generator adds 0301 Oslo (named in
/// the project's sample data) and synthetic stable codes 0302–0374 (county 03, Oslo, has one
/// municipality, so these numbers are free yet belong to a county that exists in every year),
/// until the 2024 structure has 357 municipalities, as KLASS's 2024 version has.
///
/// Output is streamed through a small buffer: memory does not grow with the number of cells.
/// The same seed gives the same bytes.
public enum WorkloadWriter {
    /// Writes the workload into `out` (created if missing): bench.csv (SSB v0 long CSV,
    /// ISO-8859-1, decimal comma), bench.json (JSON-stat 2.0), bench.xml (SDMX-ML 2.0
    /// GenericData) as `formats` asks, pipeline.yml / pipeline-jsonstat.yml / pipeline-sdmx.yml
    /// over them, indicators.yml, kommuneendringer.csv (the catalogue's 2017– changes) and
    /// workload.json (the shape and cell counts). Returns a one-line summary.
    @discardableResult
    public static func write(
        out: String, observations: Int, formats: Set<String> = ["csv", "jsonstat", "sdmx"], seed: UInt64 = 1,
        catalog: String = "pipelines/kommuneendringer.csv"
    ) throws -> String {
        let wanted = Set(formats.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        let unknown = wanted.subtracting(["csv", "jsonstat", "sdmx"])
        guard unknown.isEmpty, !wanted.isEmpty else {
            throw WorkloadError.refused(
                "error: --formats: unknown format \(unknown.sorted().joined(separator: ", ")); expected a comma-separated list of csv, jsonstat, sdmx"
            )
        }
        guard observations > 0 else { throw WorkloadError.refused("error: --observations must be positive") }
        guard let catalogData = FileManager.default.contents(atPath: catalog) else {
            throw WorkloadError.refused(
                "\(catalog): error: change catalogue not found; run from the repository root or pass --catalog FILE")
        }
        var changes: ChangeCatalog
        do { changes = try ChangeCatalog.parseCSV(String(decoding: catalogData, as: UTF8.self), file: catalog) } catch {
            throw WorkloadError.refused("\(error)")
        }
        // The workload is built from the changes of its years' era (2017 on), so it stays the
        // same however far back the shipped catalogue goes.
        changes = ChangeCatalog(changes: changes.changes.filter { $0.year >= 2017 })

        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let w = Workload(catalog: RegionCatalog(catalog: changes), observations: observations, seed: seed)
        let started = Date()
        var files: [String: Any] = [:]
        if wanted.contains("csv") { files["csv"] = try w.writeCSV(path: out + "/bench.csv") }
        if wanted.contains("jsonstat") { files["jsonstat"] = try w.writeJSONStat(path: out + "/bench.json") }
        if wanted.contains("sdmx") { files["sdmx"] = try w.writeSDMX(path: out + "/bench.xml") }
        try Data(changes.csv().utf8).write(to: URL(fileURLWithPath: out + "/kommuneendringer.csv"))
        try Data(w.indicatorsYAML().utf8).write(to: URL(fileURLWithPath: out + "/indicators.yml"))
        if wanted.contains("csv") { try Data(w.pipelineYAML(format: "csv").utf8).write(to: URL(fileURLWithPath: out + "/pipeline.yml")) }
        if wanted.contains("jsonstat") {
            try Data(w.pipelineYAML(format: "jsonstat").utf8).write(to: URL(fileURLWithPath: out + "/pipeline-jsonstat.yml"))
        }
        if wanted.contains("sdmx") {
            try Data(w.pipelineYAML(format: "sdmx").utf8).write(to: URL(fileURLWithPath: out + "/pipeline-sdmx.yml"))
        }

        let counts = w.symbolCounts()
        let manifest: [String: Any] = [
            "observations": w.cellCount,
            "regions": w.regions.count,
            "regions_from_catalogue": w.regions.count - w.syntheticCount - 1,
            "regions_synthetic_stable": w.syntheticCount,
            "measures": w.measures.count,
            "years": [Workload.years.first!, Workload.years.last!],
            "seed": seed,
            "cells_not_applicable": counts.notApplicable,
            "cells_missing": counts.missing,
            "cells_suppressed": counts.suppressed,
            "files": files
        ]
        let json = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: out + "/workload.json"))
        return String(
            format: "generated %d observations (%d regions x %d measures x %d years; %d of them '.') in %@ in %.1f s",
            w.cellCount, w.regions.count, w.measures.count, Workload.years.count, counts.notApplicable, out,
            Date().timeIntervalSince(started))
    }
}

// MARK: - The workload model

/// The cube (region × measure × year) and a deterministic value for every cell.
struct Workload {
    static let years = Array(2010...2024)
    /// Municipalities in KLASS's 2024 version (kommuneendringer.md, cross-check 1).
    static let municipalities2024 = 357

    struct Region {
        var code: String
        var name: String
        /// Validity bracket as SSB writes it after the name: `(-2019)`, `(2020-2023)`, or empty.
        var bracket: String
        var valid: [Bool]
    }

    enum Kind { case count, percent, kroner }

    struct Measure {
        var code: String
        var label: String
        var kind: Kind
        var unit: String { kind == .percent ? "prosent" : kind == .kroner ? "kr" : "antall" }
        var decimals: Int { kind == .percent ? 1 : 0 }
        /// Count measures: persons per inhabitant; percent: centre; kroner: per inhabitant.
        var factor: Double
    }

    /// A cell: a number (mantissa × 10^-decimals) or a symbol.
    struct Cell {
        enum Symbol: UInt8 { case none = 0, notApplicable, missing, suppressed }
        var mantissa: Int64
        var decimals: Int
        var symbol: Symbol
    }

    /// Per region and year: the quantities the named measures are built from, consistent
    /// with one another (medication reviews never exceed residents).
    struct Base {
        var pop: Int64, inn80: Int64, residents: Int64, reviews: Int64, nutrition: Int64
        var homeShare10: Int64, placesInst: Int64, placesHome: Int64, shortTerm: Int64
    }

    let seed: UInt64
    var regions: [Region] = []
    var measures: [Measure] = []
    var syntheticCount = 0
    var base: [Base] = []

    var cellCount: Int { regions.count * measures.count * Workload.years.count }

    init(catalog: RegionCatalog, observations: Int, seed: UInt64) {
        self.seed = seed
        let years = Workload.years
        for (code, periods) in catalog.validity.sorted(by: { $0.key < $1.key }) {
            let valid = years.map { catalog.isValid(code, in: $0) }
            guard valid.contains(true) else { continue }
            // One label per code, as SSB gives: the newest period that touches 2010–2024.
            let p = periods.last { ($0.from ?? 0) <= years.last! && ($0.to ?? 9999) >= years.first! } ?? periods.last!
            let bracket: String
            switch (p.from, p.to) {
            case (nil, nil), (_?, nil): bracket = ""
            case (nil, let t?): bracket = "(-\(t))"
            case (let f?, let t?): bracket = "(\(f)-\(t))"
            }
            regions.append(Region(code: code, name: p.name, bracket: bracket, valid: valid))
        }
        let known2024 = regions.filter { $0.valid.last! }.count
        regions.append(Region(code: "0301", name: "Oslo", bracket: "", valid: years.map { _ in true }))
        syntheticCount = max(0, Workload.municipalities2024 - known2024 - 1)
        for i in 0..<syntheticCount {
            regions.append(
                Region(
                    code: String(format: "03%02d", i + 2), name: "Syntetisk stabil \(i + 1)", bracket: "", valid: years.map { _ in true }))
        }
        regions.sort { $0.code < $1.code }

        measures = Workload.named
        let perMeasure = regions.count * years.count
        let total = max(measures.count, (observations + perMeasure - 1) / perMeasure)
        var n = 0
        while measures.count < total {
            n += 1
            let k = n % 5
            let group = Workload.ageGroups[(n / 5) % Workload.ageGroups.count]
            let variant = n / (5 * Workload.ageGroups.count) + 1
            let code = String(format: "KOSbench%04d", n)
            switch k {
            case 0, 1, 2:
                let t = Workload.countTemplates[(n / 5 + k) % Workload.countTemplates.count]
                measures.append(
                    Measure(
                        code: code, label: "\(t), \(group), variant \(variant) (antall)", kind: .count,
                        factor: 0.001 + 0.05 * unit(0xC0, UInt64(n), 0, 0)))
            case 3:
                let t = Workload.percentTemplates[(n / 5) % Workload.percentTemplates.count]
                measures.append(
                    Measure(
                        code: code, label: "\(t), \(group), variant \(variant) (prosent)", kind: .percent,
                        factor: 5 + 80 * unit(0xC1, UInt64(n), 0, 0)))
            default:
                let t = Workload.kronerTemplates[(n / 5) % Workload.kronerTemplates.count]
                measures.append(
                    Measure(
                        code: code, label: "\(t), \(group), variant \(variant) (kr per innbygger)", kind: .kroner,
                        factor: 500 + 30_000 * unit(0xC2, UInt64(n), 0, 0)))
            }
        }
        // Inhabitants in 2024: skewed towards small municipalities (200 … 60 000), Oslo about
        // 700 000. A code that ended before 2024 gets a share of the municipalities it became,
        // shared with the other codes that ended the same year, so harmonised series run on.
        var sizes = [Double](repeating: 0, count: regions.count)
        var sizeOf: [String: Double] = [:]
        for (ri, r) in regions.enumerated() where r.valid.last! {
            let u = unit(0xB0, UInt64(ri), 0, 0)
            sizes[ri] = r.code == "0301" ? 690_000 : exp(log(200.0) + (log(60_000.0) - log(200.0)) * u * u)
            sizeOf[r.code] = sizes[ri]
        }
        var predecessors: [String: [(index: Int, weight: Double)]] = [:]
        for (ri, r) in regions.enumerated() where !r.valid.last! {
            let last = years[r.valid.lastIndex(of: true)!]
            guard case .mapped(let parts) = catalog.map(r.code, year: last, to: years.last!) else { continue }
            let weight = (0.3 + unit(0xBF, UInt64(ri), 0, 0)) / Double(Set(parts.map(\.target)).count)
            for t in Set(parts.map(\.target)) { predecessors["\(t)@\(last)", default: []].append((ri, weight)) }
        }
        for (key, parts) in predecessors {
            let total = parts.reduce(0) { $0 + $1.weight }
            let target = sizeOf[String(key.prefix { $0 != "@" })] ?? 1000
            for p in parts { sizes[p.index] += target * p.weight / total }
        }
        base = []
        base.reserveCapacity(regions.count * years.count)
        for ri in regions.indices {
            let size = max(100, sizes[ri])
            let growth = -0.01 + 0.025 * unit(0xB1, UInt64(ri), 0, 0)
            let share80 = 0.025 + 0.05 * unit(0xB2, UInt64(ri), 0, 0)
            let residentsShare = 0.12 + 0.1 * unit(0xB3, UInt64(ri), 0, 0)
            let homeShare = 20 + 25 * unit(0xB4, UInt64(ri), 0, 0)
            for yi in 0..<years.count {
                let y = UInt64(yi)
                let pop = size * pow(1 + growth, Double(yi - years.count + 1)) * (0.995 + 0.01 * unit(0xB5, UInt64(ri), y, 0))
                let inn80 = pop * share80 * (1 + 0.015 * Double(yi))
                let residents = inn80 * residentsShare * (0.9 + 0.2 * unit(0xB6, UInt64(ri), y, 0))
                let reviews = residents * (0.35 + 0.6 * unit(0xB7, UInt64(ri), y, 0))
                let nutrition = residents * (0.3 + 0.65 * unit(0xB8, UInt64(ri), y, 0))
                let home = homeShare + 6 * (unit(0xB9, UInt64(ri), y, 0) - 0.5)
                let inst = inn80 * (0.1 + 0.1 * unit(0xBA, UInt64(ri), 0, 0)) * (0.95 + 0.1 * unit(0xBB, UInt64(ri), y, 0))
                let homes = inn80 * (0.02 + 0.08 * unit(0xBC, UInt64(ri), 0, 0))
                let short = inst * (0.08 + 0.17 * unit(0xBD, UInt64(ri), y, 0))
                base.append(
                    Base(
                        pop: Int64(pop.rounded()), inn80: Int64(inn80.rounded()), residents: Int64(residents.rounded()),
                        reviews: Int64(reviews.rounded()), nutrition: Int64(nutrition.rounded()),
                        homeShare10: Int64((home * 10).rounded()), placesInst: Int64(inst.rounded()),
                        placesHome: Int64(homes.rounded()), shortTerm: Int64(short.rounded())))
            }
        }
    }

    /// The measures the generated pipeline uses, with SSB's wording (KOSTRA 12209, KPR 12752).
    static let named: [Measure] = [
        Measure(code: "KOSbefolkning0000", label: "Befolkning per 1.1. (personer)", kind: .count, factor: 0),
        Measure(code: "KOSinnb80aar0000", label: "Innbyggere 80 år og over (personer)", kind: .count, factor: 0),
        Measure(code: "KOSbeboerlang0000", label: "Beboere 67 år og over med langtidsopphold (antall)", kind: .count, factor: 0),
        Measure(
            code: "KOSlmgjennomg0000",
            label: "Beboere 67 år og over med langtidsopphold med legemiddelgjennomgang siste 12 måneder (antall)", kind: .count, factor: 0),
        Measure(
            code: "KOSernvurd0000",
            label: "Beboere 67 år og over med langtidsopphold med vurdering av ernæringsstatus siste 12 måneder (antall)", kind: .count,
            factor: 0),
        Measure(
            code: "KOShjtj80aarover0001", label: "Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)", kind: .percent,
            factor: 0),
        Measure(code: "KOSplassinst0000", label: "Plasser i institusjon (antall)", kind: .count, factor: 0),
        Measure(code: "KOSplassbolig0000", label: "Plasser i bolig med heldøgns bemanning (antall)", kind: .count, factor: 0),
        Measure(code: "KOSkorttid0000", label: "Korttidsplasser i institusjon (antall)", kind: .count, factor: 0)
    ]
    static let ageGroups = ["0-17 år", "18-49 år", "50-66 år", "67-79 år", "80-89 år", "90 år og over"]
    static let countTemplates = [
        "Mottakere av hjemmesykepleie", "Mottakere av praktisk bistand", "Brukere av dagaktivitetstilbud",
        "Mottakere av omsorgsstønad", "Personer med vedtak om avlastning", "Mottakere av trygghetsalarm",
        "Mottakere av matombringing", "Brukere av brukerstyrt personlig assistanse"
    ]
    static let percentTemplates = [
        "Andel mottakere av hjemmetjenester med omfattende bistandsbehov", "Andel beboere i bolig med heldøgns tjenester",
        "Andel brukere med individuell plan", "Andel årsverk med fagutdanning"
    ]
    static let kronerTemplates = [
        "Netto driftsutgifter til pleie og omsorg", "Brutto driftsutgifter til institusjoner",
        "Netto driftsutgifter til hjemmetjenester"
    ]

    /// A uniform number in [0, 1) from the seed and a cell's coordinates (splitmix64).
    @inline(__always)
    func unit(_ salt: UInt64, _ a: UInt64, _ b: UInt64, _ c: UInt64) -> Double {
        var z = seed &* 0x9E37_79B9_7F4A_7C15 ^ salt
        z = mix(z ^ (a &* 0xD1B5_4A32_D192_ED03))
        z = mix(z ^ (b &* 0x8CB9_2BA7_2F3D_8DD7))
        z = mix(z ^ (c &* 0x52DC_E729))
        return Double(z >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    @inline(__always)
    func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The cell at region `r`, measure `m`, year index `y`.
    @inline(__always)
    func cell(_ r: Int, _ m: Int, _ y: Int) -> Cell {
        if !regions[r].valid[y] { return Cell(mantissa: 0, decimals: 0, symbol: .notApplicable) }
        let u = unit(0xA0, UInt64(r), UInt64(m), UInt64(y))
        // Data missing ("tallgrunnlag mangler") now and then.
        if u < 0.003 { return Cell(mantissa: 0, decimals: 0, symbol: .missing) }
        let b = base[r * Workload.years.count + y]
        var v: Int64
        var decimals = 0
        var suppressible = false
        switch m {
        case 0: v = b.pop
        case 1: v = b.inn80
        case 2: v = b.residents
        case 3: v = b.reviews; suppressible = true
        case 4: v = b.nutrition; suppressible = true
        case 5: v = b.homeShare10; decimals = 1
        case 6: v = b.placesInst
        case 7: v = b.placesHome
        case 8: v = b.shortTerm
        default:
            let ms = measures[m]
            let noise = 0.9 + 0.2 * u
            switch ms.kind {
            case .count: v = Int64((Double(b.pop) * ms.factor * noise).rounded()); suppressible = true
            case .percent: v = Int64((min(100, ms.factor * noise) * 10).rounded()); decimals = 1
            case .kroner: v = Int64((ms.factor * noise).rounded())
            }
        }
        // KOSTRA and KPR do not show counts below 5 for persons: suppressed (`:`).
        if suppressible && v > 0 && v < 5 { return Cell(mantissa: 0, decimals: 0, symbol: .suppressed) }
        return Cell(mantissa: v, decimals: decimals, symbol: .none)
    }

    func symbolCounts() -> (notApplicable: Int, missing: Int, suppressed: Int) {
        var na = 0, mi = 0, su = 0
        for r in regions.indices {
            for m in measures.indices {
                for y in Workload.years.indices {
                    switch cell(r, m, y).symbol {
                    case .notApplicable: na += 1
                    case .missing: mi += 1
                    case .suppressed: su += 1
                    case .none: break
                    }
                }
            }
        }
        return (na, mi, su)
    }

    // MARK: Writers

    /// SSB v0 dataset CSV (long): `"region";"år";"statistikkvariabel";"<title>"`, ISO-8859-1,
    /// decimal comma, CRLF, symbols unquoted.
    func writeCSV(path: String) throws -> [String: Any] {
        let out = try ByteWriter(path: path)
        out.put(latin1("\"region\";\"år\";\"statistikkvariabel\";\"\(Workload.title)\"\r\n"))
        let regionCells = regions.map { latin1("\"\($0.code) \($0.name)\($0.bracket.isEmpty ? "" : " " + $0.bracket)\";") }
        let yearCells = Workload.years.map { latin1("\"\($0)\";") }
        let measureCells = measures.map { latin1("\"\($0.label)\";") }
        for r in regions.indices {
            for y in Workload.years.indices {
                for m in measures.indices {
                    out.put(regionCells[r]); out.put(yearCells[y]); out.put(measureCells[m])
                    let c = cell(r, m, y)
                    if c.symbol == .none {
                        out.number(c, decimalMark: UInt8(ascii: ","))
                    } else {
                        out.put(Workload.symbolBytes[Int(c.symbol.rawValue)])
                    }
                    out.put(13); out.put(10)
                }
            }
        }
        return ["path": path, "bytes": try out.close()]
    }

    /// JSON-stat 2.0 dataset as SSB's API writes it: dense `value` (null for symbols) and a
    /// sparse `status` object, dimensions region × ContentsCode × Tid (time varies fastest).
    func writeJSONStat(path: String) throws -> [String: Any] {
        let out = try ByteWriter(path: path)
        var head = "{\"version\":\"2.0\",\"class\":\"dataset\",\"label\":\(jsonString(Workload.title)),"
        head += "\"source\":\"Statistisk sentralbyrå\",\"updated\":\"2025-03-14T07:00:00Z\","
        head += "\"note\":[\"Syntetiske data i SSBs format, laget av etl generate (seed \(seed)).\"],"
        head += "\"role\":{\"time\":[\"Tid\"],\"geo\":[\"KOKkommuneregion0000\"],\"metric\":[\"ContentsCode\"]},"
        head += "\"id\":[\"KOKkommuneregion0000\",\"ContentsCode\",\"Tid\"],"
        head += "\"size\":[\(regions.count),\(measures.count),\(Workload.years.count)],\"dimension\":{"
        out.put(Array(head.utf8))
        // Region dimension.
        out.put(Array("\"KOKkommuneregion0000\":{\"label\":\"region\",\"category\":{\"index\":{".utf8))
        for (i, r) in regions.enumerated() { out.put(Array("\(i == 0 ? "" : ",")\"\(r.code)\":\(i)".utf8)) }
        out.put(Array("},\"label\":{".utf8))
        for (i, r) in regions.enumerated() {
            out.put(Array("\(i == 0 ? "" : ",")\"\(r.code)\":\(jsonString(r.name + (r.bracket.isEmpty ? "" : " " + r.bracket)))".utf8))
        }
        out.put(Array("}},\"extension\":{\"show\":\"value\"}},".utf8))
        // Measures.
        out.put(Array("\"ContentsCode\":{\"label\":\"statistikkvariabel\",\"category\":{\"index\":{".utf8))
        for (i, m) in measures.enumerated() { out.put(Array("\(i == 0 ? "" : ",")\"\(m.code)\":\(i)".utf8)) }
        out.put(Array("},\"label\":{".utf8))
        for (i, m) in measures.enumerated() { out.put(Array("\(i == 0 ? "" : ",")\"\(m.code)\":\(jsonString(m.label))".utf8)) }
        out.put(Array("},\"unit\":{".utf8))
        for (i, m) in measures.enumerated() {
            out.put(Array("\(i == 0 ? "" : ",")\"\(m.code)\":{\"base\":\"\(m.unit)\",\"decimals\":\(m.decimals)}".utf8))
        }
        out.put(Array("}}},".utf8))
        // Time.
        out.put(Array("\"Tid\":{\"label\":\"år\",\"category\":{\"index\":{".utf8))
        for (i, y) in Workload.years.enumerated() { out.put(Array("\(i == 0 ? "" : ",")\"\(y)\":\(i)".utf8)) }
        out.put(Array("},\"label\":{".utf8))
        for (i, y) in Workload.years.enumerated() { out.put(Array("\(i == 0 ? "" : ",")\"\(y)\":\"\(y)\"".utf8)) }
        out.put(Array("}}}},".utf8))
        out.put(
            Array(
                "\"extension\":{\"px\":{\"tableid\":\"99999\",\"decimals\":0,\"contents\":\"Syntetisk\",\"heading\":[\"ContentsCode\",\"Tid\"],\"stub\":[\"KOKkommuneregion0000\"]}},"
                    .utf8))
        // Values, streamed.
        out.put(Array("\"value\":[".utf8))
        var first = true
        for r in regions.indices {
            for m in measures.indices {
                for y in Workload.years.indices {
                    if !first { out.put(UInt8(ascii: ",")) }
                    first = false
                    let c = cell(r, m, y)
                    if c.symbol == .none { out.number(c, decimalMark: UInt8(ascii: ".")) } else { out.put(Array("null".utf8)) }
                }
            }
        }
        out.put(Array("],\"status\":{".utf8))
        first = true
        var index = 0
        for r in regions.indices {
            for m in measures.indices {
                for y in Workload.years.indices {
                    let c = cell(r, m, y)
                    if c.symbol != .none {
                        if !first { out.put(UInt8(ascii: ",")) }
                        first = false
                        out.put(UInt8(ascii: "\"")); out.integer(Int64(index)); out.put(Array("\":\"".utf8))
                        out.put(Workload.symbolBytes[Int(c.symbol.rawValue)]); out.put(UInt8(ascii: "\""))
                    }
                    index += 1
                }
            }
        }
        out.put(Array("}}\n".utf8))
        return ["path": path, "bytes": try out.close()]
    }

    /// SDMX-ML 2.0 GenericData in the shape PxWeb writes: a Series per region and measure
    /// (`SeriesKey` with the region, ContentsCode and FREQ), an Obs per year with `Time`,
    /// `ObsValue` and an `OBS_STATUS` attribute (`A`, or SSB's symbol with `NaN` as the value).
    func writeSDMX(path: String) throws -> [String: Any] {
        let out = try ByteWriter(path: path)
        out.put(
            Array(
                """
                <?xml version="1.0" encoding="utf-8"?>
                <message:GenericData xmlns:message="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message" xmlns:common="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/common" xmlns:generic="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/generic" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                  <message:Header>
                    <message:ID>99999</message:ID>
                    <message:Test>false</message:Test>
                    <message:Name xml:lang="no">\(xmlEscape(Workload.title))</message:Name>
                    <message:Prepared>2025-03-14T07:00:00</message:Prepared>
                    <message:Sender id="SSB">
                      <message:Name xml:lang="no">Statistisk sentralbyrå</message:Name>
                    </message:Sender>
                  </message:Header>
                  <message:DataSet>
                    <generic:KeyFamilyRef>99999</generic:KeyFamilyRef>

                """.utf8))
        let regionKeys = regions.map {
            Array("      <generic:SeriesKey>\n        <generic:Value concept=\"KOKkommuneregion0000\" value=\"\($0.code)\" />\n".utf8)
        }
        let measureKeys = measures.map {
            Array(
                """
                        <generic:Value concept="ContentsCode" value="\($0.code)" />
                        <generic:Value concept="FREQ" value="A" />
                      </generic:SeriesKey>
                      <generic:Attributes>
                        <generic:Value concept="UNIT_MEASURE" value="\($0.unit)" />
                        <generic:Value concept="DECIMALS" value="\($0.decimals)" />
                      </generic:Attributes>

                """.utf8)
        }
        let timeOpen = Workload.years.map { Array("      <generic:Obs><generic:Time>\($0)</generic:Time><generic:ObsValue value=\"".utf8) }
        let statusOpen = Array("\" /><generic:Attributes><generic:Value concept=\"OBS_STATUS\" value=\"".utf8)
        let obsClose = Array("\" /></generic:Attributes></generic:Obs>\n".utf8)
        let seriesOpen = Array("    <generic:Series>\n".utf8)
        let seriesClose = Array("    </generic:Series>\n".utf8)
        let nan = Array("NaN".utf8)
        let a = [UInt8(ascii: "A")]
        for r in regions.indices {
            for m in measures.indices {
                out.put(seriesOpen); out.put(regionKeys[r]); out.put(measureKeys[m])
                for y in Workload.years.indices {
                    let c = cell(r, m, y)
                    out.put(timeOpen[y])
                    if c.symbol == .none { out.number(c, decimalMark: UInt8(ascii: ".")) } else { out.put(nan) }
                    out.put(statusOpen)
                    out.put(c.symbol == .none ? a : Workload.symbolBytes[Int(c.symbol.rawValue)])
                    out.put(obsClose)
                }
                out.put(seriesClose)
            }
        }
        out.put(Array("  </message:DataSet>\n</message:GenericData>\n".utf8))
        return ["path": path, "bytes": try out.close()]
    }

    static let title = "99999: Syntetisk nasjonal arbeidsmengde for ytelsestest, etter region, år og statistikkvariabel"
    static let symbolBytes: [[UInt8]] = [[], Array(".".utf8), Array("..".utf8), Array(":".utf8)]

    // MARK: Pipelines

    /// The indicator catalogue: ratios, a weighted rate and counts over the named measures and
    /// a few generated ones.
    func indicatorsYAML() -> String {
        let generic = measures.indices.dropFirst(Workload.named.count).first { measures[$0].kind == .count }
        var s = """
            # Generated by `etl generate` for the benchmark (Benchmarks/README.md).
            indicators:
              - code: legemiddelgjennomgang
                name: Andel beboere med legemiddelgjennomgang siste 12 måneder
                unit: prosent
                kind: ratio
                numerator: legemiddelgjennomgang_67
                denominator: langtidsbeboere_67
                scale: 100
                decimals: 1
                definition: Long-stay residents 67+ with a medication review, as a share of long-stay residents 67+.
              - code: ernaering_sykehjem
                name: Andel beboere med vurdering av ernæringsstatus
                unit: prosent
                kind: ratio
                numerator: ernaering_vurdert_67
                denominator: langtidsbeboere_67
                scale: 100
                decimals: 1
                definition: Long-stay residents 67+ assessed for nutritional status, as a share of long-stay residents 67+.
              - code: andel_80_hjemmetjenester
                name: Andel innbyggere 80 år og over som bruker hjemmetjenester
                unit: prosent
                kind: rate
                measure: hjemmetj_80_andel
                weight: innbyggere_80
                scale: 1
                decimals: 1
                definition: A published rate, combined across merged municipalities weighted by inhabitants 80+.
              - code: dekning_heldogn_80
                name: Plasser med heldøgns omsorg per 100 innbyggere 80 år og over
                unit: per 100 innbyggere 80+
                kind: ratio
                numerator: plasser_heldogn
                denominator: innbyggere_80
                scale: 100
                decimals: 1
                definition: Places in institutions and in homes with round-the-clock staff per 100 inhabitants 80+.
              - code: andel_korttid
                name: Andel korttidsplasser
                unit: prosent
                kind: ratio
                numerator: plasser_korttid
                denominator: plasser_institusjon
                scale: 100
                decimals: 1
                definition: Short-term places as a share of places in institutions.
              - code: innbyggere_80
                name: Innbyggere 80 år og over
                unit: personer
                kind: count
                measure: innbyggere_80
                scale: 1
                decimals: 0
                definition: Inhabitants 80 years and over.
              - code: befolkning
                name: Befolkning
                unit: personer
                kind: count
                measure: befolkning
                scale: 1
                decimals: 0
                definition: Inhabitants on 1 January.

            """
        if generic != nil {
            s += """
                  - code: mottakere_per_1000
                    name: Mottakere per 1 000 innbyggere (generert variabel)
                    unit: per 1 000 innbyggere
                    kind: ratio
                    numerator: generert_antall
                    denominator: befolkning
                    scale: 1000
                    decimals: 1
                    definition: A generated count per 1 000 inhabitants.

                """
        }
        return s
    }

    /// A pipeline over one format's file. CSV files have no measure codes, so its measures
    /// name labels; JSON-stat and SDMX name ContentsCode. (SDMX series keys carry FREQ, which
    /// staging does not keep as a breakdown.)
    func pipelineYAML(format: String) -> String {
        let file = format == "csv" ? "bench.csv" : format == "jsonstat" ? "bench.json" : "bench.xml"
        func key(_ m: Measure) -> String { "\"" + (format == "csv" ? m.label : m.code) + "\"" }
        let extra = ""
        let n = Workload.named
        var s = """
            # Generated by `etl generate` for the benchmark (Benchmarks/README.md): \(cellCount) observations as \(format).
            name: bench-\(format)
            description: Synthetic national workload, \(regions.count) kommune codes x \(measures.count) measures x \(Workload.years.count) years
            warehouse: bench-\(format).sqlite
            catalog: kommuneendringer.csv
            indicators: indicators.yml
            max_rejects: 0

            harmonisation:
              structure_year: latest
              split_key: befolkning
              tolerance: 0.005

            sources:
              - id: bench
                path: \(file)
                format: \(format)
                table: "99999"

            """
        if format == "csv" { s += "    encoding: iso-8859-1\n    delimiter: \";\"\n    decimal: comma\n" }
        s += """

            measures:
              befolkning:
                source: bench
                contents: \(key(n[0]))\(extra)
              innbyggere_80:
                source: bench
                contents: \(key(n[1]))\(extra)
              langtidsbeboere_67:
                source: bench
                contents: \(key(n[2]))\(extra)
              legemiddelgjennomgang_67:
                source: bench
                contents: \(key(n[3]))\(extra)
              ernaering_vurdert_67:
                source: bench
                contents: \(key(n[4]))\(extra)
              hjemmetj_80_andel:
                source: bench
                contents: \(key(n[5]))
                combine: weighted_mean
                weight: innbyggere_80\(extra)
              plasser_institusjon:
                source: bench
                contents: \(key(n[6]))\(extra)
              plasser_heldogn:
                source: bench
                contents:
                  - \(key(n[6]))
                  - \(key(n[7]))\(extra)
              plasser_korttid:
                source: bench
                contents: \(key(n[8]))\(extra)

            """
        if let g = measures.indices.dropFirst(n.count).first(where: { measures[$0].kind == .count }) {
            s += """
                  generert_antall:
                    source: bench
                    contents: \(key(measures[g]))\(extra)

                """
        }
        s += """

            groups:
              national: true

            """
        return s
    }
}

// MARK: - Output helpers

/// ISO-8859-1 bytes of a string; characters outside Latin-1 (some Sami letters) become `?`.
func latin1(_ s: String) -> [UInt8] {
    s.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : UInt8(ascii: "?") }
}

func jsonString(_ s: String) -> String { jsonQuoted(s) }

func xmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

/// Buffered binary output: bytes are collected in a 1 MiB buffer and written with `write(2)`.
final class ByteWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let path: String
    private(set) var written = 0
    private var scratch = [UInt8](repeating: 0, count: 24)

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 {
            throw WorkloadError.refused("\(path): error: cannot create file: \(String(cString: strerror(errno)))")
        }
        buffer.reserveCapacity(1 << 20 + 4096)
    }

    @inline(__always) func put(_ b: UInt8) {
        buffer.append(b)
    }

    @inline(__always) func put(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    /// A non-negative integer in decimal.
    @inline(__always) func integer(_ value: Int64) {
        var v = value < 0 ? -value : value
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var n = 0
        repeat {
            scratch[n] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
            v /= 10
            n += 1
        } while v > 0
        while n > 0 { n -= 1; buffer.append(scratch[n]) }
    }

    /// A cell's number with its decimals (`35,6` or `35.6`).
    @inline(__always) func number(_ c: Workload.Cell, decimalMark: UInt8) {
        if c.decimals == 0 { integer(c.mantissa); return }
        integer(c.mantissa / 10)
        buffer.append(decimalMark)
        buffer.append(UInt8(truncatingIfNeeded: c.mantissa % 10) &+ 0x30)
    }

    func flush() {
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; break }
                off += n
            }
            written += off
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and returns the file's size.
    func close() throws -> Int {
        flush()
        if closeDescriptor(fd) != 0 {
            throw WorkloadError.refused("\(path): error: cannot write file: \(String(cString: strerror(errno)))")
        }
        return written
    }
}
