import ArgumentParser
import Foundation
import GRDB
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Baseline (b) of the benchmark (Benchmarks/README.md): the floor for any loader on this
/// SQLite. Reads the generated SSB long CSV with a minimal byte splitter and inserts every row
/// (region code, year, measure label, value, status) with one reused prepared statement in one
/// transaction into a fresh file with a plain table, on the warehouse's journal pragmas (WAL,
/// synchronous NORMAL) and a 64 MiB page cache (etl itself uses 8 MiB). No validation, no dimensions, no harmonisation.
///
/// It assumes the generator's shape (`"0124 Askim (-2019)";"2015";"label";35,6`, ISO-8859-1,
/// CRLF or LF, no `;` or `"` inside fields) and is not a general CSV reader.
struct BenchInsert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-insert",
        abstract: "Benchmark baseline: bare prepared-statement inserts of a generated SSB CSV into SQLite.",
        shouldDisplay: true)

    @Argument(help: "The CSV written by `etl generate` (bench.csv).")
    var csv: String

    @Option(name: .long, help: "The SQLite file to create (replaced if it exists).")
    var database: String

    @Option(name: .long, help: "Rows per INSERT statement (multi-row VALUES); 1 is the baseline.")
    var rowsPerStatement: Int = 1

    func run() throws {
        guard rowsPerStatement >= 1 && rowsPerStatement <= 500 else { throw ValidationError("--rows-per-statement must be 1…500") }
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let started = Date()
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(
                sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536")
        }
        let queue = try DatabaseQueue(path: database, configuration: config)
        var rows = 0
        try queue.writeWithoutTransaction { db in
            try db.execute(
                sql: "CREATE TABLE obs(region TEXT NOT NULL, year INTEGER NOT NULL, measure TEXT NOT NULL, value REAL, status TEXT)")
            try db.inTransaction(.immediate) {
                rows = try benchInsertRows(connection: db.sqliteConnection!, csv: csv, rowsPerStatement: rowsPerStatement)
                return .commit
            }
        }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let seconds = Date().timeIntervalSince(started)
        print(
            String(
                format: "{\"rows\": %d, \"seconds\": %.3f, \"rows_per_second\": %.0f, \"rows_per_statement\": %d}", rows, seconds,
                Double(rows) / seconds, rowsPerStatement))
    }
}

struct BenchInsertError: Error, CustomStringConvertible {
    var description: String
}

/// The insert loop on a raw sqlite3 connection (inside a transaction the caller opened).
/// Returns the number of rows inserted.
func benchInsertRows(connection: OpaquePointer, csv: String, rowsPerStatement: Int) throws -> Int {
    func prepare(_ n: Int) throws -> OpaquePointer {
        let values = Array(repeating: "(?, ?, ?, ?, ?)", count: n).joined(separator: ", ")
        var stmt: OpaquePointer? = nil
        guard
            sqlite3_prepare_v2(connection, "INSERT INTO obs(region, year, measure, value, status) VALUES \(values)", -1, &stmt, nil)
                == SQLITE_OK, let stmt
        else {
            throw BenchInsertError(description: "cannot prepare the insert: \(String(cString: sqlite3_errmsg(connection)))")
        }
        return stmt
    }
    let batch = try prepare(rowsPerStatement)
    defer { sqlite3_finalize(batch) }

    let fd = open(csv, O_RDONLY)
    guard fd >= 0 else { throw BenchInsertError(description: "\(csv): cannot open: \(String(cString: strerror(errno)))") }
    defer { close(fd) }

    // Text bound with SQLITE_STATIC must stay put until the step: each row of a batch gets its
    // own slot of UTF-8 scratch space.
    let slot = 1024
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: slot * rowsPerStatement * 2)
    defer { scratch.deallocate() }
    let chunkSize = 1 << 20
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize + 64 * 1024)
    defer { buffer.deallocate() }
    var carry = 0
    var rows = 0
    var header = true

    /// A parsed row; its text lives in the row's scratch slot until the batch is stepped.
    struct Parsed {
        var text: UnsafeMutablePointer<UInt8>
        var regionLength: Int32
        var measureStart: Int
        var measureLength: Int32
        var year: Int64
        var value: Double?
        var statusStart: Int
        var statusLength: Int32
    }
    var pending: [Parsed] = []
    pending.reserveCapacity(rowsPerStatement)

    func bindAndStep(_ stmt: OpaquePointer) throws {
        for (r, row) in pending.enumerated() {
            let base = Int32(r * 5)
            sqlite3_bind_text(stmt, base + 1, UnsafeRawPointer(row.text).assumingMemoryBound(to: CChar.self), row.regionLength, nil)
            sqlite3_bind_int64(stmt, base + 2, row.year)
            sqlite3_bind_text(
                stmt, base + 3, UnsafeRawPointer(row.text + row.measureStart).assumingMemoryBound(to: CChar.self), row.measureLength, nil)
            if let v = row.value {
                sqlite3_bind_double(stmt, base + 4, v)
                sqlite3_bind_null(stmt, base + 5)
            } else {
                sqlite3_bind_null(stmt, base + 4)
                sqlite3_bind_text(
                    stmt, base + 5, UnsafeRawPointer(row.text + row.statusStart).assumingMemoryBound(to: CChar.self), row.statusLength, nil)
            }
        }
        let rc = sqlite3_step(stmt)
        guard rc == SQLITE_DONE else {
            throw BenchInsertError(description: "insert failed: \(String(cString: sqlite3_errmsg(connection)))")
        }
        sqlite3_reset(stmt)
        rows += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// One line (without its end): region code, year, measure, value.
    func insertLine(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) throws {
        var bounds: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
        var f = 0
        var start = 0
        var i = 0
        while i <= n {
            if i == n || p[i] == UInt8(ascii: ";") {
                var s = start, e = i
                if e > s && p[s] == UInt8(ascii: "\"") { s += 1 }
                if e > s && p[e - 1] == UInt8(ascii: "\"") { e -= 1 }
                switch f {
                case 0: bounds.0 = s; bounds.1 = e
                case 1: bounds.2 = s; bounds.3 = e
                case 2: bounds.4 = s; bounds.5 = e
                case 3: bounds.6 = s; bounds.7 = e
                default: break
                }
                f += 1
                start = i + 1
            }
            i += 1
        }
        guard f == 4, bounds.5 - bounds.4 < slot / 2 else {
            throw BenchInsertError(
                description: "expected 4 short fields: \(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))")
        }
        let text = scratch + pending.count * slot * 2
        var t = 0
        // Region: the code before the first space.
        var k = bounds.0
        while k < bounds.1 && p[k] != UInt8(ascii: " ") { text[t] = p[k]; t += 1; k += 1 }
        let regionLength = Int32(t)
        // Measure: ISO-8859-1 to UTF-8.
        let measureStart = t
        for k in bounds.4..<bounds.5 {
            let b = p[k]
            if b < 0x80 { text[t] = b; t += 1 } else { text[t] = 0xC0 | (b >> 6); text[t + 1] = 0x80 | (b & 0x3F); t += 2 }
        }
        let measureLength = Int32(t - measureStart)
        var year: Int64 = 0
        for k in bounds.2..<bounds.3 { year = year * 10 + Int64(p[k] &- 0x30) }
        // Value: a decimal-comma number, or a symbol kept as the status.
        let vs = bounds.6, ve = bounds.7
        var value: Double? = nil
        let statusStart = t
        if ve > vs && ((p[vs] >= 0x30 && p[vs] <= 0x39) || (p[vs] == UInt8(ascii: "-") && ve - vs > 1)) {
            var neg = false
            var k = vs
            if p[k] == UInt8(ascii: "-") { neg = true; k += 1 }
            var mant: Int64 = 0
            var scale = 1.0
            var frac = false
            while k < ve {
                let b = p[k]
                if b == UInt8(ascii: ",") || b == UInt8(ascii: ".") {
                    frac = true
                } else {
                    mant = mant &* 10 &+ Int64(b &- 0x30)
                    if frac { scale *= 10 }
                }
                k += 1
            }
            value = (neg ? -1 : 1) * Double(mant) / scale
        } else {
            for k in vs..<ve { text[t] = p[k]; t += 1 }
        }
        pending.append(
            Parsed(
                text: text, regionLength: regionLength, measureStart: measureStart, measureLength: measureLength,
                year: year, value: value, statusStart: statusStart, statusLength: Int32(t - statusStart)))
        if pending.count == rowsPerStatement { try bindAndStep(batch) }
    }

    while true {
        let got = read(fd, buffer + carry, chunkSize)
        if got < 0 { if errno == EINTR { continue }; throw BenchInsertError(description: "\(csv): read failed") }
        let end = carry + got
        var lineStart = 0
        var i = 0
        while i < end {
            if buffer[i] == 0x0A {
                var e = i
                if e > lineStart && buffer[e - 1] == 0x0D { e -= 1 }
                if header { header = false } else if e > lineStart { try insertLine(buffer + lineStart, e - lineStart) }
                lineStart = i + 1
            }
            i += 1
        }
        if got == 0 {
            if lineStart < end {
                var e = end
                if buffer[e - 1] == 0x0D { e -= 1 }
                if !header && e > lineStart { try insertLine(buffer + lineStart, e - lineStart) }
            }
            break
        }
        carry = end - lineStart
        guard carry <= 64 * 1024 else { throw BenchInsertError(description: "\(csv): a line longer than 64 KiB") }
        if carry > 0 { memmove(buffer, buffer + lineStart, carry) }
    }
    // The rest of a partial batch, on a statement of its size.
    if !pending.isEmpty {
        let tail = try prepare(pending.count)
        defer { sqlite3_finalize(tail) }
        try bindAndStep(tail)
    }
    return rows
}
