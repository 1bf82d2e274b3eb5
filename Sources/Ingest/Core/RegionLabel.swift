import Foundation

/// Splits SSB's combined region cells into code, name and validity:
/// `0124 Askim`, `0124 - Askim`, `K-3118 Indre Østfold`, `EAK Landet`,
/// `3014 Indre Østfold (2020-2023)`, `0124 Askim (-2019)`. The bracketed years are a fact
/// about the region, not part of its name; other brackets (`Våler (Østfold)`) are kept.
public enum RegionLabel {
    public struct Parsed: Equatable, Sendable {
        public var code: String
        public var label: CategoryLabel?
    }

    public static func parse(_ text: String) -> Parsed {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            return Parsed(code: trimmed, label: nil)
        }
        let head = String(trimmed[..<space])
        guard isCodeLike(head) else {
            // No code in front: the text is a label only; keep it whole as the code.
            let (name, from, to) = splitValidity(trimmed)
            return Parsed(code: trimmed, label: CategoryLabel(name: name, validFrom: from, validTo: to))
        }
        var rest = trimmed[trimmed.index(after: space)...].trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("- ") { rest = String(rest.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
        let (name, from, to) = splitValidity(rest)
        return Parsed(code: head, label: CategoryLabel(name: name, validFrom: from, validTo: to))
    }

    /// A code is upper-case ASCII letters, digits and hyphens, with a digit or at least two letters.
    public static func isCodeLike(_ token: String) -> Bool {
        // SSB's grouping codes: four digits and a lower-case letter (`0716u`).
        let u = token.utf8
        if u.count == 5, u.prefix(4).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let last = u.last, last >= 0x61 && last <= 0x7A {
            return true
        }
        guard token.utf8.count >= 2 else { return token.utf8.count == 1 && token.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } == true }
        var digits = 0
        for b in token.utf8 {
            if b >= 0x30 && b <= 0x39 { digits += 1; continue }
            if (b >= 0x41 && b <= 0x5A) || b == 0x2D { continue }
            return false
        }
        return digits > 0 || token.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }

    /// Splits a trailing `(YYYY-YYYY)`, `(-YYYY)`, `(YYYY-)`, `(f.o.m. YYYY)` ("from") or
    /// `(t.o.m. YYYY)` ("until") off a name.
    public static func splitValidity(_ text: String) -> (String, Int?, Int?) {
        guard text.hasSuffix(")"), let open = text.lastIndex(of: "(") else { return (text, nil, nil) }
        let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        let words = inner.lowercased().replacingOccurrences(of: ".", with: "").split(separator: " ")
        if words.count == 2, words[0] == "fom" || words[0] == "tom", words[1].count == 4, words[1].allSatisfy(\.isASCIIDigit),
            let year = Int(words[1])
        {
            let name = text[..<open].trimmingCharacters(in: .whitespaces)
            return words[0] == "fom" ? (name, year, nil) : (name, nil, year)
        }
        let parts = inner.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, inner.contains("-"),
            parts.allSatisfy({ $0.isEmpty || ($0.count == 4 && $0.allSatisfy(\.isASCIIDigit)) }),
            !(parts[0].isEmpty && parts[1].isEmpty)
        else { return (text, nil, nil) }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        return (name, parts[0].isEmpty ? nil : Int(parts[0]), parts[1].isEmpty ? nil : Int(parts[1]))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
