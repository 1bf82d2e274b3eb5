import Dispatch
import Ingest
import GRDBSQLite
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM during `etl run` (README, "Safety for nightly runs"): the signal is
/// recorded here; the run stops at its next safe point (a staging batch, an indicator, a
/// group) or, inside a long SQL statement, through SQLite's progress handler; its transaction
/// is rolled back, and the run is recorded as `interrupted`.
public enum Interrupt {
    /// The first signal received (0: none).
    private static let signalNumber = Atomic<Int32>(0)
    /// Whether SQL statements are aborted once a signal has come: only inside a run's
    /// transaction, so that recording the interrupted run afterwards still works.
    private static let armed = Atomic<Bool>(false)
    /// Kept alive for the life of the process; set once, by `install`, on the main thread.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// The signal that interrupted the run, if one came.
    public static var received: Int32? {
        let s = signalNumber.load(ordering: .acquiring)
        return s == 0 ? nil : s
    }

    /// Throws `WarehouseError.interrupted` once a signal has come: called at the run's safe points.
    public static func check() throws {
        if let s = received { throw WarehouseError.interrupted(signal: s) }
    }

    /// From now on SIGINT and SIGTERM are recorded instead of ending the process. A second
    /// signal while the run is stopping ends the process at once (the warehouse is left as a
    /// killed run leaves it: unchanged).
    public static func install() {
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { record(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Records the first signal; a second one ends the process.
    private static func record(_ sig: Int32) {
        if !signalNumber.compareExchange(expected: 0, desired: sig, ordering: .acquiringAndReleasing).exchanged {
            _exit(128 + signalNumber.load(ordering: .acquiring))
        }
    }

    static func arm(_ on: Bool) { armed.store(on, ordering: .releasing) }

    /// Installed on every writing connection: SQLite calls it every 1000 virtual-machine
    /// steps, and a non-zero answer aborts the statement with SQLITE_INTERRUPT.
    static func installProgressHandler(_ connection: OpaquePointer?) {
        sqlite3_progress_handler(
            connection, 1000,
            { _ in
                Interrupt.armed.load(ordering: .relaxed) && Interrupt.signalNumber.load(ordering: .relaxed) != 0 ? 1 : 0
            }, nil)
    }
}
