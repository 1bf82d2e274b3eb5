/// One CSV record as bytes: field contents with quotes removed and `""` unescaped.
public struct CSVRecord: ~Copyable {
    public var bytes: [UInt8] = []
    /// End offset of each field in `bytes`.
    public var fieldEnds: [Int] = []
    /// Whether each field was quoted.
    public var quoted: [Bool] = []
    /// Line on which the record starts (1-based).
    public var line: Int = 0

    public var count: Int { fieldEnds.count }

    public func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = i == 0 ? 0 : fieldEnds[i - 1]
        let end = fieldEnds[i]
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    public func field(_ i: Int) -> [UInt8] {
        let start = i == 0 ? 0 : fieldEnds[i - 1]
        return Array(bytes[start..<fieldEnds[i]])
    }

    /// True for a line with nothing but spaces or tabs on it.
    public var isBlank: Bool {
        fieldEnds.count == 1 && !quoted[0] && bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    mutating func reset(line: Int) {
        bytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        quoted.removeAll(keepingCapacity: true)
        self.line = line
    }
}

/// A byte-level CSV state machine: RFC 4180 quoting, embedded delimiters, quotes and newlines,
/// LF, CRLF or CR line ends. It is fed chunks and calls back once per complete record, so
/// memory is bounded by the longest record, not the file.
public struct CSVScanner: ~Copyable {
    public let delimiter: UInt8
    public let file: String
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
    private var state: State = .fieldStart
    private var record = CSVRecord()
    private var line = 1
    private var skipLF = false
    private var quotedCR = false
    private var fieldQuoted = false
    private var recordOpen = false
    /// A record longer than this is an error, not a reason to use all memory.
    public var maxRecordBytes = 16 << 20

    public init(delimiter: UInt8, file: String) {
        self.delimiter = delimiter
        self.file = file
        record.reset(line: 1)
    }

    public var currentLine: Int { line }

    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ onRecord: (borrowing CSVRecord) throws -> Void) throws {
        guard let base = chunk.baseAddress else { return }
        let delim = delimiter
        let n = chunk.count
        var i = 0
        while i < n {
            let b = base[i]
            if skipLF {
                skipLF = false
                if b == 0x0A { i += 1; continue }
            }
            if b == 0 {
                throw ReadError(SourceLocation(file: file, line: line), "binary data (a NUL byte); expected a text file")
            }
            if !recordOpen { recordOpen = true; record.reset(line: line) }
            // Inside a field, a run of ordinary bytes is copied at once; the bytes that end
            // it (quote or delimiter, line breaks, NUL) go through the state machine below.
            if state == .quoted || state == .unquoted {
                var j = i
                if state == .quoted {
                    while j < n { let c = base[j]; if c == 0x22 || c == 0x0A || c == 0x0D || c == 0 { break }; j += 1 }
                } else {
                    while j < n { let c = base[j]; if c == delim || c == 0x0A || c == 0x0D || c == 0 { break }; j += 1 }
                }
                if j > i {
                    quotedCR = false
                    record.bytes.append(contentsOf: UnsafeBufferPointer(start: base + i, count: j - i))
                    try checkLength()
                    i = j
                    continue
                }
            }
            switch state {
            case .fieldStart:
                if b == 0x22 {
                    state = .quoted; fieldQuoted = true
                } else if b == delim {
                    endField()
                } else if b == 0x0A || b == 0x0D {
                    try endRecord(b, onRecord)
                } else {
                    record.bytes.append(b); state = .unquoted
                }
            case .unquoted:
                if b == delim { endField() } else if b == 0x0A || b == 0x0D { try endRecord(b, onRecord) } else { record.bytes.append(b) }
            case .quoted:
                if b == 0x22 {
                    state = .quoteInQuoted; quotedCR = false
                } else {
                    // Line breaks inside a quoted field are kept as they are; CRLF counts once.
                    if b == 0x0A { if !quotedCR { line += 1 } } else if b == 0x0D { line += 1 }
                    quotedCR = b == 0x0D
                    record.bytes.append(b)
                }
            case .quoteInQuoted:
                if b == 0x22 {
                    record.bytes.append(0x22); state = .quoted
                } else if b == delim {
                    endField()
                } else if b == 0x0A || b == 0x0D {
                    try endRecord(b, onRecord)
                } else {
                    record.bytes.append(b); state = .unquoted
                }
            }
            try checkLength()
            i += 1
        }
    }

    @inline(__always) private func checkLength() throws {
        if record.bytes.count > maxRecordBytes {
            throw ReadError(
                SourceLocation(file: file, line: record.line),
                "a record longer than \(maxRecordBytes) bytes; expected CSV lines (is this a CSV file?)")
        }
    }

    /// Ends the input: a last line without a line break is a record; an open quote is an error.
    public mutating func finish(_ onRecord: (borrowing CSVRecord) throws -> Void) throws {
        if state == .quoted {
            throw ReadError(
                SourceLocation(file: file, line: record.line),
                "the file ends inside a quoted field that starts on this line; expected a closing quote (is the file truncated?)")
        }
        if recordOpen {
            endField()
            recordOpen = false
            state = .fieldStart
            try onRecord(record)
        }
    }

    private mutating func endField() {
        record.fieldEnds.append(record.bytes.count)
        record.quoted.append(fieldQuoted)
        fieldQuoted = false
        state = .fieldStart
    }

    private mutating func endRecord(_ b: UInt8, _ onRecord: (borrowing CSVRecord) throws -> Void) throws {
        endField()
        if b == 0x0D { skipLF = true }
        recordOpen = false
        try onRecord(record)
        line += 1
    }
}
