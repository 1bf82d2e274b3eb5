import Foundation
import Testing
import TestSupport

/// `etl run --fetch` through the built binary against the local fake SSB (never the network):
/// a run that had to use a stale source exits 4 unless --allow-stale, and --quiet prints nothing
/// but errors, the fetch summaries included.
// Command-line contract (process): exit status 4, --allow-stale and --quiet of `etl run --fetch`.
@Suite(.serialized) struct RunFetchExitTests {
    /// Runs the built `etl` with local addresses exempt from any proxy (the fake SSB is local).
    func etl(_ args: [String], in dir: String) throws -> ProcessResult {
        try runProcess(etlBinary, args, in: URL(fileURLWithPath: dir), environment: environmentWithoutProxyForLocalhost())
    }

    @Test func aRunOnAStaleSourceExits4UnlessAllowed() throws {
        let h = try Harness()
        defer { h.close() }
        let path = try PipelineFetchTests().pipeline(h)
        let first = try etl(["run", path, "--fetch", "--quiet"], in: h.dir)
        #expect(first.status == 0, "\(first.stderr)")
        // --quiet: nothing at all on either stream when all is well, fetch summaries included.
        #expect(first.stdout.isEmpty && first.stderr.isEmpty, "stdout: \(first.stdout) stderr: \(first.stderr)")

        // The table changed, but SSB refuses the data: yesterday's file is used, flagged stale.
        h.ssb.updated = "2026-03-05T07:00:00Z"
        h.ssb.always = .json(Data(#"{"title":"Bad Request","detail":"try later"}"#.utf8), status: 400)
        let stale = try etl(["run", path, "--fetch", "--full-refresh"], in: h.dir)
        #expect(stale.status == 4, "\(stale.stderr)")
        let errors = stale.stderr.split(separator: "\n").filter { $0.contains("error:") }
        #expect(errors.count == 1, "\(stale.stderr)")
        #expect(
            errors.first?.hasPrefix("error: published with a stale source, the previous file used: kultur (") == true, "\(stale.stderr)")
        #expect(errors.first?.hasSuffix("; pass --allow-stale to accept (exit status 4)") == true, "\(stale.stderr)")

        let quiet = try etl(["run", path, "--fetch", "--full-refresh", "--quiet"], in: h.dir)
        #expect(quiet.status == 4)
        #expect(quiet.stdout.isEmpty)
        #expect(
            quiet.stderr.split(separator: "\n").count == 1 && quiet.stderr.hasPrefix("error: published with a stale source"),
            "\(quiet.stderr)")

        let allowed = try etl(["run", path, "--fetch", "--full-refresh", "--allow-stale"], in: h.dir)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(!allowed.stderr.contains("error:"), "\(allowed.stderr)")
        #expect(allowed.stderr.contains("kultur: stale, keeping the previous"), "\(allowed.stderr)")
    }
}
