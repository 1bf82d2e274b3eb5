import Foundation

/// Text encodings SSB and Husbanken files come in. ISO-8859-1 is read as Windows-1252, its
/// superset for every printable character, so `Ø` (0xD8) reads the same in both.
public enum TextEncoding: String, Sendable, CaseIterable, Codable {
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"
    case iso88591 = "iso-8859-1"
    /// Latin-9: ISO-8859-1 with `€`, `Š`, `š`, `Ž`, `ž`, `Œ`, `œ`, `Ÿ` in eight places (PX `CODEPAGE`).
    case iso885915 = "iso-8859-15"

    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "cp1252", "win-1252", "1252": self = .windows1252
        case "iso-8859-1", "latin-1", "latin1", "iso8859-1", "8859-1": self = .iso88591
        case "iso-8859-15", "latin-9", "latin9", "iso8859-15", "8859-15": self = .iso885915
        default: return nil
        }
    }

    /// Decodes bytes, or returns nil when they are not valid in this encoding (only UTF-8 can fail).
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        switch self {
        case .utf8:
            var ascii = true
            for b in bytes where b >= 0x80 { ascii = false; break }
            if ascii { return String(decoding: bytes, as: UTF8.self) }
            return String(validating: bytes, as: UTF8.self)
        case .windows1252, .iso88591, .iso885915:
            var scalars = String.UnicodeScalarView()
            scalars.reserveCapacity(bytes.count)
            for b in bytes {
                if self == .iso885915, let s = TextEncoding.latin9[b] {
                    scalars.append(s)
                } else if b >= 0x80 && b <= 0x9F && self == .windows1252 {
                    scalars.append(Unicode.Scalar(TextEncoding.cp1252High[Int(b) - 0x80]) ?? "\u{FFFD}")
                } else {
                    scalars.append(Unicode.Scalar(b))
                }
            }
            return String(scalars)
        }
    }

    public func decode(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    /// Guesses the encoding of a file's first bytes: a UTF-8 byte order mark or valid UTF-8
    /// with non-ASCII text means UTF-8; invalid UTF-8 means Windows-1252. Returns the number of
    /// BOM bytes to skip.
    public static func sniff(_ head: UnsafeBufferPointer<UInt8>, isComplete: Bool) -> (encoding: TextEncoding, bomLength: Int) {
        if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF { return (.utf8, 3) }
        var i = 0
        let n = head.count
        while i < n {
            let b = head[i]
            if b < 0x80 { i += 1; continue }
            let width: Int
            if b & 0xE0 == 0xC0 {
                width = 2
            } else if b & 0xF0 == 0xE0 {
                width = 3
            } else if b & 0xF8 == 0xF0 {
                width = 4
            } else {
                return (.windows1252, 0)
            }
            if i + width > n {
                // A sequence cut by the end of the sniffed window is no evidence either way.
                return (isComplete ? .windows1252 : .utf8, 0)
            }
            for k in 1..<width where head[i + k] & 0xC0 != 0x80 { return (.windows1252, 0) }
            if width == 2 && b < 0xC2 { return (.windows1252, 0) }
            i += width
        }
        return (.utf8, 0)
    }

    /// Windows-1252 characters for bytes 0x80–0x9F (0 where the code page has none).
    static let cp1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178
    ]

    /// The eight places where ISO-8859-15 differs from ISO-8859-1.
    static let latin9: [UInt8: Unicode.Scalar] = [
        0xA4: "\u{20AC}", 0xA6: "\u{160}", 0xA8: "\u{161}", 0xB4: "\u{17D}", 0xB8: "\u{17E}", 0xBC: "\u{152}", 0xBD: "\u{153}",
        0xBE: "\u{178}"
    ]

    /// Encodes text for writing files in SSB's Latin dialects (characters outside the code page become `?`).
    public func encode(_ text: String) -> [UInt8] {
        switch self {
        case .utf8: return Array(text.utf8)
        case .windows1252, .iso88591, .iso885915:
            var out: [UInt8] = []
            out.reserveCapacity(text.unicodeScalars.count)
            for s in text.unicodeScalars {
                if self == .iso885915, let b = TextEncoding.latin9.first(where: { $0.value == s })?.key {
                    out.append(b)
                } else if self == .iso885915, TextEncoding.latin9[UInt8(truncatingIfNeeded: s.value)] != nil, s.value <= 0xFF {
                    out.append(0x3F)
                } else if s.value < 0x80 || (s.value >= 0xA0 && s.value <= 0xFF) {
                    out.append(UInt8(s.value))
                } else if self == .windows1252, let i = TextEncoding.cp1252High.firstIndex(of: s.value) {
                    out.append(UInt8(0x80 + i))
                } else {
                    out.append(0x3F)
                }
            }
            return out
        }
    }
}
