import Foundation
import GRDB
import Ingest
import Transform
import Warehouse

/// Municipality names by year, from the change catalogue and the region labels staged so
/// far, for exports that name municipalities without their numbers.
struct NameIndex: Sendable {
    struct Entry: Sendable { var code: String; var name: String; var key: String; var from: Int?; var to: Int? }
    let entries: [Entry]

    init(db: Database, regions: RegionCatalog) throws {
        var e: [Entry] = []
        for (code, periods) in regions.validity {
            for p in periods { e.append(Entry(code: code, name: p.name, key: NameIndex.fold(p.name), from: p.from, to: p.to)) }
        }
        for l in try Staging.regionLabels(db) where RegionLevel.of(l.code) == .kommune && !l.code.hasPrefix("K-") && !regions.isKnown(l.code) {
            e.append(Entry(code: l.code, name: l.name, key: NameIndex.fold(l.name), from: l.from, to: l.to))
        }
        entries = e
    }

    /// Lower case, diacritics folded (`Ø` → `o`), Sami and Kven alternatives dropped (`Røros - Rosse` → `roros`).
    static func fold(_ s: String) -> String {
        let first = s.components(separatedBy: " - ").first ?? s
        return first.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .replacingOccurrences(of: "ø", with: "o").replacingOccurrences(of: "æ", with: "ae").replacingOccurrences(of: "å", with: "a")
            .trimmingCharacters(in: .whitespaces)
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        var prev = Array(0...y.count)
        for i in 1...x.count {
            var cur = [i] + Array(repeating: 0, count: y.count)
            for j in 1...max(y.count, 1) where j <= y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[y.count]
    }

    func resolver() -> @Sendable (String, Int) -> Result<String, NameLookupError> {
        let entries = self.entries
        return { name, year in
            let key = NameIndex.fold(name)
            let valid = entries.filter { ($0.from ?? Int.min) <= year && year <= ($0.to ?? Int.max) }
            let exact = Set(valid.filter { $0.key == key }.map(\.code))
            if exact.count == 1 { return .success(exact.first!) }
            let near = valid.map { ($0, NameIndex.distance($0.key, key)) }.filter { $0.1 <= max(2, key.count / 4) }
                .sorted { ($0.1, $0.0.name) < ($1.1, $1.0.name) }.prefix(5).map { "\($0.0.name) (\($0.0.code))" }
            return .failure(NameLookupError(name: name, year: year, nearMatches: exact.count > 1 ? exact.sorted() : Array(near)))
        }
    }
}
