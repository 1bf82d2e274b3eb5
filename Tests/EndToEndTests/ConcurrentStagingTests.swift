import Foundation
import GRDB
import Testing
import TestSupport
@testable import Pipeline
import Warehouse

/// Staging reads a file on one thread and writes it on another, a few thousand rows per
/// hand-over. These tests use files of many hand-overs, so rejects, duplicates and errors
/// fall in batches that were already written.
// Behaviour (in process): every run here is in this process.
@Suite struct ConcurrentStagingTests {
    /// Rejected and duplicate rows far apart in a large file are all recorded with their lines,
    /// and the source's counts add up to the rows of the file.
    @Test func rejectsAndDuplicatesAcrossHandOversAreAllRecorded() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv")
        var bytes = try KillTests.enlarged(big, catalog: dir.appendingPathComponent("pipelines/kommuneendringer.csv"))
        let linesBefore = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count - 1
        // Line numbers of the three bad rows: after every row of the enlarged file.
        bytes += KillTests.latin1("\"9997 Ukjent\";\"2020\";\"Plasser i institusjon (antall)\";5\r\n") // valid in no year
        bytes += KillTests.latin1("\"0124 Askim (-2019)\";\"2015\";\"Tilleggsvariabel 1 (antall)\";1\r\n") // a duplicate
        bytes += KillTests.latin1("\"9998 Ukjent\";\"2021\";\"Plasser i institusjon (antall)\";6\r\n")
        try Data(bytes).write(to: big)
        let dataRows = linesBefore - 1 + 3 // minus the header line

        let r = runInProcess(in: dir, maxRejects: 10)
        #expect(r.status == 0, "\(r.diagnosis)")
        #expect(dataRows > 3 * StagingSink.opsPerMessage, "the file must span several hand-overs")
        let db = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        try db.read { db in
            // A duplicate is found when its batch is written, so rejects are ordered by line here.
            let rejects = try Row.fetchAll(db, sql: "SELECT location, error FROM etl_reject WHERE source_id = 'kostra_12209'")
                .sorted { Int(($0[0] as String).split(separator: ":")[1])! < Int(($1[0] as String).split(separator: ":")[1])! }
            let lines = rejects.map { Int(($0[0] as String).split(separator: ":")[1])! }
            #expect(lines == [linesBefore + 1, linesBefore + 2, linesBefore + 3], "\(rejects)")
            #expect((rejects[1][1] as String).hasPrefix("duplicate cell: 0124 2015 Tilleggsvariabel 1 (antall)"))
            let counts = try Row.fetchOne(db, sql: "SELECT observations, rejected FROM dim_source WHERE source_id = 'kostra_12209'")!
            #expect(counts[1] as Int == 3)
            #expect(counts[0] as Int + 3 == dataRows)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM stg_observation JOIN dim_source USING (source_key) WHERE source_id = 'kostra_12209'")
                    == dataRows - 3)
        }
    }

    /// The rows the writer keeps while staging stand in for a pass over the table: a rerun,
    /// which reads everything back from the table, gives the same facts to the last bit,
    /// the same lineage, groups and warnings.
    @Test func aRerunFromTheTableGivesExactlyWhatTheStagingRunGave() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let kostra = dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv")
        var lines = try #require(String(data: try Data(contentsOf: kostra), encoding: .isoLatin1)).components(separatedBy: "\r\n")
        // A negative count (a warning) in a measure the indicators read.
        let i = try #require(lines.firstIndex { $0.contains("Plasser i institusjon (antall)") })
        lines[i] = lines[i].components(separatedBy: ";").dropLast().joined(separator: ";") + ";-7"
        try Data(KillTests.latin1(lines.joined(separator: "\r\n"))).write(to: kostra)

        func dump() throws -> [String] {
            try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read { db in
                var out = try String.fetchAll(
                    db,
                    sql: """
                        SELECT i.code || '|' || r.code || '|' || f.period_key || '|' || f.breakdown_key || '|' || quote(f.value) || '|' || quote(f.numerator) || '|' ||
                               quote(f.denominator) || '|' || quote(f.weight) || '|' || ifnull(f.status, '') || '|' || f.method || '|' || ifnull(f.note, '')
                        FROM fact_indicator f JOIN dim_indicator i USING (indicator_key) JOIN dim_region r USING (region_key) ORDER BY 1
                        """)
                out += try String.fetchAll(
                    db,
                    sql:
                        "SELECT indicator || '|' || region || '|' || year || '|' || source_region || '|' || source_year || '|' || quote(share) FROM v_lineage ORDER BY 1"
                )
                out += try String.fetchAll(
                    db,
                    sql:
                        "SELECT group_key || '|' || indicator_key || '|' || period_key || '|' || quote(mean) || '|' || quote(weighted) || '|' || quote(median) FROM fact_group_indicator ORDER BY 1"
                )
                out += try String.fetchAll(
                    db, sql: "SELECT message FROM etl_warning WHERE run_id = (SELECT max(run_id) FROM etl_run) ORDER BY rowid")
                return out
            }
        }
        let run = runInProcess(in: dir)
        #expect(run.status == 0, "\(run.diagnosis)")
        let staged = try dump()
        #expect(staged.contains { $0.contains("negative count -7.0") }, "the warning this test relies on")
        let rerun = runInProcess(in: dir, rerun: true)
        #expect(rerun.status == 0, "\(rerun.diagnosis)")
        let reread = try dump()
        #expect(staged.count == reread.count)
        #expect(staged == reread)
    }

    /// A reader error after many rows were written fails the run with the reader's own message
    /// and leaves the previous warehouse as it was.
    @Test func anErrorLateInALargeFileLeavesThePreviousWarehouse() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = runInProcess(in: dir)
        #expect(first.status == 0, "\(first.diagnosis)")
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        func state() throws -> [String] {
            try openWarehouse(warehouse).read { db in
                [
                    try String.fetchOne(db, sql: "SELECT count(*) || ' ' || total(value) FROM fact_indicator") ?? "",
                    try String.fetchOne(db, sql: "SELECT count(*) || ' ' || total(value) FROM stg_observation") ?? "",
                    try String.fetchOne(db, sql: "SELECT group_concat(status) FROM etl_run WHERE status <> 'failed'") ?? ""
                ]
            }
        }
        let before = try state()

        let big = dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv")
        var bytes = try KillTests.enlarged(big, catalog: dir.appendingPathComponent("pipelines/kommuneendringer.csv"))
        let brokenLine = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
        bytes += KillTests.latin1("\"0301 Oslo\";\"2016\";\"Plasser i institusjon (antall)\n")
        try Data(bytes).write(to: big)
        let r = runInProcess(in: dir)
        #expect(r.status == 1)
        #expect(r.message.contains("12209_kostra_nokkeltall.csv:\(brokenLine):"), "\(r.diagnosis)")
        #expect(r.message.contains("ends inside a quoted field"), "\(r.diagnosis)")
        #expect(try state() == before)
    }

    /// When the writing side stops, a reader waiting to hand over is released with an error
    /// instead of waiting for ever, and its last message still arrives.
    @Test func cancellingTheChannelReleasesAWaitingReader() throws {
        let channel = StagingChannel(capacity: 1)
        let sent = ManagedCounter()
        let thread = Thread {
            do {
                for _ in 0..<100 {
                    try channel.send(.batch(StagingBatch(file: "t.csv")))
                    sent.increment()
                }
                channel.finish(.failed(CancellationError()))
            } catch {
                channel.finish(.failed(error))
            }
        }
        thread.start()
        guard case .batch = channel.receive() else { Issue.record("expected a batch first"); return }
        channel.cancel()
        var last = channel.receive()
        while case .batch = last { last = channel.receive() }
        guard case .failed(let error) = last else { Issue.record("expected the reader's last message"); return }
        #expect(error is CancellationError)
        #expect(sent.value < 100)
    }
}

/// A counter two threads may touch.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
