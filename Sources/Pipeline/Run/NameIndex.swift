import Foundation
import GRDB
import Ingest
import Transform
import Warehouse

/// Municipality names by year, from the change catalogue and the region labels staged so
/// far, for exports that name municipalities without their numbers.
public struct NameIndex: Sendable {
    struct Entry: Sendable { var code: String; var name: String; var key: String; var from: Int?; var to: Int? }
    let entries: [Entry]

    init(db: Database, regions: RegionCatalog) throws {
        var e = NameIndex(regions: regions).entries
        for l in try Staging.regionLabels(db)
        where RegionLevel.of(l.code) == .kommune && !l.code.hasPrefix("K-") && !regions.isKnown(l.code) {
            e.append(Entry(code: l.code, name: l.name, key: NameIndex.fold(l.name), from: l.from, to: l.to))
        }
        entries = e
    }

    /// Lower case, diacritics folded (`Ø` → `o`), Sami and Kven alternatives dropped (`Røros - Rosse` → `roros`).
    /// Names from the change catalogue only (`etl inspect --catalog`).
    /// With a register, every kommune of every year is named (docs/PIPELINE.md, "The register").
    init(regions: RegionCatalog) {
        var e: [Entry] = []
        var named = Set<String>()
        if let register = regions.register {
            for r in register.kommuneRows {
                named.insert(r.code)
                e.append(Entry(code: r.code, name: r.name, key: NameIndex.fold(r.name), from: r.from, to: r.to))
            }
        }
        for (code, periods) in regions.validity where !named.contains(code) {
            for p in periods { e.append(Entry(code: code, name: p.name, key: NameIndex.fold(p.name), from: p.from, to: p.to)) }
        }
        entries = e
    }

    /// A name lookup from a change catalogue file, for reading files outside a run.
    public static func resolver(catalogPath: String) throws -> NameResolver {
        guard let data = FileManager.default.contents(atPath: catalogPath) else {
            throw PipelineError.run("\(catalogPath): error: change catalogue not found")
        }
        let catalog = try ChangeCatalog.parseCSV(String(decoding: data, as: UTF8.self), file: catalogPath)
        return NameIndex(regions: RegionCatalog(catalog: catalog)).resolver()
    }

    static func fold(_ s: String) -> String {
        let first = s.components(separatedBy: " - ").first ?? s
        return first.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .replacingOccurrences(of: "ø", with: "o").replacingOccurrences(of: "æ", with: "ae").replacingOccurrences(of: "å", with: "a")
            .trimmingCharacters(in: .whitespaces)
    }

    static func distance(_ a: String, _ b: String) -> Int {
        levenshtein(Array(a), Array(b), limit: Int.max) ?? Int.max
    }

    func resolver() -> @Sendable (String, Int) -> Result<String, NameLookupError> {
        let entries = self.entries
        return { name, year in
            let key = NameIndex.fold(name)
            let valid = entries.filter { ($0.from ?? Int.min) <= year && year <= ($0.to ?? Int.max) }
            let exactEntries = valid.filter { $0.key == key }
            let exact = Set(exactEntries.map(\.code))
            if exact.count == 1 { return .success(exact.first!) }
            if exact.count > 1 {
                var named: [String: String] = [:]
                for e in exactEntries where named[e.code] == nil { named[e.code] = "\(e.code) \(e.name)" }
                return .failure(
                    NameLookupError(name: name, year: year, nearMatches: named.keys.sorted().map { named[$0]! }, ambiguous: true))
            }
            // "Våler" for "Våler (Østfold)" and "Våler (Hedmark)": one match is the code, several are ambiguous.
            let bare = valid.filter { RegionLabelBase.strip($0.key) == key }
            let bareCodes = Set(bare.map(\.code))
            if bareCodes.count == 1 { return .success(bareCodes.first!) }
            if bareCodes.count > 1 {
                var named: [String: String] = [:]
                for e in bare where named[e.code] == nil { named[e.code] = "\(e.code) \(e.name)" }
                return .failure(
                    NameLookupError(name: name, year: year, nearMatches: named.keys.sorted().map { named[$0]! }, ambiguous: true))
            }
            let near = valid.map { ($0, NameIndex.distance($0.key, key)) }.filter { $0.1 <= max(2, key.count / 4) }
                .sorted { ($0.1, $0.0.name) < ($1.1, $1.0.name) }.prefix(5).map { "\($0.0.name) (\($0.0.code))" }
            return .failure(NameLookupError(name: name, year: year, nearMatches: Array(near)))
        }
    }
}

/// A folded name without its bracketed qualifier (`valer (ostfold)` → `valer`).
enum RegionLabelBase {
    static func strip(_ key: String) -> String {
        guard key.hasSuffix(")"), let open = key.lastIndex(of: "(") else { return key }
        return key[..<open].trimmingCharacters(in: .whitespaces)
    }
}
