import Foundation

/// Finds a municipality code from its name in a year (docs/FORMATS.md, "Region cells").
public typealias NameResolver = @Sendable (String, Int) -> Result<String, NameLookupError>

/// What to do with a kommune number that lost its leading zero in a spreadsheet (`301`).
public enum LeadingZeros: String, Sendable, Codable, CaseIterable {
    /// Reject the row, naming the likely code (the default: a wrong guess would publish a wrong number).
    case reject
    /// Put the zero back (`301` → `0301`).
    case restore
}

/// A region cell as people write it (docs/FORMATS.md, "Region cells"): `3801 Horten`,
/// `K-3801`, `K3801`, a name alone (`Horten`), a code with a validity suffix
/// (`0701 Horten (-2019)`, `3801 Horten (f.o.m. 2020)`), or a code that lost its leading zero.
public enum RegionCell: Equatable, Sendable {
    /// A code (`K3801` is written `K-3801`), with the label the cell gave.
    case code(String, CategoryLabel?)
    /// A name without a code; the code depends on the year and needs the catalogue.
    case name(String, CategoryLabel)
    /// Digits that are one zero short of a code (`301`, `3`): the likely code.
    case lostLeadingZero(found: String, likely: String)

    public static func read(_ text: String) -> RegionCell {
        let parsed = RegionLabel.parse(text)
        var code = parsed.code
        let u = Array(code.utf8)
        let allDigits = !u.isEmpty && u.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        if allDigits && (u.count == 3 || u.count == 1) && u[0] != 0x30 {
            return .lostLeadingZero(found: code, likely: "0" + code)
        }
        if u.count == 5, u[0] == 0x4B, u.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            code = "K-" + code.dropFirst()
            return .code(code, parsed.label)
        }
        let head = code.split(separator: " ").first.map(String.init) ?? code
        if !RegionLabel.isCodeLike(head) && code.unicodeScalars.contains(where: { CharacterSet.letters.contains($0) }) {
            let label = parsed.label ?? CategoryLabel(name: code)
            return .name(label.name, label)
        }
        return .code(code, parsed.label)
    }

    /// The message for a code that lost its leading zero, naming the likely code.
    public static func lostZeroMessage(found: String, likely: String) -> String {
        "region code \"\(found)\" has \(found.count) digit\(found.count == 1 ? "" : "s"); a spreadsheet probably dropped a leading zero: did you mean \"\(likely)\"? Fix the file, or set `leading_zeros: restore` (--leading-zeros restore) to read it as \(likely)"
    }
}

extension NameLookupError {
    /// What a reader says when a region name gives no single code.
    public var regionMessage: String {
        if ambiguous {
            return
                "region name \"\(name)\" is ambiguous in \(year): it names \(nearMatches.joined(separator: " and ")); write the code with the name (\"\(nearMatches.first ?? "")\")"
        }
        let hint = nearMatches.isEmpty ? "no similar name is known" : "did you mean: \(nearMatches.joined(separator: ", "))?"
        return "unknown municipality name \"\(name)\" in \(year); \(hint)"
    }
}

/// Reads region cells for a reader: codes as written, names through the catalogue (per year,
/// cached), lost leading zeros rejected or restored as the source asks.
struct RegionCellReader {
    enum Outcome {
        case code(String, CategoryLabel?)
        /// A name: the code depends on the cell's year.
        case name(String, CategoryLabel)
        case reject(String)
    }

    let resolveName: NameResolver?
    let leadingZeros: LeadingZeros
    private var lookups: [String: Result<String, NameLookupError>] = [:]

    init(resolveName: NameResolver?, leadingZeros: LeadingZeros) {
        self.resolveName = resolveName
        self.leadingZeros = leadingZeros
    }

    func classify(_ text: String) -> Outcome {
        switch RegionCell.read(text) {
        case .code(let c, let l): return .code(c, l)
        case .lostLeadingZero(let found, let likely):
            return leadingZeros == .restore ? .code(likely, nil) : .reject(RegionCell.lostZeroMessage(found: found, likely: likely))
        case .name(let n, let l):
            // Without a catalogue a name stays as written, and staging refuses it as a code.
            return resolveName == nil ? .code(text.trimmingCharacters(in: .whitespaces), nil) : .name(n, l)
        }
    }

    /// The code a name has in a year, or the message saying why there is none.
    mutating func resolve(_ name: String, year: Int) -> Result<String, NameLookupError> {
        let key = "\(name)\u{1F}\(year)"
        if let r = lookups[key] { return r }
        let r = resolveName?(name, year) ?? .failure(NameLookupError(name: name, year: year))
        lookups[key] = r
        return r
    }

    /// The year a period starts with (`2020`, `2020M01`), or nil.
    static func year(of period: String) -> Int? {
        let digits = period.utf8.prefix(4)
        guard digits.count == 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }
}
