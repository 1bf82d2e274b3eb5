import Foundation

/// SSB's special symbols (docs/FORMATS.md, "Symbols"). A symbol is kept as the cell's status and is never
/// turned into a number, except `-`, which is a true zero.
public enum Symbols {
    /// Every symbol SSB and PX files use, longest first so a scanner can match greedily.
    public static let all: [String] = ["...", "..", ".", ":", "-", "*"]

    /// Ranks used when several parts combine: the strongest status wins
    /// (`:` over `..` over `...` over `.`); `*` (preliminary) and `-` (nil) carry values.
    public static func strength(_ status: String?) -> Int {
        switch status {
        case ":": return 5
        case "..": return 4
        case "...": return 3
        case ".": return 2
        case "*": return 1
        default: return 0
        }
    }

    /// The strongest of two statuses.
    public static func strongest(_ a: String?, _ b: String?) -> String? {
        strength(b) > strength(a) ? b : a
    }

    /// Whether a status means "no number" (the value must be NULL).
    public static func isMissing(_ status: String?) -> Bool {
        switch status {
        case ":", "..", "...", ".": return true
        default: return false
        }
    }
}

/// The result of reading one cell's text.
public enum CellText: Equatable, Sendable {
    case number(Double, status: String?)
    case symbol(String)
    case empty
    case invalid
}

public enum NumberParser {
    /// Parses a cell's bytes: a number (decimal `.` or `,` as declared, thousands separated by
    /// a space or a no-break space), a symbol, a number followed by ` *` or `*`, or nothing.
    /// Works on bytes so the hot loop allocates nothing.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, decimalComma: Bool) -> CellText {
        var start = 0
        var end = bytes.count
        // Trim ASCII spaces and tabs.
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start == end { return .empty }
        // Symbols.
        let n = end - start
        if n <= 3 {
            var allDots = true
            for i in start..<end where bytes[i] != 0x2E { allDots = false }
            if allDots { return .symbol(String(repeating: ".", count: n)) }
            if n == 1 {
                switch bytes[start] {
                case 0x3A: return .symbol(":")
                case 0x2D: return .number(0, status: "-")
                case 0x2A: return .symbol("*")
                default: break
                }
            }
        }
        // A preliminary number: `12,5*` or `12,5 *`.
        var status: String? = nil
        if bytes[end - 1] == 0x2A {
            status = "*"
            end -= 1
            while end > start, bytes[end - 1] == 0x20 { end -= 1 }
            if start == end { return .symbol("*") }
        }
        let decimal: UInt8 = decimalComma ? 0x2C : 0x2E
        var negative = false
        var i = start
        if bytes[i] == 0x2D || bytes[i] == 0x2B {
            negative = bytes[i] == 0x2D
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenDecimal = false
        var exponent = 0
        var overflowDigits = 0
        while i < end {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                if digits < 18 {
                    mantissa = mantissa &* 10 &+ UInt64(b - 0x30)
                    digits += 1
                    if seenDecimal { fractionDigits += 1 }
                } else if !seenDecimal {
                    overflowDigits += 1
                }
                i += 1
            } else if b == decimal && !seenDecimal {
                seenDecimal = true
                i += 1
            } else if !seenDecimal && (b == 0x20 || (b == 0xC2 && i + 1 < end && bytes[i + 1] == 0xA0) || b == 0xA0) {
                // Thousands separator: space, UTF-8 no-break space, or Latin-1 no-break space.
                // It must be followed by exactly three digits.
                let width = b == 0xC2 ? 2 : 1
                var j = i + width
                var run = 0
                while j < end, bytes[j] >= 0x30 && bytes[j] <= 0x39 { run += 1; j += 1 }
                if run != 3 || digits == 0 { return .invalid }
                i += width
            } else if (b == 0x65 || b == 0x45) && digits > 0 {
                // Exponent, as some exports write very small or large numbers.
                i += 1
                var expNegative = false
                if i < end, bytes[i] == 0x2D || bytes[i] == 0x2B { expNegative = bytes[i] == 0x2D; i += 1 }
                var e = 0
                var expDigits = 0
                while i < end, bytes[i] >= 0x30 && bytes[i] <= 0x39, expDigits < 4 {
                    e = e * 10 + Int(bytes[i] - 0x30); i += 1; expDigits += 1
                }
                if expDigits == 0 || i != end { return .invalid }
                exponent = expNegative ? -e : e
            } else {
                return .invalid
            }
        }
        if digits == 0 { return .invalid }
        let scaleAll = exponent - fractionDigits + overflowDigits
        if mantissa >= (1 << 53) || scaleAll > 22 || scaleAll < -22 {
            // Beyond what one exact multiplication or division can do: let strtod round correctly.
            var text: [CChar] = []
            text.reserveCapacity(end - start + 1)
            for k in start..<end where !(bytes[k] == 0x20 || bytes[k] == 0xA0 || bytes[k] == 0xC2) {
                text.append(CChar(bitPattern: bytes[k] == decimal ? 0x2E : bytes[k]))
            }
            text.append(0)
            let v = text.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
            return .number(v, status: status)
        }
        var value = Double(mantissa)
        let scale = scaleAll
        // Division by an exact power of ten keeps `12,3` equal to the literal 12.3.
        if scale > 0 { value *= pow10(scale) } else if scale < 0 { value /= pow10(-scale) }
        return .number(negative ? -value : value, status: status)
    }

    /// Parses text the same way (for labels and tests).
    public static func parse(_ text: String, decimalComma: Bool) -> CellText {
        var copy = text
        return copy.withUTF8 { parse($0, decimalComma: decimalComma) }
    }

    /// 10^e for e >= 0; exact up to 22.
    @inline(__always)
    static func pow10(_ e: Int) -> Double {
        if e < table.count { return table[e] }
        var r = table[table.count - 1]
        for _ in table.count - 1..<e { r *= 10 }
        return r
    }

    private static let table: [Double] = (0...22).map { e in
        var r = 1.0
        for _ in 0..<e { r *= 10 }
        return r
    }
}
