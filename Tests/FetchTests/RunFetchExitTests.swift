import Foundation
import Testing

/// `etl run --fetch` through the built binary against the local fake SSB (never the network):
/// a run that had to use a stale source exits 4 unless --allow-stale, and --quiet prints nothing
/// but errors, the fetch summaries included.
@Suite(.serialized) struct RunFetchExitTests {
    /// The built `etl` beside the test bundle (as EndToEndTests' Support finds it).
    static let binary: URL = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("etl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/etl")
    }()

    struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    func etl(_ args: [String], in dir: String) throws -> Outcome {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env["no_proxy"] = "127.0.0.1,localhost"
        env["NO_PROXY"] = "127.0.0.1,localhost"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        p.waitUntilExit()
        group.wait()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
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
        #expect(errors.first?.hasPrefix("error: published with a stale source, the previous file used: kultur (") == true, "\(stale.stderr)")
        #expect(errors.first?.hasSuffix("; pass --allow-stale to accept (exit status 4)") == true, "\(stale.stderr)")

        let quiet = try etl(["run", path, "--fetch", "--full-refresh", "--quiet"], in: h.dir)
        #expect(quiet.status == 4)
        #expect(quiet.stdout.isEmpty)
        #expect(quiet.stderr.split(separator: "\n").count == 1 && quiet.stderr.hasPrefix("error: published with a stale source"), "\(quiet.stderr)")

        let allowed = try etl(["run", path, "--fetch", "--full-refresh", "--allow-stale"], in: h.dir)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(!allowed.stderr.contains("error:"), "\(allowed.stderr)")
        #expect(allowed.stderr.contains("kultur: stale, keeping the previous"), "\(allowed.stderr)")
    }
}
