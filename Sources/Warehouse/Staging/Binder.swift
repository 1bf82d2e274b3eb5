import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// Binds values on one reused prepared statement: no per-row encoding, no per-row SQL.
struct Binder {
    let stmt: OpaquePointer
    let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        var s: OpaquePointer? = nil
        let rc = sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &s, nil)
        guard rc == SQLITE_OK, let s else {
            throw WarehouseError.failed("cannot prepare \(sql): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
        }
        stmt = s
    }

    func finalize() { sqlite3_finalize(stmt) }

    @inline(__always) func bind(_ i: Int32, _ v: String?) {
        guard let v else { sqlite3_bind_null(stmt, i); return }
        var copy = v
        copy.withUTF8 { buf in
            _ = sqlite3_bind_text(
                stmt, i, UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buf.count), SQLITE_TRANSIENT)
        }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Double?) {
        if let v, v.isFinite { sqlite3_bind_double(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Int64?) {
        if let v { sqlite3_bind_int64(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
    }

    /// Steps once; returns the number of rows changed. A constraint violation is returned as
    /// nil so callers can turn it into a reject; other errors throw.
    @discardableResult
    func step(ignoreConstraint: Bool = false) throws -> Int32? {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        if rc == SQLITE_DONE || rc == SQLITE_ROW { return sqlite3_changes(db.sqliteConnection) }
        if ignoreConstraint && (rc & 0xFF) == SQLITE_CONSTRAINT { return nil }
        throw WarehouseError.failed("SQLite error \(rc): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
    }
}
