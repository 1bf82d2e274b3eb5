import Foundation
import GRDB
import Testing
import TestSupport
#if canImport(Glibc)
    import Glibc
#endif

/// Crash safety: `etl run` killed with SIGKILL at random moments never leaves a damaged or
/// half-published warehouse. After every kill the warehouse passes `PRAGMA integrity_check`,
/// its content is either the state before the run or the complete new state, and the next run
/// succeeds (clearing the lock the killed run held).
// Command-line contract (process): SIGKILL sent to the binary, and the lock the next process clears.
@Suite(.serialized) struct KillTests {
    static let iterations = 20
    /// Extra statistics variables per region and year in the enlarged KOSTRA file.
    static let extraMeasures = 5

    @Test(.timeLimit(.minutes(5)))
    func sigkillAtRandomMomentsLeavesEitherTheOldOrTheNewWarehouse() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = dir.appendingPathComponent("warehouse/omsorg.sqlite")
        let big = dir.appendingPathComponent("pipelines/sample/12209_kostra_nokkeltall.csv")
        let base = try KillTests.enlarged(big, catalog: dir.appendingPathComponent("pipelines/kommuneendringer.csv"))
        try Data(base + KillTests.changingRows(0)).write(to: big)

        let started = Date()
        var t = Date()
        let first = try etl(["run"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        var runTime = Date().timeIntervalSince(t)
        var previous = try contentDump(warehouse)
        let stagedRows = try openWarehouse(warehouse).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM stg_observation") ?? 0 }
        print("kill test: \(stagedRows) staged rows; a full run takes \(String(format: "%.2f", runTime)) s")

        var seed = UInt64.random(in: 1...UInt64.max)
        if let s = ProcessInfo.processInfo.environment["ETL_KILL_SEED"], let v = UInt64(s) { seed = v }
        var rng = SplitMix64(seed: seed)
        var killedBefore = 0, killedAfter = 0, finished = 0
        for i in 1...KillTests.iterations {
            // Change a source so the run has work to do (a staged value and an indicator input).
            try Data(base + KillTests.changingRows(i)).write(to: big)
            // Half the kills anywhere in the run, half near its end, where it commits and writes its record.
            let delay =
                i % 2 == 1
                ? Double.random(in: 0...runTime, using: &rng) : Double.random(in: (0.7 * runTime)...(1.05 * runTime), using: &rng)
            let p = Process()
            p.executableURL = etlBinary
            p.arguments = ["run"]
            p.currentDirectoryURL = dir
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let wasKilled = p.terminationReason == .uncaughtSignal
            let context = "iteration \(i), killed after \(String(format: "%.3f", delay)) s (seed \(seed))"

            if FileManager.default.fileExists(atPath: warehouse.path) {
                let check = try openWarehouse(warehouse).read { db in
                    (try String.fetchAll(db, sql: "PRAGMA integrity_check"), try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count)
                }
                #expect(check.0 == ["ok"], "\(context): integrity_check says \(check.0)")
                #expect(check.1 == 0, "\(context): foreign keys broken")
            } else {
                Issue.record("\(context): the warehouse file is gone")
            }
            let afterKill = try contentDump(warehouse)

            t = Date()
            let next = try etl(["run"], in: dir)
            #expect(next.status == 0, "\(context): the next run failed: \(next.stderr)")
            runTime = Date().timeIntervalSince(t)
            let complete = try contentDump(warehouse)
            #expect(complete != previous, "\(context): the changed source did not change the warehouse")

            if afterKill == previous {
                killedBefore += 1
            } else if afterKill == complete {
                if wasKilled { killedAfter += 1 } else { finished += 1 }
            } else {
                let lost = Set(previous).symmetricDifference(afterKill).count, gained = Set(complete).symmetricDifference(afterKill).count
                Issue.record(
                    "\(context): the warehouse after the kill is neither the previous state (\(lost) rows differ) nor the complete new one (\(gained) rows differ)"
                )
            }
            // Every run leaves a record; the killed one leaves none or a failed/unfinished one, never a success without its data.
            let statuses = try openWarehouse(warehouse).read { try String.fetchAll($0, sql: "SELECT status FROM etl_run ORDER BY run_id") }
            #expect(statuses.last == "success" || statuses.last == "no_change", "\(context): \(statuses)")
            previous = complete
        }
        let total = Date().timeIntervalSince(started)
        print(
            "kill test: \(KillTests.iterations) SIGKILLs (seed \(seed)): \(killedBefore) left the previous warehouse, \(killedAfter) came after the commit, \(finished) runs had finished; \(String(format: "%.1f", total)) s in all"
        )
        #expect(killedBefore >= 1, "no kill landed before the commit; the test exercised nothing")
    }

    /// The sample KOSTRA file plus rows for every kommune code in the change catalogue, ten
    /// years and a few extra statistics variables, in the file's own dialect (ISO-8859-1, `;`,
    /// CRLF, quoted dimension cells).
    static func enlarged(_ file: URL, catalog: URL) throws -> [UInt8] {
        var out = [UInt8](try Data(contentsOf: file))
        while out.last == 0x0A || out.last == 0x0D { out.removeLast() }
        out += [0x0D, 0x0A]
        var names: [String: String] = [:]
        let lines = try String(contentsOf: catalog, encoding: .utf8).split(separator: "\n").dropFirst()
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4 else { continue }
            names[f[0]] = names[f[0]] ?? f[1]
            names[f[2]] = f[3]
        }
        var text = ""
        var state: UInt64 = 12209
        for code in names.keys.sorted() where code.count == 4 && code.allSatisfy(\.isNumber) {
            for year in 2015...2024 {
                for k in 1...extraMeasures {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    text += "\"\(code) \(names[code]!)\";\"\(year)\";\"Tilleggsvariabel \(k) (antall)\";\(state >> 54)\r\n"
                }
            }
        }
        out += latin1(text)
        return out
    }

    /// Rows that differ in every iteration: a staged-only value and an input of indicators.
    static func changingRows(_ i: Int) -> [UInt8] {
        latin1(
            "\"0301 Oslo\";\"2015\";\"Tilleggsvariabel endret (antall)\";\(i)\r\n\"1103 Stavanger\";\"2020\";\"Plasser i institusjon (antall)\";\(100 + i)\r\n"
        )
    }

    static func latin1(_ s: String) -> [UInt8] {
        s.unicodeScalars.map { $0.value < 0x100 ? UInt8($0.value) : 0x3F }
    }
}
