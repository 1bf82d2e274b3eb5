import Foundation

/// HTML entities some exporters leave in header cells (`Aktive l&#229;nere`), decoded for
/// names and labels only (docs/FORMATS.md, "Excel and exporter artefacts").
public enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "aring": "å", "Aring": "Å", "aelig": "æ", "AElig": "Æ", "oslash": "ø", "Oslash": "Ø",
        "auml": "ä", "Auml": "Ä", "ouml": "ö", "Ouml": "Ö", "uuml": "ü", "Uuml": "Ü", "eacute": "é", "Eacute": "É"
    ]

    /// Replaces `&#NNN;`, `&#xHH;` and the common named entities; anything else is kept as written.
    public static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(12).firstIndex(of: ";") {
                let body = after[..<semi]
                var replacement: String? = nil
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    if let v = UInt32(body.dropFirst(2), radix: 16), let s = Unicode.Scalar(v) { replacement = String(s) }
                } else if body.hasPrefix("#") {
                    if let v = UInt32(body.dropFirst()), let s = Unicode.Scalar(v) { replacement = String(s) }
                } else {
                    replacement = named[String(body)]
                }
                if let replacement {
                    out += replacement
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        out += rest
        return out
    }
}

/// What the lines of a file's head say about its encoding.
public struct EncodingCensus: Sendable, Equatable {
    /// Lines with non-ASCII bytes that are valid UTF-8, and the first of them.
    public var utf8Lines = 0
    public var firstUTF8Line: Int?
    /// Lines with bytes that cannot be UTF-8 (Windows-1252 text), and the first of them.
    public var latinLines = 0
    public var firstLatinLine: Int?

    /// Sorts each complete line of `bytes` (the last one only when `isComplete`).
    public init(_ bytes: [UInt8], isComplete: Bool) {
        var line = 1
        var start = 0
        func classify(_ s: Int, _ e: Int) {
            var ascii = true
            for k in s..<e where bytes[k] >= 0x80 { ascii = false; break }
            if ascii { return }
            let valid = bytes.withUnsafeBufferPointer { String(validating: UnsafeBufferPointer(rebasing: $0[s..<e]), as: UTF8.self) != nil }
            if valid {
                utf8Lines += 1; if firstUTF8Line == nil { firstUTF8Line = line }
            } else {
                latinLines += 1; if firstLatinLine == nil { firstLatinLine = line }
            }
        }
        for (i, b) in bytes.enumerated() where b == 0x0A {
            classify(start, i)
            start = i + 1
            line += 1
        }
        if isComplete && start < bytes.count { classify(start, bytes.count) }
    }

    /// Both kinds present: the error naming the first line of the minority encoding.
    public func mixedError(file: String) -> ReadError? {
        guard utf8Lines > 0, latinLines > 0, let u = firstUTF8Line, let l = firstLatinLine else { return nil }
        let latinMinority = latinLines < utf8Lines || (latinLines == utf8Lines && l > u)
        let at = latinMinority ? l : u
        func lines(_ n: Int) -> String { n == 1 ? "1 line is" : "\(n) lines are" }
        func these(_ n: Int) -> String { n == 1 ? "this line is" : "this line and \(n - 1) more are" }
        let message =
            latinMinority
            ? "the file mixes encodings: \(lines(utf8Lines)) UTF-8 (from line \(u)), but \(these(latinLines)) Windows-1252; save the whole file in one encoding"
            : "the file mixes encodings: \(lines(latinLines)) Windows-1252 (from line \(l)), but \(these(utf8Lines)) UTF-8; save the whole file in one encoding"
        return ReadError(SourceLocation(file: file, line: at), message)
    }
}
