#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Ingest

/// The readers read files, so each input is written to one temporary file per process (the
/// same path every time, in /dev/shm where there is one, so no disk I/O), then read back.
public enum FuzzInput {
    /// The folder for the per-process input file.
    static let folder: String = {
        if let d = getenv("ETL_FUZZ_TMPDIR") { return String(cString: d) }
        var st = stat()
        if stat("/dev/shm", &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, access("/dev/shm", W_OK) == 0 { return "/dev/shm" }
        if let d = getenv("TMPDIR") { return String(cString: d) }
        return "/tmp"
    }()

    /// Writes the input to `<folder>/etl-fuzz-<pid><suffix>` (truncating the previous one) and
    /// returns the path. The suffix matters: some readers choose a format by extension.
    public static func write(_ data: UnsafePointer<UInt8>, _ size: Int, suffix: String) -> String {
        let path = "\(folder)/etl-fuzz-\(getpid())\(suffix)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("fuzz harness: cannot create \(path): \(String(cString: strerror(errno)))") }
        var done = 0
        while done < size {
            let n = Glibc.write(fd, data + done, size - done)
            if n < 0 {
                if errno == EINTR { continue }
                fatalError("fuzz harness: cannot write \(path): \(String(cString: strerror(errno)))")
            }
            done += n
        }
        close(fd)
        return path
    }

    /// The input as bytes (for harnesses that vary options by content).
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: data, count: size)
    }
}

/// Counts what a reader sends and checks the promises downstream code relies on; a broken
/// promise traps, so libFuzzer records the input as a crash. Row rejects are accepted and
/// counted (as a pipeline does under its reject limit), so the read goes on past them.
public struct CountingSink: CellSink {
    public var datasets = 0
    public var ended = 0
    public var cells = 0
    public var rejects = 0
    public var missing = 0
    private var open: DatasetSchema?

    public init() {}

    public mutating func begin(_ schema: DatasetSchema) throws {
        datasets += 1
        open = schema
        // Staging looks up the region and time dimensions by role; ids must be there.
        for d in schema.dimensions { _ = d.id.utf8.count }
    }

    public mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
        cells += 1
        guard open != nil else { fatalError("reader sent a cell before begin(_:)") }
        // The staging sink indexes coordinates by the schema's dimension positions: a cell with
        // fewer coordinates than the schema has dimensions would crash a pipeline run.
        if cell.coordinates.count != schema.dimensions.count {
            fatalError(
                "cell has \(cell.coordinates.count) coordinates but the schema has \(schema.dimensions.count) dimensions at \(cell.location)"
            )
        }
        if cell.value == nil { missing += 1 }
        if let v = cell.value, v.isNaN { fatalError("reader produced NaN at \(cell.location)") }
        _ = cell.location.description
    }

    public mutating func end(_ schema: DatasetSchema) throws {
        ended += 1
        _ = schema.dimensions.count
    }

    public mutating func reject(_ error: ReadError, raw: String) throws {
        rejects += 1
        _ = error.description
        _ = raw.utf8.count
    }
}

/// Runs a read, swallowing the errors a reader may throw for bad input (that is its job);
/// rendering the error's text exercises the message code too.
@inline(never)
public func expectingErrors(_ body: () throws -> Void) {
    do { try body() } catch let e as ReadError {
        _ = e.description
    } catch {
        _ = "\(error)"
    }
}

// MARK: - Driver

/// libFuzzer's entry point for programs that have their own `main` (LLVM 13 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

/// Hands the command line to libFuzzer with the target's callback.
///
/// SwiftPM links every executable with `--defsym main=<Target>_main` (so tests can import
/// executables), which replaces libFuzzer's own `main`; each target therefore defines
/// `<Target>_main` with `@_cdecl` and calls this, and libFuzzer runs as usual.
public func runFuzzer(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}
