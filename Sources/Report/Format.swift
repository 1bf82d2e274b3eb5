import Foundation

/// The report's language: Norwegian (bokmål) by default, English with `--lang en`.
public enum Language: String, Sendable, CaseIterable {
    case nb, en
}

/// Numbers, symbols and lineage as text, in the report's language.
public struct Formatter: Sendable {
    public let language: Language

    public init(_ language: Language) { self.language = language }

    /// A value rounded to `decimals`, with a decimal comma in Norwegian, a point in English,
    /// and a thin space between thousands; a minus sign, not a hyphen.
    public func number(_ v: Double, decimals: Int) -> String {
        let d = max(0, min(decimals, 10))
        var scale: Double = 1
        for _ in 0..<d { scale *= 10 }
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled.isFinite, scaled < 9e17 else { return String(v) }
        let units = UInt64(scaled)
        var divisor: UInt64 = 1
        for _ in 0..<d { divisor *= 10 }
        let whole = String(units / divisor)
        var out = ""
        out.reserveCapacity(whole.utf8.count + d + 4)
        if v < 0 && units != 0 { out += "\u{2212}" }
        // Thousands separated by a narrow no-break space.
        for (i, c) in whole.enumerated() {
            if i > 0 && (whole.count - i) % 3 == 0 { out += "\u{202F}" }
            out.append(c)
        }
        if d > 0 {
            let fraction = String(units % divisor)
            out += language == .nb ? "," : "."
            out += String(repeating: "0", count: d - fraction.count) + fraction
        }
        return out
    }

    /// What an SSB symbol means (SSB's standard table of symbols).
    public func symbolMeaning(_ symbol: String) -> String {
        switch (symbol, language) {
        case (".", .nb): return "Lovlig umulig å føre opp tall"
        case (".", .en): return "Category not applicable"
        case ("..", .nb): return "Tallgrunnlag mangler"
        case ("..", .en): return "Data not available"
        case ("...", .nb): return "Tall kan ikke offentliggjøres"
        case ("...", .en): return "Not for publication"
        case (":", .nb): return "Vises ikke av konfidensialitetshensyn"
        case (":", .en): return "Suppressed to avoid disclosure of confidential information"
        case ("-", .nb): return "Null"
        case ("-", .en): return "Nil"
        case ("*", .nb): return "Foreløpige tall"
        case ("*", .en): return "Provisional figure"
        case (_, .nb): return "Ukjent symbol \(symbol)"
        case (_, .en): return "Unknown symbol \(symbol)"
        }
    }

    /// How a harmonised value was obtained (the `method` column).
    public func methodText(_ method: String) -> String {
        switch (method, language) {
        case ("as_published", .nb): return "som publisert"
        case ("as_published", .en): return "as published"
        case ("renumbered", .nb): return "omnummerert"
        case ("renumbered", .en): return "renumbered"
        case ("merged", .nb): return "slått sammen"
        case ("merged", .en): return "merged"
        case ("split_allocated", .nb): return "fordelt ved deling (estimat)"
        case ("split_allocated", .en): return "allocated after a split (estimate)"
        case ("not_computable", .nb): return "kan ikke beregnes"
        case ("not_computable", .en): return "not computable"
        default: return method
        }
    }

    /// The lineage of one value, as one line for a title attribute: method, source codes and
    /// years with their shares, status and note.
    public func lineage(method: String, sources: [LineageSource], status: String?, note: String?) -> String {
        var parts: [String] = []
        // The usual case says only its name; the others say what they mean.
        parts.append(
            (language == .nb ? "Metode: " : "Method: ") + (method == "as_published" ? method : "\(method) (\(methodText(method)))"))
        if !sources.isEmpty {
            let list = sources.map { s -> String in
                var t = "\(s.region) \(s.year)"
                if let share = s.share, share < 0.99995 { t += " × " + number(share * 100, decimals: 1) + " %" }
                return t
            }.joined(separator: ", ")
            parts.append((language == .nb ? "Kilder: " : "Sources: ") + list)
        }
        if let status, !status.isEmpty {
            parts.append("Status: \(status) (\(symbolMeaning(status)))")
        }
        if let note, !note.isEmpty {
            parts.append((language == .nb ? "Merknad: " : "Note: ") + note)
        }
        return parts.joined(separator: ". ")
    }
}

/// One source cell behind a harmonised value (`fact_lineage`).
public struct LineageSource: Sendable, Hashable {
    public var region: String
    public var year: Int
    public var share: Double?
    public init(region: String, year: Int, share: Double?) {
        self.region = region
        self.year = year
        self.share = share
    }
}

/// Escapes text for HTML and SVG element content and attribute values.
func escapeXML(_ s: String) -> String {
    // Most text has nothing to escape: return it as it is.
    if !s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) { return s }
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// A file name for a code: letters, digits, `-` and `_` kept, anything else hex-escaped, so
/// two codes never share a page.
func fileSafe(_ code: String) -> String {
    var out = ""
    for b in code.utf8 {
        let c = Character(UnicodeScalar(b))
        if (c.isASCII && (c.isLetter || c.isNumber)) || c == "-" || c == "_" { out.append(c) } else { out += String(format: "~%02X", b) }
    }
    return out.isEmpty ? "~" : out
}
