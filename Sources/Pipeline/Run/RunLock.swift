import Foundation
import Ingest
#if canImport(Glibc)
    import Glibc
#endif

/// One writer per warehouse: an exclusive `flock` on `WAREHOUSE.lock`, holding the owner's
/// process id and start time. The kernel releases the lock when its process dies, so a lock
/// left by a killed run is stale by construction: the next run takes it over and says so.
public final class RunLock {
    public let path: String
    private let fd: Int32
    /// The previous holder's note, when the file was left behind by a process that is gone.
    public let clearedStale: String?

    public init(warehousePath: String) throws {
        path = warehousePath + ".lock"
        let dir = (warehousePath as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError.run("\(path): error: cannot create the lock file: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = RunLock.readNote(fd)
            close(fd)
            throw PipelineError.busy(
                "\(warehousePath): another etl run is using this warehouse (\(holder.isEmpty ? "unknown process" : holder)); refusing to start"
            )
        }
        let previous = RunLock.readNote(fd)
        clearedStale = previous.isEmpty ? nil : previous
        let note =
            "pid \(getpid()) started \(ISO8601DateFormatter().string(from: Date())) (\(CommandLine.arguments.joined(separator: " ")))"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
        _ = fsync(fd)
    }

    static func readNote(_ fd: Int32) -> String {
        var buf = [UInt8](repeating: 0, count: 512)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 512, 0) }
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
    }

    /// Releases the lock and empties the note, so the next run sees a clean hand-over.
    public func release() {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
