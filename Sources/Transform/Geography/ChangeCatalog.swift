import Foundation

/// The list of municipality changes the harmoniser works from.
public struct ChangeCatalog: Sendable {
    public private(set) var changes: [CodeChange]

    public init(changes: [CodeChange]) {
        self.changes = changes.sorted { ($0.date, $0.oldCode, $0.newCode) < ($1.date, $1.oldCode, $1.newCode) }
    }

    /// Reads the project's catalogue CSV (`oldCode,oldName,newCode,newName,changeOccurred[,kind]`).
    /// A missing `kind` column is derived with the same rules as the shipped file.
    public static func parseCSV(_ text: String, file: String) throws -> ChangeCatalog {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let header = lines.first else {
            throw CatalogError.invalid(
                "\(file):1: error: the change catalogue is empty; expected a header oldCode,oldName,newCode,newName,changeOccurred")
        }
        let cols = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        func col(_ n: String) throws -> Int {
            guard let i = cols.firstIndex(of: n) else {
                throw CatalogError.invalid(
                    "\(file):1: error: missing column \"\(n)\"; expected oldCode,oldName,newCode,newName,changeOccurred[,kind], found \(cols.joined(separator: ","))"
                )
            }
            return i
        }
        let o = try col("oldCode"), on = try col("oldName"), n = try col("newCode"), nn = try col("newName"), d = try col("changeOccurred")
        let k = cols.firstIndex(of: "kind")
        var rows: [CodeChange] = []
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == cols.count else {
                throw CatalogError.invalid("\(file):\(i + 1): error: expected \(cols.count) fields, found \(f.count)")
            }
            guard f[d].count >= 4, Int(f[d].prefix(4)) != nil else {
                throw CatalogError.invalid("\(file):\(i + 1): error: changeOccurred \"\(f[d])\" is not a date YYYY-MM-DD")
            }
            for c in [f[o], f[n]] where !(c.count == 4 && c.allSatisfy { $0.isASCII && $0.isNumber }) {
                throw CatalogError.invalid("\(file):\(i + 1): error: \"\(c)\" is not a 4-digit municipality code")
            }
            var kind = CodeChange.Kind.renumber
            if let k {
                guard let kk = CodeChange.Kind(rawValue: f[k]) else {
                    throw CatalogError.invalid("\(file):\(i + 1): error: kind \"\(f[k])\" is not one of name, split, merge, renumber")
                }; kind = kk
            }
            rows.append(CodeChange(oldCode: f[o], oldName: f[on], newCode: f[n], newName: f[nn], date: String(f[d].prefix(10)), kind: kind))
        }
        var cat = ChangeCatalog(changes: rows)
        if k == nil { cat.changes = ChangeCatalog.deriveKinds(cat.changes) }
        return cat
    }

    /// Applies the catalogue's mechanical kind rules within each date:
    /// name (same code, nothing else touches it), split, merge, renumber.
    public static func deriveKinds(_ rows: [CodeChange]) -> [CodeChange] {
        var out: [CodeChange] = []
        for (_, group) in Dictionary(grouping: rows, by: \.date).sorted(by: { $0.key < $1.key }) {
            var oldCount: [String: Int] = [:], newCount: [String: Int] = [:], touched: [String: Int] = [:]
            for r in group {
                oldCount[r.oldCode, default: 0] += 1
                newCount[r.newCode, default: 0] += 1
                touched[r.oldCode, default: 0] += 1
                if r.newCode != r.oldCode { touched[r.newCode, default: 0] += 1 }
            }
            for var r in group {
                if r.oldCode == r.newCode && touched[r.oldCode] == 1 && newCount[r.newCode] == 1 {
                    r.kind = .name
                } else if oldCount[r.oldCode, default: 0] > 1 {
                    r.kind = .split
                } else if newCount[r.newCode, default: 0] > 1 {
                    r.kind = .merge
                } else {
                    r.kind = .renumber
                }
                out.append(r)
            }
        }
        return out.sorted { ($0.date, $0.oldCode, $0.newCode) < ($1.date, $1.oldCode, $1.newCode) }
    }

    /// Writes the catalogue in the project's format (UTF-8, `,`, LF).
    public func csv() -> String {
        var s = "oldCode,oldName,newCode,newName,changeOccurred,kind\n"
        for c in changes { s += "\(c.oldCode),\(c.oldName),\(c.newCode),\(c.newName),\(c.date),\(c.kind.rawValue)\n" }
        return s
    }

    /// The years in which the structure changed.
    public var changeYears: [Int] { Array(Set(changes.map(\.year))).sorted() }
    public var newestYear: Int { changes.map(\.year).max() ?? 0 }
}
