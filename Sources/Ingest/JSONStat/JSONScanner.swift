// Why this file is long: a hand-written byte scanner (README, "Dependencies": why the readers scan
// bytes): one loop over one buffer, kept in one place so its invariants can be read at once.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// A byte-level JSON tokenizer over a file, for documents too large to hold as a tree.
//
// `JSONByteReader` pulls bytes through a fixed buffer with `pread`, so several cursors can walk
// one file at different offsets (the JSON-stat reader streams `value` and `status` in step).
// `JSONTreeParser` builds a small tree for metadata, leaving the contents of `value` and
// `status` members in the file as `JSONNode.Kind.deferred` spans. Errors name the byte offset
// and line:column and carry the code `PARSE_ERROR`.

/// ASCII bytes the scanner compares against.
enum JSONByte {
    static let quote: Int = 0x22, backslash: Int = 0x5C, slash: Int = 0x2F
    static let comma: Int = 0x2C, colon: Int = 0x3A
    static let openBrace: Int = 0x7B, closeBrace: Int = 0x7D
    static let openBracket: Int = 0x5B, closeBracket: Int = 0x5D
    static let minus: Int = 0x2D, plus: Int = 0x2B, dot: Int = 0x2E
    static let zero: Int = 0x30, nine: Int = 0x39
    static let lowerE: Int = 0x65, upperE: Int = 0x45
    static let t: Int = 0x74, f: Int = 0x66, n: Int = 0x6E
}

/// A pull reader over a file's bytes with random access.
final class JSONByteReader {
    let path: String
    /// The name used in error locations.
    let name: String
    private let fd: Int32
    private let capacity: Int
    private let buf: UnsafeMutablePointer<UInt8>
    /// File offset of `buf[0]`.
    private var bufStart = 0
    /// Valid bytes in `buf`.
    private var count = 0
    /// Index of the next byte in `buf`; always `<= count`.
    private var pos = 0
    /// Reused storage for string contents.
    private var scratch: [UInt8] = []
    /// Open containers while skipping (`}` or `]`).
    private var closers: [UInt8] = []
    /// Containers nested deeper than this are refused rather than followed.
    static let maxDepth = 512

    init(path: String, name: String, capacity: Int = 1 << 18) throws {
        self.path = path
        self.name = name
        self.capacity = max(capacity, 16)
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw ReadError(SourceLocation(file: name), "cannot open file: \(reason)")
        }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ReadError(SourceLocation(file: name), "is a directory; expected a JSON-stat file")
        }
        self.fd = fd
        self.buf = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
        scratch.reserveCapacity(256)
    }

    deinit {
        buf.deallocate()
        close(fd)
    }

    /// The file offset of the next byte.
    var offset: Int { bufStart + pos }

    func seek(to offset: Int) {
        if offset >= bufStart && offset <= bufStart + count {
            pos = offset - bufStart
        } else {
            bufStart = offset
            count = 0
            pos = 0
        }
    }

    /// The next byte without consuming it, or -1 at the end of the file.
    @inline(__always)
    func peek() throws -> Int {
        if pos < count { return Int(buf[pos]) }
        return try refill()
    }

    /// Consumes one byte; only after `peek` returned a byte.
    @inline(__always)
    func advance() { pos += 1 }

    private func refill() throws -> Int {
        bufStart += count
        count = 0
        pos = 0
        while true {
            let n = pread(fd, buf, capacity, off_t(bufStart))
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(SourceLocation(file: name), "read failed at byte \(bufStart): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return -1 }
            count = n
            return Int(buf[0])
        }
    }

    /// Skips JSON whitespace and returns the next byte (or -1).
    @inline(__always)
    func skipWhitespace() throws -> Int {
        while true {
            let c = try peek()
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1; continue }
            return c
        }
    }

    /// Skips a UTF-8 byte-order mark at the current position.
    func skipBOM() throws {
        let start = offset
        if try peek() == 0xEF {
            advance()
            if try peek() == 0xBB {
                advance()
                if try peek() == 0xBF { advance(); return }
            }
        }
        seek(to: start)
    }

    // MARK: Errors

    /// A `PARSE_ERROR` at a byte offset, with its line and column.
    func syntaxError(_ message: String, at offset: Int? = nil) -> ReadError {
        let at = offset ?? self.offset
        let (line, column) = lineColumn(of: at)
        return ReadError(SourceLocation(file: name, line: line, column: column), "PARSE_ERROR: \(message) (byte \(at))")
    }

    /// `expected …, found …` at the current position.
    func unexpected(_ expected: String) throws -> ReadError {
        let at = offset
        let c = try peek()
        if c < 0 { return syntaxError("unexpected end of file: expected \(expected); the file looks truncated", at: at) }
        return syntaxError("expected \(expected), found \(JSONByteReader.describe(byte: c))", at: at)
    }

    static func describe(byte c: Int) -> String {
        if c < 0 { return "the end of the file" }
        if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(UInt8(c))))'" }
        let hex = String(c, radix: 16, uppercase: true)
        return "byte 0x\(hex.count < 2 ? "0" + hex : hex)"
    }

    /// 1-based line and column (in characters) of a byte offset, found by reading the file again.
    func lineColumn(of target: Int) -> (Int, Int) {
        var line = 1
        var column = 1
        var off = 0
        let size = 1 << 16
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        defer { chunk.deallocate() }
        while off < target {
            let n = pread(fd, chunk, min(size, target - off), off_t(off))
            if n <= 0 { break }
            for i in 0..<n {
                let b = chunk[i]
                if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            }
            off += n
        }
        return (line, column)
    }

    // MARK: Tokens

    /// Consumes `byte` or throws `expected <what>`.
    @inline(__always)
    func expect(_ byte: Int, _ what: String) throws {
        if try skipWhitespace() == byte { advance(); return }
        throw try unexpected(what)
    }

    /// Reads a literal (`true`, `false`, `null`) at the current position.
    func readLiteral() throws -> JSONNode.Kind {
        let start = offset
        let c = try peek()
        let word: StaticString
        let kind: JSONNode.Kind
        switch c {
        case JSONByte.t: word = "true"; kind = .bool(true)
        case JSONByte.f: word = "false"; kind = .bool(false)
        case JSONByte.n: word = "null"; kind = .null
        default: throw try unexpected("a value")
        }
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for b in bytes {
            let got = try peek()
            if got < 0 {
                throw syntaxError("unexpected end of file inside the literal \(word); the file looks truncated", at: start)
            }
            if got != Int(b) {
                throw syntaxError(
                    "invalid literal: expected \(word), found \(JSONByteReader.describe(byte: got)) at byte \(offset)", at: start)
            }
            advance()
        }
        return kind
    }

    /// Reads a string's decoded bytes into `scratch`; positioned at the opening quote.
    private func readStringBytes() throws {
        let start = offset
        scratch.removeAll(keepingCapacity: true)
        advance() // opening quote
        while true {
            let c = try peek()
            if c == JSONByte.quote { advance(); return }
            if c < 0 { throw syntaxError("unexpected end of file inside a string that starts here; the file looks truncated", at: start) }
            if c < 0x20 { throw syntaxError("control character \(JSONByteReader.describe(byte: c)) inside a string; expected it escaped") }
            advance()
            if c != JSONByte.backslash { scratch.append(UInt8(c)); continue }
            let e = try peek()
            switch e {
            case JSONByte.quote, JSONByte.backslash, JSONByte.slash: scratch.append(UInt8(e))
            case 0x62: scratch.append(0x08)
            case 0x66: scratch.append(0x0C)
            case 0x6E: scratch.append(0x0A)
            case 0x72: scratch.append(0x0D)
            case 0x74: scratch.append(0x09)
            case 0x75:
                advance()
                var scalar = try readHex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A surrogate pair: a low surrogate must follow.
                    guard try peek() == JSONByte.backslash else {
                        throw syntaxError("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
                    }
                    advance()
                    guard try peek() == 0x75 else { throw syntaxError("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string") }
                    advance()
                    let low = try readHex4()
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw syntaxError("invalid low surrogate \\u\(String(low, radix: 16)) in a string")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw syntaxError("unpaired surrogate \\u\(String(scalar, radix: 16)) in a string")
                }
                guard let u = Unicode.Scalar(scalar) else { throw syntaxError("invalid \\u escape in a string") }
                UTF8.encode(u) { scratch.append($0) }
                continue
            default:
                if e < 0 {
                    throw syntaxError("unexpected end of file inside a string that starts here; the file looks truncated", at: start)
                }
                throw syntaxError("invalid escape \\\(JSONByteReader.describe(byte: e)) in a string")
            }
            advance()
        }
    }

    private func readHex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = try peek()
            let d: Int
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw try unexpected("four hex digits after \\u")
            }
            v = v << 4 | UInt32(d)
            advance()
        }
        return v
    }

    /// Reads a string at the current position (which must be its opening quote).
    func readString() throws -> String {
        let start = offset
        try readStringBytes()
        var ascii = true
        for b in scratch where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: scratch, as: UTF8.self) }
        guard let s = String(validating: scratch, as: UTF8.self) else {
            throw syntaxError("a string is not valid UTF-8; JSON text must be UTF-8", at: start)
        }
        return s
    }

    /// Reads a string key as a non-negative integer (`"17"`) without making a `String`;
    /// nil when it is not one (then `lastStringText` gives the text).
    func readIntegerKey() throws -> Int? {
        try readStringBytes()
        if scratch.isEmpty || scratch.count > 18 { return nil }
        var v = 0
        for b in scratch {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        return v
    }

    /// The text of the last string read (for error messages).
    var lastStringText: String { String(decoding: scratch.prefix(100), as: UTF8.self) }

    /// Reads a number at the current position (a digit or `-`), strictly per the JSON grammar,
    /// without allocating in the common case.
    @inline(__always)
    func readNumber() throws -> Double {
        let start = offset
        var c = try peek()
        var negative = false
        if c == JSONByte.minus { negative = true; advance(); c = try peek() }
        var mantissa: UInt64 = 0
        var significant = 0
        var exp10 = 0
        var inexact = false
        if c == JSONByte.zero {
            advance(); c = try peek()
        } else if c > JSONByte.zero && c <= JSONByte.nine {
            repeat {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(c - JSONByte.zero)
                    significant += 1
                } else {
                    exp10 += 1
                    inexact = true
                }
                advance(); c = try peek()
            } while c >= JSONByte.zero && c <= JSONByte.nine
        } else {
            throw try unexpected("a digit in a number")
        }
        if c == JSONByte.dot {
            advance(); c = try peek()
            guard c >= JSONByte.zero && c <= JSONByte.nine else { throw try unexpected("a digit after the decimal point") }
            repeat {
                if mantissa == 0 && c == JSONByte.zero {
                    exp10 -= 1
                } else if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(c - JSONByte.zero)
                    significant += 1
                    exp10 -= 1
                } else {
                    inexact = true
                }
                advance(); c = try peek()
            } while c >= JSONByte.zero && c <= JSONByte.nine
        }
        if c == JSONByte.lowerE || c == JSONByte.upperE {
            advance(); c = try peek()
            var expNegative = false
            if c == JSONByte.minus || c == JSONByte.plus { expNegative = c == JSONByte.minus; advance(); c = try peek() }
            guard c >= JSONByte.zero && c <= JSONByte.nine else { throw try unexpected("a digit in the exponent") }
            var e = 0
            repeat {
                if e < 100_000 { e = e * 10 + (c - JSONByte.zero) }
                advance(); c = try peek()
            } while c >= JSONByte.zero && c <= JSONByte.nine
            exp10 += expNegative ? -e : e
        }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        if !inexact && mantissa < (1 << 53) && exp10 >= -22 && exp10 <= 22 {
            // Exact: both operands are exactly representable, so one rounding.
            var v = Double(mantissa)
            if exp10 > 0 { v *= JSONByteReader.powersOfTen[exp10] } else if exp10 < 0 { v /= JSONByteReader.powersOfTen[-exp10] }
            return negative ? -v : v
        }
        return try slowNumber(from: start)
    }

    /// Re-reads a long or extreme number's text and converts it with correct rounding.
    private func slowNumber(from start: Int) throws -> Double {
        let end = offset
        seek(to: start)
        var bytes: [UInt8] = []
        while offset < end {
            let c = try peek()
            if c < 0 { break }
            bytes.append(UInt8(c))
            advance()
        }
        seek(to: end)
        return Double(String(decoding: bytes, as: UTF8.self)) ?? .nan
    }

    static let powersOfTen: [Double] = (0...22).map { e in
        var r = 1.0
        for _ in 0..<e { r *= 10 }
        return r
    }

    /// Validates and skips a number.
    @inline(__always)
    func skipNumber() throws {
        var c = try peek()
        if c == JSONByte.minus { advance(); c = try peek() }
        if c == JSONByte.zero {
            advance(); c = try peek()
        } else if c > JSONByte.zero && c <= JSONByte.nine {
            repeat { advance(); c = try peek() } while c >= JSONByte.zero && c <= JSONByte.nine
        } else {
            throw try unexpected("a digit in a number")
        }
        if c == JSONByte.dot {
            advance(); c = try peek()
            guard c >= JSONByte.zero && c <= JSONByte.nine else { throw try unexpected("a digit after the decimal point") }
            repeat { advance(); c = try peek() } while c >= JSONByte.zero && c <= JSONByte.nine
        }
        if c == JSONByte.lowerE || c == JSONByte.upperE {
            advance(); c = try peek()
            if c == JSONByte.minus || c == JSONByte.plus { advance(); c = try peek() }
            guard c >= JSONByte.zero && c <= JSONByte.nine else { throw try unexpected("a digit in the exponent") }
            repeat { advance(); c = try peek() } while c >= JSONByte.zero && c <= JSONByte.nine
        }
    }

    /// Validates and skips a string.
    func skipString() throws {
        let start = offset
        advance()
        while true {
            if pos < count {
                // Fast path inside the buffer.
                let b = buf[pos]
                if b == 0x22 { pos += 1; return }
                if b >= 0x20 && b != 0x5C { pos += 1; continue }
            }
            let c = try peek()
            if c < 0 { throw syntaxError("unexpected end of file inside a string that starts here; the file looks truncated", at: start) }
            if c < 0x20 { throw syntaxError("control character \(JSONByteReader.describe(byte: c)) inside a string; expected it escaped") }
            if c == JSONByte.quote { advance(); return }
            advance()
            if c == JSONByte.backslash {
                let e = try peek()
                switch e {
                case JSONByte.quote, JSONByte.backslash, JSONByte.slash, 0x62, 0x66, 0x6E, 0x72, 0x74: advance()
                case 0x75: advance(); _ = try readHex4()
                default:
                    if e < 0 {
                        throw syntaxError("unexpected end of file inside a string that starts here; the file looks truncated", at: start)
                    }
                    throw syntaxError("invalid escape \\\(JSONByteReader.describe(byte: e)) in a string")
                }
            }
        }
    }

    /// Skips one scalar value (string, number, literal) at the current non-blank position;
    /// returns false when the value is a container (not consumed).
    @inline(__always)
    private func skipScalar(_ c: Int) throws -> Bool {
        switch c {
        case JSONByte.quote: try skipString()
        case JSONByte.minus, JSONByte.zero...JSONByte.nine: try skipNumber()
        case JSONByte.t, JSONByte.f, JSONByte.n: _ = try readLiteral()
        case JSONByte.openBrace, JSONByte.openBracket: return false
        default: throw try unexpected("a value")
        }
        return true
    }

    /// Validates and skips any value, without recursion.
    func skipValue() throws {
        var c = try skipWhitespace()
        if try skipScalar(c) { return }
        closers.removeAll(keepingCapacity: true)
        let openedAt = offset
        while true {
            // At the start of a value (c is its first byte).
            if c == JSONByte.openBrace || c == JSONByte.openBracket {
                guard closers.count < JSONByteReader.maxDepth else {
                    throw syntaxError("containers nested deeper than \(JSONByteReader.maxDepth) levels")
                }
                advance()
                let isObject = c == JSONByte.openBrace
                closers.append(UInt8(isObject ? JSONByte.closeBrace : JSONByte.closeBracket))
                c = try skipWhitespace()
                if c == Int(closers[closers.count - 1]) {
                    advance()
                    closers.removeLast()
                } else {
                    if isObject {
                        guard c == JSONByte.quote else { throw try unexpected("a string key or '}'") }
                        try skipString()
                        try expect(JSONByte.colon, "':' after an object key")
                    }
                    c = try skipWhitespace()
                    continue
                }
            } else {
                guard try skipScalar(c) else { continue }
            }
            // After a complete value: close containers or move to the next element.
            while true {
                guard let closer = closers.last else { return }
                c = try skipWhitespace()
                if c == JSONByte.comma {
                    advance()
                    if closer == UInt8(JSONByte.closeBrace) {
                        guard try skipWhitespace() == JSONByte.quote else { throw try unexpected("a string key after ','") }
                        try skipString()
                        try expect(JSONByte.colon, "':' after an object key")
                    }
                    c = try skipWhitespace()
                    break
                } else if c == Int(closer) {
                    advance()
                    closers.removeLast()
                } else if c < 0 {
                    throw syntaxError(
                        "unexpected end of file: \(closers.count) container(s) still open, the outermost opened at byte \(openedAt); the file looks truncated"
                    )
                } else {
                    throw try unexpected(closer == UInt8(JSONByte.closeBrace) ? "',' or '}' in an object" : "',' or ']' in an array")
                }
            }
        }
    }

    /// Reads one array or sparse-object element for streaming: positioned at its first byte.
    @inline(__always)
    func readElement() throws -> JSONElement {
        let c = try skipWhitespace()
        switch c {
        case JSONByte.minus, JSONByte.zero...JSONByte.nine: return .number(try readNumber())
        case JSONByte.n:
            _ = try readLiteral()
            return .null
        case JSONByte.quote: return .string(try readString())
        case JSONByte.t, JSONByte.f:
            if case .bool(let b) = try readLiteral() { return .other(b ? "true" : "false") }
            return .other("a boolean")
        case JSONByte.openBrace:
            try skipValue()
            return .other("an object")
        case JSONByte.openBracket:
            try skipValue()
            return .other("an array")
        default:
            throw try unexpected("a value")
        }
    }
}

/// One element of a streamed `value` or `status` container.
enum JSONElement {
    case number(Double)
    case null
    case string(String)
    /// Something that is never a cell value; the text says what it was.
    case other(String)
}

/// A node of the metadata tree, with the byte offset where it starts.
struct JSONNode {
    enum Kind {
        case null
        case bool(Bool)
        /// The value and the number's text as written (kept for re-serialising).
        case number(Double, String)
        case string(String)
        case array([JSONNode])
        case object([(key: String, value: JSONNode)])
        /// A `value` or `status` container left in the file.
        case deferred(DeferredContainer)
    }

    var offset: Int
    var kind: Kind

    subscript(key: String) -> JSONNode? {
        guard case .object(let members) = kind else { return nil }
        for m in members where m.key == key { return m.value }
        return nil
    }

    var string: String? {
        if case .string(let s) = kind { return s }
        return nil
    }

    var members: [(key: String, value: JSONNode)]? {
        if case .object(let m) = kind { return m }
        return nil
    }

    var elements: [JSONNode]? {
        if case .array(let a) = kind { return a }
        return nil
    }

    /// What the node is, for messages.
    var typeName: String {
        switch kind {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(_, let raw): return "the number \(raw)"
        case .string(let s): return "the string \"\(s.count > 60 ? String(s.prefix(60)) + "…" : s)\""
        case .array(let a): return "an array of \(a.count)"
        case .object(let m): return "an object with \(m.count) member(s)"
        case .deferred(let d):
            switch d.shape {
            case .array(let n): return "an array of \(n)"
            case .object(let n, _, _, _): return "an object with \(n) member(s)"
            }
        }
    }

    /// The node as compact JSON text.
    var jsonText: String {
        var s = ""
        JSONNode.write(self, into: &s)
        return s
    }

    private static func write(_ node: JSONNode, into s: inout String) {
        switch node.kind {
        case .null: s += "null"
        case .bool(let b): s += b ? "true" : "false"
        case .number(_, let raw): s += raw
        case .string(let t): writeString(t, into: &s)
        case .array(let a):
            s += "["
            for (i, e) in a.enumerated() {
                if i > 0 { s += "," }
                write(e, into: &s)
            }
            s += "]"
        case .object(let m):
            s += "{"
            for (i, e) in m.enumerated() {
                if i > 0 { s += "," }
                writeString(e.key, into: &s)
                s += ":"
                write(e.value, into: &s)
            }
            s += "}"
        case .deferred:
            s += "null"
        }
    }

    static func writeString(_ t: String, into s: inout String) {
        s += "\""
        for u in t.unicodeScalars {
            switch u {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    s += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    s.unicodeScalars.append(u)
                }
            }
        }
        s += "\""
    }
}

/// A `value` or `status` container that the first pass skipped, with what it learnt about it.
struct DeferredContainer {
    enum Shape {
        /// A dense array and its element count.
        case array(count: Int)
        /// A sparse object: member count, the largest integer key, the first key that is not a
        /// non-negative integer (text and byte offset), and whether keys rise strictly in file order.
        case object(count: Int, maxKey: Int, badKey: (text: String, offset: Int)?, ascending: Bool)
    }
    /// Byte offset of the opening `[` or `{`.
    var offset: Int
    var shape: Shape
}

/// Builds the metadata tree; `value` and `status` containers become deferred spans.
struct JSONTreeParser {
    let reader: JSONByteReader
    /// Whether `value`/`status` arrays and objects are skipped rather than built.
    var deferValues: Bool
    /// The tree parser recurses; metadata is never deep, so this keeps the stack small.
    static let maxDepth = 128

    /// Parses the value at the current position.
    func parseValue(depth: Int = 0) throws -> JSONNode {
        let c = try reader.skipWhitespace()
        let start = reader.offset
        guard depth < JSONTreeParser.maxDepth else {
            throw reader.syntaxError("containers nested deeper than \(JSONTreeParser.maxDepth) levels in metadata", at: start)
        }
        switch c {
        case JSONByte.openBrace:
            reader.advance()
            var members: [(key: String, value: JSONNode)] = []
            var seen = Set<String>()
            if try reader.skipWhitespace() == JSONByte.closeBrace {
                reader.advance()
                return JSONNode(offset: start, kind: .object(members))
            }
            while true {
                guard try reader.skipWhitespace() == JSONByte.quote else { throw try reader.unexpected("a string key") }
                let keyOffset = reader.offset
                let key = try reader.readString()
                guard seen.insert(key).inserted else {
                    throw reader.syntaxError(
                        "STRUCTURAL_VIOLATION: duplicate key \"\(key)\" in an object; expected each key once", at: keyOffset)
                }
                try reader.expect(JSONByte.colon, "':' after the key \"\(key)\"")
                let next = try reader.skipWhitespace()
                let value: JSONNode
                if deferValues && (key == "value" || key == "status") && (next == JSONByte.openBracket || next == JSONByte.openBrace) {
                    value = try scanDeferred()
                } else {
                    value = try parseValue(depth: depth + 1)
                }
                members.append((key, value))
                let sep = try reader.skipWhitespace()
                if sep == JSONByte.comma { reader.advance(); continue }
                if sep == JSONByte.closeBrace { reader.advance(); break }
                if sep < 0 {
                    throw reader.syntaxError("unexpected end of file in an object that starts at byte \(start); the file looks truncated")
                }
                throw try reader.unexpected("',' or '}' in an object")
            }
            return JSONNode(offset: start, kind: .object(members))
        case JSONByte.openBracket:
            reader.advance()
            var elements: [JSONNode] = []
            if try reader.skipWhitespace() == JSONByte.closeBracket {
                reader.advance()
                return JSONNode(offset: start, kind: .array(elements))
            }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                let sep = try reader.skipWhitespace()
                if sep == JSONByte.comma { reader.advance(); continue }
                if sep == JSONByte.closeBracket { reader.advance(); break }
                if sep < 0 {
                    throw reader.syntaxError("unexpected end of file in an array that starts at byte \(start); the file looks truncated")
                }
                throw try reader.unexpected("',' or ']' in an array")
            }
            return JSONNode(offset: start, kind: .array(elements))
        case JSONByte.quote:
            return JSONNode(offset: start, kind: .string(try reader.readString()))
        case JSONByte.minus, JSONByte.zero...JSONByte.nine:
            let v = try reader.readNumber()
            let end = reader.offset
            // Re-read the (short) text for faithful re-serialisation.
            reader.seek(to: start)
            var raw: [UInt8] = []
            raw.reserveCapacity(end - start)
            while reader.offset < end {
                raw.append(UInt8(truncatingIfNeeded: try reader.peek()))
                reader.advance()
            }
            return JSONNode(offset: start, kind: .number(v, String(decoding: raw, as: UTF8.self)))
        case JSONByte.t, JSONByte.f, JSONByte.n:
            return JSONNode(offset: start, kind: try reader.readLiteral())
        default:
            throw try reader.unexpected("a value")
        }
    }

    /// Skips a `value`/`status` container, counting its elements and checking its keys.
    private func scanDeferred() throws -> JSONNode {
        let start = reader.offset
        let open = try reader.peek()
        reader.advance()
        if open == JSONByte.openBracket {
            var n = 0
            if try reader.skipWhitespace() == JSONByte.closeBracket {
                reader.advance()
            } else {
                while true {
                    try reader.skipValue()
                    n += 1
                    let sep = try reader.skipWhitespace()
                    if sep == JSONByte.comma { reader.advance(); continue }
                    if sep == JSONByte.closeBracket { reader.advance(); break }
                    if sep < 0 {
                        throw reader.syntaxError(
                            "unexpected end of file after \(n) element(s) of the array that starts at byte \(start); the file looks truncated"
                        )
                    }
                    throw try reader.unexpected("',' or ']' in an array")
                }
            }
            return JSONNode(offset: start, kind: .deferred(DeferredContainer(offset: start, shape: .array(count: n))))
        }
        var n = 0
        var maxKey = -1
        var badKey: (text: String, offset: Int)? = nil
        var ascending = true
        var last = -1
        if try reader.skipWhitespace() == JSONByte.closeBrace {
            reader.advance()
        } else {
            while true {
                guard try reader.skipWhitespace() == JSONByte.quote else { throw try reader.unexpected("a string key") }
                let keyOffset = reader.offset
                if let k = try reader.readIntegerKey() {
                    if k <= last { ascending = false }
                    last = k
                    maxKey = max(maxKey, k)
                } else if badKey == nil {
                    badKey = (reader.lastStringText, keyOffset)
                }
                try reader.expect(JSONByte.colon, "':' after an object key")
                try reader.skipValue()
                n += 1
                let sep = try reader.skipWhitespace()
                if sep == JSONByte.comma { reader.advance(); continue }
                if sep == JSONByte.closeBrace { reader.advance(); break }
                if sep < 0 {
                    throw reader.syntaxError(
                        "unexpected end of file after \(n) member(s) of the object that starts at byte \(start); the file looks truncated")
                }
                throw try reader.unexpected("',' or '}' in an object")
            }
        }
        let shape = DeferredContainer.Shape.object(count: n, maxKey: maxKey, badKey: badKey, ascending: ascending)
        return JSONNode(offset: start, kind: .deferred(DeferredContainer(offset: start, shape: shape)))
    }

    /// Replaces deferred spans inside `node` by their parsed trees (for metadata that happens
    /// to hold a member named `value` or `status`).
    func resolve(_ node: JSONNode) throws -> JSONNode {
        switch node.kind {
        case .deferred(let d):
            reader.seek(to: d.offset)
            return try JSONTreeParser(reader: reader, deferValues: false).parseValue()
        case .array(let a):
            return JSONNode(offset: node.offset, kind: .array(try a.map { try resolve($0) }))
        case .object(let m):
            return JSONNode(offset: node.offset, kind: .object(try m.map { ($0.key, try resolve($0.value)) }))
        default:
            return node
        }
    }
}

/// A string as a JSON string literal (quotes, escapes), for writers outside this module.
public func jsonQuoted(_ text: String) -> String {
    var out = ""
    JSONNode.writeString(text, into: &out)
    return out
}
