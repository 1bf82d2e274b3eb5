import ArgumentParser
import Fetch
import Foundation
import GRDB
import Ingest
import Pipeline
import Transform
import Warehouse

/// One message, exactly one `error:` in it: a message that already names its place and says
/// `error:` (`FILE:LINE: error: …`) is kept as it is, any other gets the prefix (README, exit statuses).
func errorLine(_ message: String) -> String {
    message.contains("error:") ? message : "error: " + message
}

/// Prints what an uncaught error says and returns the exit status it ends the command with:
/// the one place where errors become exit statuses (README, "Exit statuses"). A command
/// catches an error itself only to add context (a file it was writing, a warehouse path).
func report(_ error: any Error) -> ExitCode {
    switch error {
    case let e as ExitCode:
        return e // already reported by the command
    case PipelineError.definition(let problems), FetchError.spec(let problems):
        for p in problems { eprint(errorLine(p)) }
    case PipelineError.busy(let message):
        eprint("error: \(message)")
    case let e as DatabaseError:
        // A command that reads a warehouse words a damaged one itself; anything else SQLite
        // says here is a failure (exit 1), as it always was.
        eprint(errorLine("\(e)"))
        return Exit.failure
    default:
        eprint(errorLine("\(error)"))
    }
    return ExitCode((error as? any ExitStatusError)?.exitStatus ?? 1)
}

/// Whether a SQLite error means the warehouse file itself is damaged or unreadable (exit 1),
/// as opposed to a mistake in the statement asked for (exit 2).
func isDamagedDatabase(_ e: DatabaseError) -> Bool {
    switch e.resultCode {
    case .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_FORMAT, .SQLITE_PERM, .SQLITE_FULL, .SQLITE_NOMEM:
        return true
    default:
        return false
    }
}

/// The one line for a warehouse that cannot be read: names the file and what SQLite said.
func damagedWarehouseLine(_ path: String, _ error: any Error) -> String {
    if let e = error as? DatabaseError {
        return
            "error: \(path): the warehouse cannot be read: \(e.message ?? "SQLite error \(e.resultCode.rawValue)") (SQLite error \(e.resultCode.rawValue)); restore it or run `etl run --full-refresh` into a new file"
    }
    return errorLine("\(error)")
}

/// Opens the warehouse read-only, or prints one line and exits 1.
func openWarehouseForReading(_ path: String) throws -> DatabaseQueue {
    do { return try Warehouse.openReadOnly(path: path) } catch let e as DatabaseError {
        eprint(damagedWarehouseLine(path, e)); throw Exit.failure
    } catch { eprint(errorLine("\(error)")); throw Exit.failure }
}

/// Checks `--indicator`, `--region` and `--group` values against the warehouse: one line for
/// each unknown one (`NameCheck`), empty when all are known.
func unknownNames(_ db: Database, indicators: [String], regions: [String], groups: [String]) throws -> [String] {
    try NameCheck.unknown(db, indicators: indicators, regions: regions, groups: groups)
}
