import Foundation
import GRDB
import Pipeline
import Testing
@testable import Fetch

/// `etl run --fetch` as the runner does it: a pipeline source with a `fetch:` block lands
/// from the (local, fake) SSB, is staged with its origin, and a failed fetch later keeps the
/// previous file, flagged stale in the run record.
// Behaviour (in process): the fetch step and the runner called as the command line calls them.
@Suite(.serialized) struct PipelineFetchTests {
    func pipeline(_ h: Harness) throws -> String {
        let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../pipelines/kommuneendringer.csv")
        try FileManager.default.copyItem(atPath: catalog.path, toPath: h.path("kommuneendringer.csv"))
        try """
        name: fetched
        warehouse: \(h.path("warehouse.sqlite"))
        indicators: indicators.yml
        fetch:
          pxweb_base: \(h.server.base)/api/v2
          klass_base: \(h.server.base)/klass/v1
        sources:
          - id: kultur
            path: landing/05300.json
            format: jsonstat
            dimensions: {Avstand1: geo}
            fetch:
              kind: pxweb
              table: "05300"
              select: {Avstand1: "*", Kulturtilbud: "*", ContentsCode: "*", Tid: "*"}
        measures:
          kino:
            source: kultur
            contents: Avstand
            select: {Kulturtilbud: "01"}
            combine: weighted_mean
            weight: kino
        """.write(toFile: h.path("pipeline.yml"), atomically: true, encoding: .utf8)
        try """
        indicators:
          - code: kino_avstand
            name: Avstand til kino
            unit: prosent
            kind: rate
            measure: kino
            weight: kino
            definition: Share of the population by distance to the nearest cinema.
        """.write(toFile: h.path("indicators.yml"), atomically: true, encoding: .utf8)
        return h.path("pipeline.yml")
    }

    @Test func fetchedSourceIsStagedWithItsOriginAndAFailedFetchRunsOnTheStaleFile() async throws {
        let h = try Harness()
        defer { h.close() }
        let path = try pipeline(h)
        let p = try Pipeline.load(path: path, checkFiles: false)
        var fast = try FetchStep.settings(p)
        fast.backoffBase = 0.01
        fast.backoffCap = 0.02

        let first = try await FetchStep.run(p)
        #expect(first.map(\.status) == [.fetched], "\(first.map(\.summary))")
        var options = RunOptions(pipelinePath: path)
        options.fetched = first
        let run1 = try Runner(options: options).run()
        #expect(run1.status == .success)
        #expect(run1.staged == 432)
        let db = try DatabaseQueue(path: h.path("warehouse.sqlite"))
        let origin = try await db.read { try String.fetchOne($0, sql: "SELECT origin FROM dim_source WHERE source_id = 'kultur'") }
        #expect(origin?.contains("tables/05300/data") == true)
        #expect(h.server.requests.allSatisfy { $0.headers["host"] == "127.0.0.1:\(h.server.port)" })

        // The table changed, but SSB answers 500: the previous landed file is kept and the run goes on with it.
        h.ssb.updated = "2026-03-05T07:00:00Z"
        h.ssb.enqueue(.text("oops", status: 500), .text("oops", status: 500), .text("oops", status: 500), .text("oops", status: 500))
        let fetcher = Fetcher(settings: fast)
        var spec = try #require(p.definition.sources[0].fetch)
        spec.id = "kultur"
        let landing = p.sourcePath(p.definition.sources[0])
        let item = (spec: spec, path: landing)
        let second = await fetcher.fetchAll([item])
        #expect(second.map(\.status) == [.stale], "\(second.map(\.summary))")
        options.fetched = second
        options.fullRefresh = true
        let run2 = try Runner(options: options).run()
        #expect(run2.status == .success)
        #expect(run2.staged == 432)
        #expect(run2.fetch.first?.status == .stale)
        #expect(run2.warnings.contains { $0.contains("source kultur") && $0.contains("stale") })
        let record =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: h.path("runs/last-run.json")))) as? [String: Any]
        #expect(((record?["fetch"] as? [[String: Any]])?.first?["status"] as? String) == "stale")
    }
}
