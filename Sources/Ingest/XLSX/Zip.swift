// Why this file is long: the ZIP container: central directory, local headers, inflate with byte
// budgets against zip bombs, and the small writer the tests use.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SystemZlib

// MARK: - Entries

/// One file (or directory) of a ZIP archive as its central directory describes it.
public struct ZipEntry: Sendable, Hashable {
    /// The entry's path inside the archive, as stored (UTF-8, or CP437 for old archives).
    public let path: String
    /// The compression method: 0 (stored) or 8 (deflate); others are refused when opening.
    public let method: UInt16
    /// The general-purpose bit flags.
    public let flags: UInt16
    /// The CRC-32 of the uncompressed bytes, as the header declares it.
    public let crc32: UInt32
    /// The size of the entry's data in the archive, as the header declares it.
    public let compressedSize: UInt64
    /// The size the entry inflates to, as the header declares it.
    public let uncompressedSize: UInt64
    /// Where the entry's local file header starts.
    public let localHeaderOffset: UInt64
    /// The high byte of "version made by": 3 is Unix, 0 is MS-DOS.
    let hostSystem: UInt8
    /// The external file attributes (Unix mode in the high 16 bits when made on Unix).
    let externalAttributes: UInt32

    public static let stored: UInt16 = 0
    public static let deflated: UInt16 = 8

    /// True for a directory: a path ending in `/`, or the attributes of one.
    public var isDirectory: Bool {
        if path.hasSuffix("/") { return true }
        if hostSystem == 3, (externalAttributes >> 16) & 0o170000 == 0o040000 { return true }
        return externalAttributes & 0x10 != 0 && hostSystem == 0
    }

    /// True for a symbolic link made on Unix (the link target is the entry's data).
    public var isSymbolicLink: Bool {
        hostSystem == 3 && (externalAttributes >> 16) & 0o170000 == 0o120000
    }
}

// MARK: - Reader

/// A read-only ZIP archive over the system zlib: the central directory is read when the
/// archive opens, and `extract` streams one entry from disk in chunks through raw inflate,
/// never holding the whole entry in memory. ZIP64, encrypted entries, split archives and
/// methods other than stored and deflate are refused with a clear error.
///
/// All errors are `ReadError`s naming the file (and the entry, where there is one).
/// Immutable after `init`, and reads with `pread`, so it can be shared between threads.
public final class ZipArchive: @unchecked Sendable {
    public let path: String
    /// The name used in error locations.
    public let displayName: String
    /// The entries in central-directory order.
    public let entries: [ZipEntry]
    /// The archive's size in bytes.
    public let fileSize: UInt64

    private let fd: Int32
    /// Where the central directory starts: no entry's data may run past it.
    private let centralDirectoryOffset: UInt64

    /// The prefix of the error `extract` throws when the CRC-32 does not match.
    static let crcMismatchPrefix = "corrupt entry: the CRC-32 of the inflated bytes"

    private static let eocdSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50
    private static let eocdSize = 22
    private static let maxCommentSize = 0xFFFF

    /// Opens the archive at `path` and reads its central directory.
    public init(path: String, displayName: String? = nil) throws {
        self.path = path
        let name = displayName ?? path
        self.displayName = name
        let location = SourceLocation(file: name)
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            throw ReadError(location, "cannot open file: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ReadError(location, "cannot read file: \(reason)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ReadError(location, "is a directory; expected a ZIP archive")
        }
        let size = UInt64(max(st.st_size, 0))
        do {
            let (entries, cdOffset) = try ZipArchive.readCentralDirectory(fd: fd, size: size, file: name)
            self.entries = entries
            self.centralDirectoryOffset = cdOffset
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
        self.fileSize = size
    }

    deinit { close(fd) }

    /// The first entry with this exact path.
    public subscript(path: String) -> ZipEntry? {
        entries.first { $0.path == path }
    }

    // MARK: Central directory

    private static func readCentralDirectory(fd: Int32, size: UInt64, file: String) throws -> ([ZipEntry], UInt64) {
        let location = SourceLocation(file: file)
        guard size >= UInt64(eocdSize) else {
            throw ReadError(
                location, "not a ZIP archive: the file has \(size) bytes, fewer than the \(eocdSize) of an end of central directory record")
        }
        // The EOCD record sits at the end, followed only by its comment (at most 64 KiB).
        let tailCount = Int(min(size, UInt64(maxCommentSize + eocdSize)))
        let tailStart = size - UInt64(tailCount)
        let tail = try readExactly(fd: fd, at: tailStart, count: tailCount, location: location, what: "the end of the archive")
        var found: Int?
        var lenient: Int?
        var i = tailCount - eocdSize
        while i >= 0 {
            if u32(tail, i) == eocdSignature {
                let end = i + eocdSize + Int(u16(tail, i + 20))
                if end == tailCount { found = i; break }
                if end < tailCount, lenient == nil { lenient = i }
            }
            i -= 1
        }
        guard let at = found ?? lenient else {
            throw ReadError(
                location,
                "not a ZIP archive: no end of central directory record (signature PK\\5\\6) in the last \(tailCount) bytes; the file is truncated or is not a ZIP archive"
            )
        }
        let eocdOffset = tailStart + UInt64(at)
        if at >= 20, u32(tail, at - 20) == zip64LocatorSignature {
            throw ReadError(location, "ZIP64 archives are not supported (the archive has a ZIP64 end of central directory locator)")
        }
        let disk = u16(tail, at + 4), cdDisk = u16(tail, at + 6)
        let diskEntries = u16(tail, at + 8), totalEntries = u16(tail, at + 10)
        let cdSize = u32(tail, at + 12), cdOffset = u32(tail, at + 16)
        if diskEntries == 0xFFFF || totalEntries == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            throw ReadError(location, "ZIP64 archives are not supported (the end of central directory record holds a ZIP64 marker)")
        }
        if disk != 0 || cdDisk != 0 || diskEntries != totalEntries {
            throw ReadError(location, "split (multi-disk) ZIP archives are not supported")
        }
        guard UInt64(cdOffset) + UInt64(cdSize) <= eocdOffset else {
            throw ReadError(
                location,
                "damaged ZIP archive: the central directory (\(cdSize) bytes at offset \(cdOffset)) runs past the end of central directory record at offset \(eocdOffset); the file is truncated or damaged"
            )
        }

        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(totalEntries))
        var offset = UInt64(cdOffset)
        let end = UInt64(cdOffset) + UInt64(cdSize)
        for k in 0..<Int(totalEntries) {
            guard offset + 46 <= end else {
                throw ReadError(
                    location, "damaged ZIP archive: the central directory ends after \(k) of the \(totalEntries) entries it declares")
            }
            let h = try readExactly(fd: fd, at: offset, count: 46, location: location, what: "the central directory")
            guard u32(h, 0) == centralSignature else {
                throw ReadError(
                    location, "damaged ZIP archive: central directory record \(k + 1) at offset \(offset) has no PK\\1\\2 signature")
            }
            let nameLength = Int(u16(h, 28)), extraLength = Int(u16(h, 30)), commentLength = Int(u16(h, 32))
            let recordEnd = offset + 46 + UInt64(nameLength + extraLength + commentLength)
            guard recordEnd <= end else {
                throw ReadError(
                    location, "damaged ZIP archive: central directory record \(k + 1) runs past the end of the central directory")
            }
            let nameBytes = try readExactly(fd: fd, at: offset + 46, count: nameLength, location: location, what: "the central directory")
            let flags = u16(h, 8)
            let entryName = decodeName(nameBytes, utf8: flags & 0x0800 != 0)
            let entryLocation = SourceLocation(file: file, path: entryName)
            let method = u16(h, 10)
            let crc = u32(h, 16), compressed = u32(h, 20), uncompressed = u32(h, 24)
            let startDisk = u16(h, 34), localOffset = u32(h, 42)
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF || startDisk == 0xFFFF {
                throw ReadError(
                    entryLocation, "ZIP64 archives are not supported (the entry's central directory record holds a ZIP64 marker)")
            }
            if flags & 0x0001 != 0 {
                throw ReadError(entryLocation, "the entry is encrypted; encrypted (password-protected) ZIP entries are not supported")
            }
            if method != ZipEntry.stored && method != ZipEntry.deflated {
                throw ReadError(
                    entryLocation,
                    "the entry uses compression method \(method) (\(methodName(method))); only 0 (stored) and 8 (deflate) are supported")
            }
            if startDisk != 0 {
                throw ReadError(entryLocation, "split (multi-disk) ZIP archives are not supported")
            }
            guard UInt64(localOffset) + 30 <= UInt64(cdOffset) else {
                throw ReadError(
                    entryLocation,
                    "damaged ZIP archive: the entry's local header offset \(localOffset) is not before the central directory (offset \(cdOffset))"
                )
            }
            entries.append(
                ZipEntry(
                    path: entryName, method: method, flags: flags, crc32: crc,
                    compressedSize: UInt64(compressed), uncompressedSize: UInt64(uncompressed),
                    localHeaderOffset: UInt64(localOffset), hostSystem: UInt8(u16(h, 4) >> 8),
                    externalAttributes: u32(h, 38)))
            offset = recordEnd
        }
        return (entries, UInt64(cdOffset))
    }

    private static func methodName(_ method: UInt16) -> String {
        switch method {
        case 1...7: return "a legacy method"
        case 9: return "deflate64"
        case 12: return "bzip2"
        case 14: return "LZMA"
        case 93: return "Zstandard"
        case 95: return "xz"
        case 99: return "AES encryption"
        default: return "unknown"
        }
    }

    // MARK: Extraction

    /// Streams the entry's uncompressed bytes to `body` in chunks of at most `chunkSize` bytes,
    /// reading the compressed bytes from disk `chunkSize` at a time. Never inflates more than
    /// one byte past the size the header declares, and checks the CRC-32 and the size at the
    /// end. An error thrown by `body` stops the extraction and is rethrown unchanged.
    public func extract(_ entry: ZipEntry, chunkSize: Int = 64 << 10, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let location = SourceLocation(file: displayName, path: entry.path)
        let chunkSize = max(chunkSize, 1)

        // The local header: its name and extra field lengths may differ from the central ones.
        let local = try ZipArchive.readExactly(
            fd: fd, at: entry.localHeaderOffset, count: 30, location: location, what: "the entry's local header")
        guard ZipArchive.u32(local, 0) == ZipArchive.localSignature else {
            throw ReadError(location, "damaged ZIP archive: no local file header (PK\\3\\4) at offset \(entry.localHeaderOffset)")
        }
        let dataStart = entry.localHeaderOffset + 30 + UInt64(ZipArchive.u16(local, 26)) + UInt64(ZipArchive.u16(local, 28))
        guard dataStart + entry.compressedSize <= centralDirectoryOffset else {
            throw ReadError(
                location,
                "damaged ZIP archive: the entry's \(entry.compressedSize) compressed bytes at offset \(dataStart) run past the start of the central directory (offset \(centralDirectoryOffset)); the archive is truncated or damaged"
            )
        }

        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { input.deallocate() }
        var crc: UInt = SystemZlib.crc32(0, nil, 0)
        var total: UInt64 = 0
        var position = dataStart
        var remaining = entry.compressedSize

        /// Reads the next chunk of compressed bytes into `input`.
        func readChunk() throws -> Int {
            let n = Int(min(UInt64(chunkSize), remaining))
            try ZipArchive.preadExactly(
                fd: fd, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(input)[0..<n]),
                at: position, location: location, what: "the entry's data")
            position += UInt64(n)
            remaining -= UInt64(n)
            return n
        }

        func deliver(_ chunk: UnsafeBufferPointer<UInt8>) throws {
            guard !chunk.isEmpty else { return }
            crc = SystemZlib.crc32(crc, chunk.baseAddress, UInt32(chunk.count))
            total += UInt64(chunk.count)
            try body(chunk)
            if total > entry.uncompressedSize {
                throw ReadError(location, "corrupt entry: it inflates past the \(entry.uncompressedSize) bytes its header declares")
            }
        }

        switch entry.method {
        case ZipEntry.stored:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ReadError(
                    location,
                    "corrupt entry: a stored entry declares \(entry.compressedSize) bytes in the archive but \(entry.uncompressedSize) uncompressed"
                )
            }
            while remaining > 0 {
                let n = try readChunk()
                try deliver(UnsafeBufferPointer(rebasing: input[0..<n]))
            }
        case ZipEntry.deflated:
            try inflate(
                entry: entry, location: location, chunkSize: chunkSize, input: input,
                remaining: { remaining }, readChunk: readChunk,
                declaredLeft: { entry.uncompressedSize - min(total, entry.uncompressedSize) },
                deliver: deliver)
        default:
            throw ReadError(location, "the entry uses compression method \(entry.method); only 0 (stored) and 8 (deflate) are supported")
        }

        if total != entry.uncompressedSize {
            throw ReadError(location, "corrupt entry: it inflates to \(total) bytes, its header declares \(entry.uncompressedSize)")
        }
        if UInt32(truncatingIfNeeded: crc) != entry.crc32 {
            throw ReadError(
                location,
                "\(ZipArchive.crcMismatchPrefix) is \(ZipArchive.hex(UInt32(truncatingIfNeeded: crc))), its header declares \(ZipArchive.hex(entry.crc32)); the archive is damaged"
            )
        }
    }

    /// Raw inflate (no zlib or gzip wrapper) from `input` chunks to `deliver`.
    private func inflate(
        entry: ZipEntry, location: SourceLocation, chunkSize: Int, input: UnsafeMutableBufferPointer<UInt8>,
        remaining: () -> UInt64, readChunk: () throws -> Int, declaredLeft: () -> UInt64,
        deliver: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let output = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { output.deallocate() }
        var stream = z_stream()
        let rc = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            throw ReadError(location, "cannot start inflating the entry (zlib error \(rc))")
        }
        defer { inflateEnd(&stream) }
        while true {
            if stream.avail_in == 0, remaining() > 0 {
                let n = try readChunk()
                stream.next_in = input.baseAddress
                stream.avail_in = UInt32(n)
            }
            // At most one byte past the declared size, so a lying header cannot make us inflate a bomb.
            let room = Int(min(UInt64(chunkSize), declaredLeft() + 1))
            stream.next_out = output.baseAddress
            stream.avail_out = UInt32(room)
            let status = SystemZlib.inflate(&stream, Z_NO_FLUSH)
            let produced = room - Int(stream.avail_out)
            if status == Z_STREAM_END {
                try deliver(UnsafeBufferPointer(rebasing: output[0..<produced]))
                if stream.avail_in != 0 || remaining() > 0 {
                    throw ReadError(
                        location,
                        "corrupt entry: the deflate stream ends before the \(entry.compressedSize) compressed bytes its header declares")
                }
                return
            }
            if status == Z_OK || (status == Z_BUF_ERROR && produced > 0) {
                try deliver(UnsafeBufferPointer(rebasing: output[0..<produced]))
                continue
            }
            if status == Z_BUF_ERROR, stream.avail_in == 0, remaining() == 0 {
                throw ReadError(
                    location,
                    "corrupt entry: the deflate stream is truncated (it does not end within the \(entry.compressedSize) compressed bytes its header declares)"
                )
            }
            let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw ReadError(location, "corrupt entry: the deflate stream is damaged (\(message))")
        }
    }

    // MARK: Bytes

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 {
        UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - s.count) + s
    }

    private static func readExactly(fd: Int32, at offset: UInt64, count: Int, location: SourceLocation, what: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { raw in
            try preadExactly(fd: fd, into: raw, at: offset, location: location, what: what)
        }
        return bytes
    }

    /// Fills `buffer` from `offset`; running into the end of the file is a truncated archive.
    private static func preadExactly(
        fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64,
        location: SourceLocation, what: String
    ) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(location, "cannot read \(what): \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                throw ReadError(
                    location, "damaged ZIP archive: the file ends in \(what) (offset \(offset + UInt64(done))); the archive is truncated")
            }
            done += n
        }
    }

    /// Entry names are UTF-8 when flagged (or when they decode as UTF-8), else CP437.
    private static func decodeName(_ bytes: [UInt8], utf8: Bool) -> String {
        if utf8 || bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        let asUTF8 = String(decoding: bytes, as: UTF8.self)
        if asUTF8.utf8.elementsEqual(bytes) { return asUTF8 }
        var out = ""
        out.unicodeScalars.reserveCapacity(bytes.count)
        for b in bytes {
            if b < 0x80 {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out.unicodeScalars.append(cp437High[Int(b - 0x80)])
            }
        }
        return out
    }

    private static let cp437High: [Unicode.Scalar] = Array(
        "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{A0}"
            .unicodeScalars)
}

// MARK: - Writer

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif

/// Writes a ZIP archive (no ZIP64): every entry stored, or every entry deflated. Paths are
/// written exactly as given (UTF-8, flagged as such when not ASCII); a path ending in `/` is a
/// directory. Meant for tests and tools that build workbooks, including malformed ones.
public enum ZipWriter {
    public static func write(_ entries: [(path: String, data: [UInt8])], to path: String, compress: Bool) throws {
        let location = SourceLocation(file: path)
        guard entries.count < 0xFFFF else {
            throw ReadError(location, "cannot write \(entries.count) entries without ZIP64 (at most 65 534)")
        }
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.path.utf8)
            guard name.count <= 0xFFFF else {
                throw ReadError(SourceLocation(file: path, path: entry.path), "the entry's path is longer than 65 535 bytes")
            }
            guard entry.data.count < 0xFFFF_FFFF else {
                throw ReadError(SourceLocation(file: path, path: entry.path), "cannot write an entry of 4 GiB or more without ZIP64")
            }
            let crc = entry.data.withUnsafeBufferPointer { b in
                UInt32(truncatingIfNeeded: SystemZlib.crc32(SystemZlib.crc32(0, nil, 0), b.baseAddress, UInt32(b.count)))
            }
            let method = compress ? ZipEntry.deflated : ZipEntry.stored
            let payload = compress ? try deflateRaw(entry.data, location: SourceLocation(file: path, path: entry.path)) : entry.data
            let offset = out.count
            guard offset < 0xFFFF_FFFF, payload.count < 0xFFFF_FFFF else {
                throw ReadError(location, "the archive would be 4 GiB or more, which needs ZIP64")
            }
            let flags: UInt16 = name.allSatisfy { $0 < 0x80 } ? 0 : 0x0800
            let isDirectory = entry.path.hasSuffix("/")
            // Unix mode in the high 16 bits (made by Unix, version 3.0); MS-DOS directory bit too.
            let attributes: UInt32 = isDirectory ? (0o040755 << 16) | 0x10 : 0o100644 << 16

            put32(&out, 0x0403_4B50)
            put16(&out, 20) // version needed: 2.0
            put16(&out, flags)
            put16(&out, method)
            put16(&out, 0) // time 00:00
            put16(&out, 0x21) // date 1980-01-01
            put32(&out, crc)
            put32(&out, UInt32(payload.count))
            put32(&out, UInt32(entry.data.count))
            put16(&out, UInt16(name.count))
            put16(&out, 0) // extra field length
            out += name
            out += payload

            put32(&central, 0x0201_4B50)
            put16(&central, 0x031E) // made by: Unix, 3.0
            put16(&central, 20)
            put16(&central, flags)
            put16(&central, method)
            put16(&central, 0)
            put16(&central, 0x21)
            put32(&central, crc)
            put32(&central, UInt32(payload.count))
            put32(&central, UInt32(entry.data.count))
            put16(&central, UInt16(name.count))
            put16(&central, 0) // extra field length
            put16(&central, 0) // comment length
            put16(&central, 0) // disk number start
            put16(&central, 0) // internal attributes
            put32(&central, attributes)
            put32(&central, UInt32(offset))
            central += name
        }
        guard out.count < 0xFFFF_FFFF, central.count < 0xFFFF_FFFF else {
            throw ReadError(location, "the archive would be 4 GiB or more, which needs ZIP64")
        }
        let cdOffset = out.count
        out += central
        put32(&out, 0x0605_4B50)
        put16(&out, 0) // this disk
        put16(&out, 0) // disk with the central directory
        put16(&out, UInt16(entries.count))
        put16(&out, UInt16(entries.count))
        put32(&out, UInt32(central.count))
        put32(&out, UInt32(cdOffset))
        put16(&out, 0) // comment length
        try writeFile(out, to: path)
    }

    private static func put16(_ b: inout [UInt8], _ v: UInt16) {
        b.append(UInt8(v & 0xFF)); b.append(UInt8(v >> 8))
    }

    private static func put32(_ b: inout [UInt8], _ v: UInt32) {
        for k in 0..<4 { b.append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) }
    }

    /// Raw deflate (windowBits -15), as ZIP method 8 stores it.
    private static func deflateRaw(_ data: [UInt8], location: SourceLocation) throws -> [UInt8] {
        var stream = z_stream()
        let rc = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw ReadError(location, "cannot start deflating (zlib error \(rc))") }
        defer { deflateEnd(&stream) }
        var result: [UInt8] = []
        let chunk = 64 << 10
        var buffer = [UInt8](repeating: 0, count: chunk)
        try data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                let status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(chunk)
                    return deflate(&stream, Z_FINISH)
                }
                result += buffer[0..<(chunk - Int(stream.avail_out))]
                if status == Z_STREAM_END { return }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    throw ReadError(location, "deflate failed (zlib error \(status))")
                }
            }
        }
        return result
    }

    private static func writeFile(_ bytes: [UInt8], to path: String) throws {
        let location = SourceLocation(file: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ReadError(location, "cannot create file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ReadError(location, "cannot write file: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }
}
