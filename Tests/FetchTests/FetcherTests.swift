import Foundation
import Testing
@testable import Fetch

/// End-to-end fetches against a fake SSB on 127.0.0.1; nothing leaves the machine.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FetcherTests {
    static let original = Fixture.cells(Fixture.data("dataset_05300.json"))

    @Test func tableIsLandedWithItsOriginAndNotDownloadedAgainWhileUpdatedIsUnchanged() async throws {
        let h = try Harness()
        defer { h.close() }
        let path = h.path("landing/05300.json")
        let spec = Harness.wholeTable(path: path)

        let first = await h.fetcher.fetch(spec)
        #expect(first.status == .fetched, "\(first.summary)")
        #expect(first.requests == 2 && first.dataRequests == 1 && first.cells == 432)
        #expect(Fixture.cells(try Data(contentsOf: URL(fileURLWithPath: path))) == Self.original)
        let origin = try #require(Origin.read(besides: path))
        #expect(origin.kind == "pxweb" && origin.table == "05300" && origin.updated == "2022-05-24T06:00:00Z")
        #expect(
            origin.url
                == "\(h.server.base)/api/v2/tables/05300/data?lang=no&outputFormat=json-stat2&valueCodes[Avstand1]=*&valueCodes[Kulturtilbud]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*"
        )
        #expect(
            origin.query
                == "lang=no&outputFormat=json-stat2&valueCodes[Avstand1]=*&valueCodes[Kulturtilbud]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*"
        )
        #expect(origin.urls == [origin.url] && origin.cells == 432 && origin.requests == 2)
        #expect(h.seen("/metadata").first?.query == ["lang": "no", "outputFormat": "json-stat2"])

        let before = h.server.requests.count
        let second = await h.fetcher.fetch(spec)
        #expect(second.status == .unchanged)
        #expect(second.reason == "table updated 2022-05-24T06:00:00Z, as when last fetched")
        let later = h.server.requests.dropFirst(before)
        #expect(later.map(\.path) == ["/api/v2/tables/05300/metadata"], "no data request while `updated` is unchanged")

        h.ssb.updated = "2026-03-05T07:00:00Z"
        let third = await h.fetcher.fetch(spec)
        #expect(third.status == .fetched)
        #expect(Origin.read(besides: path)?.updated == "2026-03-05T07:00:00Z")
        #expect(h.everythingStayedLocal)
    }

    @Test func changedSelectionIsDownloadedEvenIfUpdatedIsUnchanged() async throws {
        let h = try Harness()
        defer { h.close() }
        let path = h.path("05300.json")
        _ = await h.fetcher.fetch(Harness.wholeTable(path: path))
        var spec = Harness.wholeTable(path: path)
        spec.select?["Tid"] = .codes(["2016", "2021"])
        let r = await h.fetcher.fetch(spec)
        #expect(r.status == .fetched && r.cells == 96)
        #expect(h.seen("/data").count == 2)
    }

    @Test func tooManyRequestsIsRetriedAfterTheServersRetryAfter() async throws {
        let h = try Harness()
        defer { h.close() }
        h.ssb.enqueue(
            .text("slow down", status: 429, headers: ["Retry-After": "1"]),
            .text("busy", status: 503), .text("busy", status: 503))
        let path = h.path("05300.json")
        let r = await h.fetcher.fetch(Harness.wholeTable(path: path))
        #expect(r.status == .fetched, "\(r.summary)")
        #expect(h.clock.sleeps == [1, 1, 2], "Retry-After: 1, then backoff 0.5 × 2^(n-1) for 503 without Retry-After")
        #expect(h.seen("/data").count == 4)
        #expect(r.requests == 5)
        #expect(Fixture.cells(try Data(contentsOf: URL(fileURLWithPath: path))) == Self.original)
        #expect(h.everythingStayedLocal)
    }

    @Test func retryAfterIsCappedAndThrottlingGivesUpAfterItsRetries() async throws {
        let h = try Harness()
        defer { h.close() }
        h.settings.throttleRetries = 2
        h.settings.retryAfterCap = 30
        h.ssb.always = .text("slow down", status: 429, headers: ["Retry-After": "3600"])
        let r = await h.fetcher.fetch(Harness.wholeTable(path: h.path("05300.json")))
        #expect(r.status == .failed)
        #expect(h.clock.sleeps == [30, 30])
        #expect(h.seen("/data").count == 3)
        #expect(
            r.reason
                == "GET \(h.server.base)/api/v2/tables/05300/data?lang=no&outputFormat=json-stat2&valueCodes[Avstand1]=*&valueCodes[Kulturtilbud]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=*: HTTP 429: still refused after 2 retries"
        )
    }

    @Test func queryRefusedAsTooBigIsHalvedUntilItPassesAndReassembled() async throws {
        let h = try Harness()
        defer { h.close() }
        h.ssb.forbidOver = 100
        let path = h.path("05300.json")
        let r = await h.fetcher.fetch(Harness.wholeTable(path: path))
        #expect(r.status == .fetched, "\(r.summary)")
        let data = h.seen("/data")
        // 432 → 2 × 216 → 4 × 108 → 8 × 54: 7 refusals, 8 parts.
        #expect(data.count == 15)
        #expect(data.map(Harness.cells).sorted(by: >) == [432, 216, 216, 108, 108, 108, 108] + Array(repeating: 54, count: 8))
        #expect(r.dataRequests == 8)
        #expect(Fixture.cells(try Data(contentsOf: URL(fileURLWithPath: path))) == Self.original)
        #expect(Origin.read(besides: path)?.urls.count == 8)
        #expect(h.everythingStayedLocal)
    }

    @Test func queryOverTheCellLimitIsSplitBeforeSendingAndReassembled() async throws {
        let h = try Harness()
        defer { h.close() }
        h.settings.maxCells = 100
        h.ssb.forbidOver = 100
        let path = h.path("05300.json")
        let r = await h.fetcher.fetch(Harness.wholeTable(path: path))
        #expect(r.status == .fetched)
        #expect(h.seen("/data").count == 8, "no 403: the planner split first")
        #expect(Fixture.cells(try Data(contentsOf: URL(fileURLWithPath: path))) == Self.original)
    }

    @Test func csvPartsAreJoinedWithOneHeader() async throws {
        let h = try Harness()
        defer { h.close() }
        h.settings.maxCells = 100
        let path = h.path("05300.csv")
        let r = await h.fetcher.fetch(Harness.wholeTable(path: path, format: .csv))
        #expect(r.status == .fetched)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 1 + 48)
        #expect(lines.filter { $0.hasPrefix("\"avstand\"") }.count == 1)
        #expect(h.seen("/data").allSatisfy { $0.query["outputFormat"] == "csv" })
    }

    @Test func dryRunListsTheRequestsWithCellCountsAndDownloadsNoData() async throws {
        let h = try Harness()
        defer { h.close() }
        h.settings.maxCells = 100
        let plan = await h.fetcher.plan(Harness.wholeTable(path: h.path("05300.json")))
        #expect(plan.error == nil)
        #expect(plan.requests.count == 8 && plan.requests.allSatisfy { $0.cells == 54 })
        #expect(plan.totalCells == 432)
        #expect(
            plan.requests[0].url.hasSuffix(
                "valueCodes[Avstand1]=*&valueCodes[Kulturtilbud]=01&valueCodes[ContentsCode]=*&valueCodes[Tid]=*"))
        #expect(plan.lookups == ["\(h.server.base)/api/v2/tables/05300/metadata?lang=no&outputFormat=json-stat2"])
        #expect(h.seen("/data").isEmpty)
    }

    @Test func codeListWithStarIsResolvedFromTheCodeListAndSentWithIt() async throws {
        let h = try Harness()
        defer { h.close() }
        h.ssb.patchMetadata { m in
            var dims = m["dimension"] as! [String: Any]
            var a = dims["Avstand1"] as! [String: Any]
            a["extension"] = ["elimination": false, "codelists": [["id": "agg_Test", "label": "Test", "type": "Aggregation"]]]
            dims["Avstand1"] = a
            m["dimension"] = dims
        }
        var spec = Harness.wholeTable(path: h.path("x.json"))
        spec.codelist = ["Avstand1": "agg_Test"]
        let plan = await h.fetcher.plan(spec)
        #expect(plan.error == nil, "\(plan.error ?? "")")
        #expect(plan.requests.map(\.cells) == [2 * 8 * 1 * 9])
        #expect(plan.requests[0].url.contains("valueCodes[Avstand1]=*&codelist[Avstand1]=agg_Test&"))
        #expect(h.seen("/codeLists/agg_Test").first?.query == ["lang": "no"])
    }

    @Test func truncatedBodyKeepsYesterdaysFileAndMarksItStale() async throws {
        let h = try Harness()
        defer { h.close() }
        let path = h.path("05300.json")
        let old = Data(#"{"yesterday": true}"#.utf8)
        try old.write(to: URL(fileURLWithPath: path))
        let sidecar = Data(
            #"{"kind":"pxweb","url":"x","urls":[],"query":"q","format":"json-stat2","fetched_at":"2024-01-01T00:00:00Z","updated":"2020-01-01T00:00:00Z","requests":2,"bytes":19}"#
                .utf8)
        try sidecar.write(to: URL(fileURLWithPath: path + ".origin.json"))
        let full = Fixture.json(Fixture.slice(h.ssb.dataset, [:])!)
        h.ssb.always = ScriptedResponse(status: 200, headers: ["Content-Type": "application/json"], body: full, truncateTo: full.count / 2)

        let r = await h.fetcher.fetch(Harness.wholeTable(path: path))
        #expect(r.status == .stale)
        #expect(r.reason?.contains("after 3 attempts") == true, "\(r.reason ?? "")")
        #expect(h.seen("/data").count == 1 + h.settings.failureRetries)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == old)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + ".origin.json")) == sidecar)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: h.dir).sorted() == ["05300.json", "05300.json.origin.json"],
            "no temporary file left behind")
        #expect(h.everythingStayedLocal)
    }

    @Test func unparseableBodyOfTheAnnouncedLengthIsAFailureToo() async throws {
        let h = try Harness()
        defer { h.close() }
        let path = h.path("05300.json")
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        h.ssb.always = .json(Data(#"{"class":"dataset","id":["Avstand1"#.utf8))
        let r = await h.fetcher.fetch(Harness.wholeTable(path: path))
        #expect(r.status == .stale)
        #expect(r.reason?.contains("not valid JSON") == true, "\(r.reason ?? "")")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    }

    @Test func serverErrorIsRetriedThenTheFetchIsStale() async throws {
        let h = try Harness()
        defer { h.close() }
        let path = h.path("05300.json")
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        h.ssb.always = .json(Data(#"{"title":"Internal Server Error"}"#.utf8), status: 500)
        let r = await h.fetcher.fetch(Harness.wholeTable(path: path))
        #expect(r.status == .stale)
        #expect(h.seen("/data").count == 3)
        #expect(h.clock.sleeps == [0.5, 1])
        #expect(r.reason?.hasSuffix("HTTP 500: Internal Server Error (after 3 attempts)") == true, "\(r.reason ?? "")")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")

        let none = await h.fetcher.fetch(Harness.wholeTable(path: h.path("never.json")))
        #expect(none.status == .failed && !none.usable)
        #expect(!FileManager.default.fileExists(atPath: h.path("never.json")))
        #expect(h.everythingStayedLocal)
    }

    @Test func redirectIsNotFollowed() async throws {
        let h = try Harness()
        defer { h.close() }
        h.ssb.always = ScriptedResponse(status: 302, headers: ["Location": "\(h.server.base)/elsewhere"])
        let r = await h.fetcher.fetch(Harness.wholeTable(path: h.path("05300.json")))
        #expect(r.status == .failed)
        #expect(r.reason?.contains("HTTP 302: redirect to \(h.server.base)/elsewhere refused") == true, "\(r.reason ?? "")")
        #expect(h.seen("/elsewhere").isEmpty)
    }

    @Test func badRequestIsNotRetried() async throws {
        let h = try Harness()
        defer { h.close() }
        h.ssb.always = .json(Data(#"{"title":"Bad Request","detail":"Unknown value code 99"}"#.utf8), status: 400)
        let r = await h.fetcher.fetch(Harness.wholeTable(path: h.path("05300.json")))
        #expect(r.status == .failed)
        #expect(r.reason?.hasSuffix("HTTP 400: Bad Request — Unknown value code 99") == true, "\(r.reason ?? "")")
        #expect(h.seen("/data").count == 1)
    }

    @Test func klassChangeListIsLandedAndNotDownloadedAgainWhenNotModified() async throws {
        let h = try Harness()
        defer { h.close() }
        let path = h.path("klass/131.json")
        let spec = FetchSpec.klass(131, from: "2017-01-01", to: "2025-01-02", path: path, id: "klass_131")
        let first = await h.fetcher.fetch(spec)
        #expect(first.status == .fetched, "\(first.summary)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == FakeSSB.changes)
        let req = try #require(h.seen("/changes").first)
        #expect(req.query == ["from": "2017-01-01", "to": "2025-01-02"])
        #expect(req.headers["accept"] == "application/json")
        let origin = try #require(Origin.read(besides: path))
        #expect(origin.etag == "\"klass-v1\"" && origin.classification == 131 && origin.query == "from=2017-01-01&to=2025-01-02")

        let second = await h.fetcher.fetch(spec)
        #expect(second.status == .unchanged && second.reason == "not modified (ETag)")
        #expect(h.seen("/changes").last?.headers["if-none-match"] == "\"klass-v1\"")
        #expect(h.everythingStayedLocal)
    }

    @Test func aURLOutsideTheConfiguredBasesIsNeverRequested() async throws {
        let h = try Harness()
        defer { h.close() }
        var trace = Fetcher.Trace(source: "t")
        await #expect(throws: FetchError.self) {
            try await h.fetcher.perform(HTTPRequest(url: URL(string: "http://127.0.0.2:\(h.server.port)/x")!), trace: &trace) { _ in }
        }
        #expect(h.client.urls.isEmpty && h.server.requests.isEmpty)
    }
}
