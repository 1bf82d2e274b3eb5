import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// What the sample pipeline publishes, line by line (scripts/fingerprint.sql: every fact,
/// its lineage, every group statistic, the run's warnings, reals to 17 significant digits),
/// compared with the lines committed under Golden/. A refactoring or an optimisation must
/// leave them bit-identical; a change of a rule that changes numbers on purpose updates the
/// golden file in the same commit, so the review sees every number that moved.
// Behaviour (in process).
@Suite(.serialized) struct FingerprintTests {
    static let query = (try? String(contentsOf: packageRoot.appendingPathComponent("scripts/fingerprint.sql"), encoding: .utf8)) ?? ""

    /// Runs the sample in process into a scratch warehouse and returns its publication lines.
    func publication(structureYear: Int?) throws -> [String] {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = dir.appendingPathComponent("w.sqlite")
        let options = RunOptions(
            pipelinePath: dir.appendingPathComponent("pipelines/sample.yml").path, warehouse: warehouse.path,
            structureYear: structureYear)
        let summary = try Runner(options: options).run()
        #expect(summary.status == .success)
        let db = try openWarehouse(warehouse)
        return try db.read { try String.fetchAll($0, sql: Self.query) }
    }

    func compare(_ lines: [String], golden name: String) throws {
        let url = packageRoot.appendingPathComponent("Tests/EndToEndTests/Golden/\(name)")
        let regenerate =
            "if the change is intended, regenerate with: etl run pipelines/sample.yml [--structure Y] && scripts/fingerprint.sh warehouse/omsorg.sqlite --dump > Tests/EndToEndTests/Golden/\(name)"
        let expected = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init
        )
        .filter { !$0.isEmpty }
        #expect(lines.count == expected.count, "\(name): \(lines.count) lines published, \(expected.count) expected; \(regenerate)")
        let missing = Set(expected).subtracting(lines).sorted().prefix(10)
        let extra = Set(lines).subtracting(expected).sorted().prefix(10)
        #expect(
            missing.isEmpty && extra.isEmpty,
            "\(name): expected but not published:\n\(missing.joined(separator: "\n"))\npublished but not expected:\n\(extra.joined(separator: "\n"))\n\(regenerate)"
        )
    }

    @Test func theSamplePublishesExactlyTheGoldenLines() throws {
        let lines = try publication(structureYear: nil)
        #expect(lines.count > 2000 && lines.contains { $0.hasPrefix("L|") } && lines.contains { $0.hasPrefix("G|") })
        try compare(lines, golden: "sample-latest.txt")
    }

    @Test func theSampleIn2020MunicipalitiesPublishesExactlyTheGoldenLines() throws {
        try compare(try publication(structureYear: 2020), golden: "sample-2020.txt")
    }
}
