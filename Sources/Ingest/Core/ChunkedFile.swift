#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file in fixed-size chunks so memory stays bounded whatever the file's size.
public final class ChunkedFile {
    public let path: String
    private let fd: Int32
    public let chunkSize: Int
    private var buffer: [UInt8]
    public private(set) var bytesRead: Int = 0

    public init(path: String, chunkSize: Int = 1 << 20) throws {
        self.path = path
        self.chunkSize = chunkSize
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw ReadError(SourceLocation(file: path), "cannot open file: \(reason)")
        }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ReadError(SourceLocation(file: path), "is a directory; expected a data file")
        }
        self.fd = fd
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit { close(fd) }

    /// Calls `body` with each chunk in order; an empty file calls it never.
    public func forEachChunk(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, chunkSize) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(SourceLocation(file: path), "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return }
            bytesRead += n
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Reads up to `count` bytes from the start of the file (for sniffing), and whether that was all of it.
    public static func head(path: String, count: Int) throws -> (bytes: [UInt8], complete: Bool) {
        let f = try ChunkedFile(path: path, chunkSize: count)
        var out: [UInt8] = []
        var complete = true
        do {
            try f.forEachChunk { chunk in
                out.append(contentsOf: chunk)
                if out.count >= count { complete = false; throw StopReading() }
            }
        } catch is StopReading {}
        if !complete {
            // Peek whether anything follows the window.
            complete = false
        }
        return (out, complete)
    }

    /// The file's size in bytes.
    public static func size(path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }
}

struct StopReading: Error {}
