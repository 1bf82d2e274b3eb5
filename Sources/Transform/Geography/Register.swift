import Foundation

/// The register of kommune and fylke codes with their validity periods (KLASS 131 and 104,
/// one row per code and name period; docs/PIPELINE.md, "The register"). A code is valid in a
/// year exactly when a row of it covers the year. Pure data: no files are read here.
public struct Register: Sendable {
    /// Kommune periods by code (a name change starts a new period of the same code).
    public let kommuner: [String: [Validity]]
    public let fylker: [String: [Validity]]
    /// The first and last year the register describes (a row starting in the first year may be older).
    public let firstYear: Int
    public let lastYear: Int
    public let reestablished: [Reestablishment]
    /// The rows as read (for writing the register back after a refresh).
    public let kommuneRows: [Row]
    public let fylkeRows: [Row]
    public typealias Row = (code: String, name: String, from: Int, to: Int?)
    /// Kommune codes valid in each covered year, sorted.
    private let byYear: [Int: [String]]

    /// `covered`: the first and last year the files describe (`coverage.csv`); without it, the
    /// earliest and newest year any row starts or ends in.
    public init(
        kommuner rows: [(code: String, name: String, from: Int, to: Int?)],
        fylker frows: [(code: String, name: String, from: Int, to: Int?)],
        reestablished: [Reestablishment] = [], covered: ClosedRange<Int>? = nil
    ) {
        let years = rows.flatMap { [$0.from] + ($0.to.map { [$0] } ?? []) } + frows.flatMap { [$0.from] + ($0.to.map { [$0] } ?? []) }
        let first = covered?.lowerBound ?? years.min() ?? 0, last = max(covered?.upperBound ?? 0, years.max() ?? 0)
        kommuneRows = rows
        fylkeRows = frows
        firstYear = first
        lastYear = last
        func periods(_ rs: [(code: String, name: String, from: Int, to: Int?)]) -> [String: [Validity]] {
            var out: [String: [Validity]] = [:]
            for r in rs.sorted(by: { ($0.code, $0.from) < ($1.code, $1.from) }) {
                // A row starting in the first covered year may be older: its start is open.
                out[r.code, default: []].append(Validity(from: r.from == first ? nil : r.from, to: r.to, name: r.name))
            }
            return out
        }
        kommuner = periods(rows)
        fylker = periods(frows)
        self.reestablished = reestablished
        var by: [Int: [String]] = [:]
        if first > 0 {
            for y in first...last {
                by[y] = kommuner.filter { $0.value.contains { $0.contains(y) } }.keys.sorted()
            }
        }
        byYear = by
    }

    /// Reads the register's files (`code,name,valid_from,valid_to`; an empty `valid_to` is open).
    public static func parse(
        kommuner: String, kommunerFile: String, fylker: String, fylkerFile: String,
        reestablished: String? = nil, reestablishedFile: String = "reestablished.csv",
        coverage: String? = nil, coverageFile: String = "coverage.csv"
    ) throws -> Register {
        func rows(_ text: String, _ file: String, digits: Int) throws -> [(code: String, name: String, from: Int, to: Int?)] {
            var out: [(code: String, name: String, from: Int, to: Int?)] = []
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
            }
            guard let header = lines.first, header.split(separator: ",").map(String.init) == ["code", "name", "valid_from", "valid_to"]
            else {
                throw CatalogError.invalid("\(file):1: error: expected the header code,name,valid_from,valid_to")
            }
            for (i, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard f.count == 4 else { throw CatalogError.invalid("\(file):\(i + 1): error: expected 4 fields, found \(f.count)") }
                guard f[0].count == digits, f[0].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw CatalogError.invalid("\(file):\(i + 1): error: \"\(f[0])\" is not a \(digits)-digit code")
                }
                guard let from = Int(f[2]) else {
                    throw CatalogError.invalid("\(file):\(i + 1): error: valid_from \"\(f[2])\" is not a year")
                }
                let to: Int?
                if f[3].isEmpty {
                    to = nil
                } else {
                    guard let t = Int(f[3]), t >= from else {
                        throw CatalogError.invalid("\(file):\(i + 1): error: valid_to \"\(f[3])\" is not a year from \(from) on")
                    }
                    to = t
                }
                out.append((f[0], f[1], from, to))
            }
            return out
        }
        var re: [Reestablishment] = []
        if let reestablished {
            let lines = reestablished.split(separator: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
                let f = line.split(separator: ",", maxSplits: 4, omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                guard f.count >= 4, let from = Int(f[1]), let to = Int(f[3]) else {
                    throw CatalogError.invalid("\(reestablishedFile):\(i + 1): error: expected code,from,same_as,same_as_to[,note]")
                }
                re.append(Reestablishment(code: f[0], from: from, sameAs: f[2], sameAsTo: to, note: f.count > 4 ? f[4] : nil))
            }
        }
        var covered: ClosedRange<Int>? = nil
        if let coverage {
            let lines = coverage.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let f = lines.count > 1 ? lines[1].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) } : []
            guard lines.first == "first,last", f.count == 2, let a = f[0], let b = f[1], a <= b else {
                throw CatalogError.invalid("\(coverageFile):1: error: expected the header first,last and one row of two years")
            }
            covered = a...b
        }
        return Register(
            kommuner: try rows(kommuner, kommunerFile, digits: 4), fylker: try rows(fylker, fylkerFile, digits: 2), reestablished: re,
            covered: covered)
    }

    /// Whether the register names the kommune code in any year.
    @inline(__always) public func isKnown(_ code: String) -> Bool { kommuner[code] != nil }

    public func isValid(_ code: String, in year: Int) -> Bool {
        kommuner[code]?.contains { $0.contains(year) } ?? false
    }

    public func isCountyValid(_ code: String, in year: Int) -> Bool {
        fylker[code]?.contains { $0.contains(year) } ?? false
    }

    /// Kommune codes valid in a year (empty outside the covered years).
    public func codes(validIn year: Int) -> [String] { byYear[year] ?? [] }

    /// County codes valid in a year.
    public func counties(validIn year: Int) -> [String] {
        fylker.filter { $0.value.contains { $0.contains(year) } }.keys.sorted()
    }

    public func name(of code: String, in year: Int) -> String? {
        kommuner[code]?.first { $0.contains(year) }?.name ?? kommuner[code]?.last?.name
    }

    /// The years a kommune code is valid in, as text (`1971–1991`, `2024–`).
    public func span(of code: String) -> String? {
        guard let ps = kommuner[code], !ps.isEmpty else { return nil }
        let from = ps.compactMap(\.from).min(), to = ps.contains { $0.to == nil } ? nil : ps.compactMap(\.to).max()
        return "\(from.map(String.init) ?? "…")–\(to.map(String.init) ?? "")"
    }

    /// SSB codes that are no kommune of any structure: Svalbard (21xx), Jan Mayen (22xx), the
    /// continental shelf (23xx), `9999` and `nn99` (unspecified), and grouping codes such as
    /// `0716u`; for 2-digit codes 21, 22, 23 and 99. Returns what the code is, or nil.
    /// Codes the register knows are never special.
    public func special(_ code: String, name: String? = nil) -> String? {
        if isKnown(code) || fylker[code] != nil { return nil }
        return Register.specialKind(code, name: name)
    }

    /// `nn99` is SSB's "unspecified kommune in county nn" only when its label says so
    /// (`Uoppgitt`); `0199 Nowhere` is a code that never existed.
    public static func specialKind(_ code: String, name: String? = nil) -> String? {
        let u = Array(code.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.allSatisfy { $0 < u.count && u[$0] >= 0x30 && u[$0] <= 0x39 } }
        if u.count == 2 && digits(0..<2) {
            switch code {
            case "21": return "Svalbard"
            case "22": return "Jan Mayen"
            case "23": return "continental shelf"
            case "99": return "unspecified county (Uoppgitt)"
            default: return nil
            }
        }
        // `0716u Re (…)`: a grouping code, possibly still carrying its label.
        if u.count >= 5 && digits(0..<4) && u[4] >= 0x61 && u[4] <= 0x7A && (u.count == 5 || u[5] == 0x20) {
            return "SSB grouping code"
        }
        guard u.count == 4 && digits(0..<4) else { return nil }
        if code == "9999" { return "unspecified (Uoppgitt)" }
        switch code.prefix(2) {
        case "21": return "Svalbard"
        case "22": return "Jan Mayen"
        case "23": return "continental shelf"
        default: break
        }
        if code.hasSuffix("99"), let name, name.lowercased().contains("uoppgitt") {
            return "unspecified kommune in county \(code.prefix(2)) (Uoppgitt)"
        }
        return nil
    }

    /// The valid codes of a year nearest a code never valid: by number (in its county first), and by name when the
    /// file gives one (`0199 Nowhere`).
    public func suggestions(for code: String, name: String?, year: Int, max: Int = 3) -> (byNumber: [String], byName: [String]) {
        var pool = codes(validIn: year)
        if pool.isEmpty { pool = codes(validIn: Swift.min(Swift.max(year, firstYear), lastYear)) }
        let n = Int(code) ?? 0
        // The same county first (a number starts with its county's), then the nearest number.
        let county = code.prefix(2)
        func rank(_ c: String) -> (Int, Int, String) { (c.hasPrefix(county) ? 0 : 1, abs((Int(c) ?? 0) - n), c) }
        let byNumber = pool.sorted { rank($0) < rank($1) }.prefix(max)
            .map { "\($0) \(self.name(of: $0, in: year) ?? "")" }
        var byName: [String] = []
        if let name, !name.isEmpty {
            let names = pool.map { self.name(of: $0, in: year) ?? $0 }
            let close = closestNames(to: name, among: names, max: max)
            byName = close.compactMap { c in pool.first { self.name(of: $0, in: year) == c }.map { "\($0) \(c)" } }
        }
        return (Array(byNumber), byName)
    }

    /// Where the change catalogue and the register disagree (each message names the row):
    /// a change's old code must be valid the year before and its new code in the change year;
    /// an old code that is not also a new code that day ends the year before.
    public func disagreements(with catalog: ChangeCatalog) -> [String] {
        var out: [String] = []
        var newOn: [Int: Set<String>] = [:]
        for c in catalog.changes { newOn[c.year, default: []].insert(c.newCode) }
        for c in catalog.changes {
            let row = "\(c.oldCode) \(c.oldName) → \(c.newCode) \(c.newName) (\(c.date))"
            if c.year - 1 >= firstYear && !isValid(c.oldCode, in: c.year - 1) {
                out.append("\(row): \(c.oldCode) is not valid in \(c.year - 1) in the register (\(span(of: c.oldCode) ?? "never"))")
            }
            if c.year <= lastYear && !isValid(c.newCode, in: c.year) {
                out.append("\(row): \(c.newCode) is not valid in \(c.year) in the register (\(span(of: c.newCode) ?? "never"))")
            }
            if !(newOn[c.year]?.contains(c.oldCode) ?? false) && c.year <= lastYear && isValid(c.oldCode, in: c.year) {
                out.append("\(row): \(c.oldCode) is still valid in \(c.year) in the register, but the change ends it")
            }
        }
        for r in reestablished {
            if !isValid(r.code, in: r.from) || isValid(r.code, in: r.from - 1) {
                out.append("re-established \(r.code): the register does not start it in \(r.from) (\(span(of: r.code) ?? "never"))")
            }
            if !isValid(r.sameAs, in: r.sameAsTo) || isValid(r.sameAs, in: r.sameAsTo + 1) {
                out.append(
                    "re-established \(r.code): the register does not end \(r.sameAs) in \(r.sameAsTo) (\(span(of: r.sameAs) ?? "never"))")
            }
        }
        return out
    }

    /// Which years' structure a set of published kommune codes fits (`etl inspect`).
    public struct Fit: Sendable, Equatable {
        /// The years in which the most codes are valid (consecutive runs); all of them when `complete`.
        public var years: [ClosedRange<Int>]
        /// Whether every known code is valid in those years.
        public var complete: Bool
        public var fitting: Int
        public var known: Int
        /// Codes not valid in the fitting years, with the years they are valid.
        public var before: [String]
        public var after: [String]
        /// Codes valid in some of the fitting years only.
        public var partly: [String]
        public var never: [String]
        public var special: [String]

        /// One line for people: `codes fit 2020–2023; 3 codes valid only before 2020: 0101, …`.
        public var summary: String {
            var parts: [String] = []
            func text(_ r: ClosedRange<Int>) -> String {
                r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound)–\(r.upperBound)"
            }
            func list(_ xs: [String]) -> String { xs.prefix(8).joined(separator: ", ") + (xs.count > 8 ? ", …" : "") }
            func codes(_ n: Int) -> String { "\(n) code\(n == 1 ? "" : "s")" }
            if let first = years.first, let last = years.last {
                let span = years.map(text).joined(separator: ", ")
                parts.append(complete ? "codes fit \(span)" : "\(fitting) of \(known) codes fit \(span)")
                if !before.isEmpty { parts.append("\(codes(before.count)) valid only before \(first.lowerBound): \(list(before))") }
                if !after.isEmpty { parts.append("\(codes(after.count)) valid only after \(last.upperBound): \(list(after))") }
                if !partly.isEmpty { parts.append("\(codes(partly.count)) valid in part of those years: \(list(partly))") }
            } else if known == 0 {
                parts.append("no kommune code the register knows")
            }
            if !never.isEmpty { parts.append("\(codes(never.count)) valid in no year: \(list(never))") }
            if !special.isEmpty {
                parts.append(
                    "\(codes(special.count)) that \(special.count == 1 ? "is" : "are") no kommune (Svalbard, unspecified, groupings): \(list(special))"
                )
            }
            return parts.joined(separator: "; ")
        }
    }

    public func fit(codes: Set<String>, names: [String: String] = [:]) -> Fit {
        var known: [String] = [], never: [String] = [], special: [String] = []
        for c in codes.sorted() {
            if isKnown(c) {
                known.append(c)
            } else if Register.specialKind(c, name: names[c]) != nil {
                special.append(c)
            } else {
                never.append(c)
            }
        }
        // The years in which the most codes are valid, in runs of years with the same valid
        // codes; a file whose codes fit no year whole is described by the latest such run.
        var sets: [(year: Int, valid: [String])] = []
        if firstYear > 0 && !known.isEmpty {
            for y in firstYear...lastYear { sets.append((y, known.filter { isValid($0, in: y) })) }
        }
        let best = sets.map(\.valid.count).max() ?? 0
        var runs: [ClosedRange<Int>] = []
        var runSet: [String] = []
        for (y, valid) in sets where valid.count == best {
            if let last = runs.last, last.upperBound == y - 1, valid == runSet {
                runs[runs.count - 1] = last.lowerBound...y
            } else if best == known.count, let last = runs.last, last.upperBound == y - 1 {
                runs[runs.count - 1] = last.lowerBound...y
            } else {
                runs.append(y...y); runSet = valid
            }
        }
        if best < known.count, let last = runs.last { runs = [last] }
        var before: [String] = [], after: [String] = [], partly: [String] = []
        if let first = runs.first?.lowerBound, let last = runs.last?.upperBound {
            for c in known where !isValid(c, in: first) || !isValid(c, in: last) {
                let ps = kommuner[c] ?? []
                let ends = ps.contains { $0.to == nil } ? Int.max : (ps.compactMap(\.to).max() ?? Int.max)
                let starts = ps.contains { $0.from == nil } ? Int.min : (ps.compactMap(\.from).min() ?? Int.min)
                if ends < first { before.append(c) } else if starts > last { after.append(c) } else { partly.append(c) }
            }
        }
        return Fit(
            years: runs, complete: best == known.count && !known.isEmpty, fitting: best, known: known.count,
            before: before, after: after, partly: partly, never: never, special: special)
    }

    /// The rows after adding one year's code list (KLASS `codesAt` 1 January of `year`, a year
    /// after the last one covered): a listed code whose newest row is open goes on (a new name
    /// starts a new row); an open row whose code is not listed ends the year before; a code
    /// never seen starts in `year`. Names are compared without a trailing `(…)`.
    public static func extend(_ rows: [Row], year: Int, with list: [(code: String, name: String)]) -> [Row] {
        func plain(_ n: String) -> String {
            var t = n.trimmingCharacters(in: .whitespaces)
            if t.hasSuffix(")"), let open = t.lastIndex(of: "(") { t = t[..<open].trimmingCharacters(in: .whitespaces) }
            return t
        }
        var out = rows
        let listed = Dictionary(list.map { ($0.code, $0.name.trimmingCharacters(in: .whitespaces)) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        for i in out.indices where out[i].to == nil {
            let code = out[i].code
            seen.insert(code)
            guard let name = listed[code] else { out[i].to = year - 1; continue }
            if plain(name) != plain(out[i].name) {
                out[i].to = year - 1
                out.append((code, name, year, nil))
            }
        }
        for (code, name) in list where !seen.contains(code) { out.append((code, name.trimmingCharacters(in: .whitespaces), year, nil)) }
        return out.sorted { ($0.code, $0.from) < ($1.code, $1.from) }
    }

    /// The register's file format (`code,name,valid_from,valid_to`, UTF-8, LF).
    public static func csv(_ rows: [Row]) -> String {
        var s = "code,name,valid_from,valid_to\n"
        for r in rows { s += "\(r.code),\(r.name),\(r.from),\(r.to.map(String.init) ?? "")\n" }
        return s
    }
}
