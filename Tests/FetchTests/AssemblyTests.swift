import Foundation
import Testing
@testable import Fetch

@Suite struct AssemblyTests {
    let dataset = Fixture.object("dataset_05300.json")

    func part(_ selection: [String: [String]]) -> Data { Fixture.json(Fixture.slice(dataset, selection)!) }

    @Test func partsSplitAlongOneDimensionMergeBackIntoTheOriginal() throws {
        let parts = [part(["Kulturtilbud": ["01", "02", "03"]]), part(["Kulturtilbud": ["04", "05", "06", "07", "08"]])]
        let merged = try Assembly.mergeJSONStat(parts)
        let original = Fixture.cells(Fixture.data("dataset_05300.json"))
        #expect(original.count == 432)
        #expect(Fixture.cells(merged) == original)
        let m = try #require(try JSONSerialization.jsonObject(with: merged) as? [String: Any])
        #expect(m["size"] as? [Int] == [6, 8, 1, 9])
        #expect(m["class"] as? String == "dataset" && m["version"] as? String == "2.0")
        #expect(Fixture.codes(m, "Kulturtilbud") == ["01", "02", "03", "04", "05", "06", "07", "08"])
        // Labels of both parts survive.
        let labels =
            (((m["dimension"] as? [String: Any])?["Kulturtilbud"] as? [String: Any])?["category"] as? [String: Any])?["label"]
            as? [String: Any]
        #expect(labels?.count == 8)
    }

    @Test func partsSplitAlongTwoDimensionsMergeBackRowMajor() throws {
        var parts: [Data] = []
        for k in [["01", "02", "03", "04"], ["05", "06", "07", "08"]] {
            for a in [["01", "02"], ["03", "04"], ["05", "06"]] { parts.append(part(["Kulturtilbud": k, "Avstand1": a])) }
        }
        let merged = try Assembly.mergeJSONStat(parts)
        #expect(Fixture.cells(merged) == Fixture.cells(Fixture.data("dataset_05300.json")))
        let m = try #require(try JSONSerialization.jsonObject(with: merged) as? [String: Any])
        let status = try #require(m["status"] as? [String: String])
        #expect(status["71"] == ".")
    }

    @Test func overlappingPartsAreRefused() {
        let p = part(["Kulturtilbud": ["01"]])
        #expect(throws: FetchError.self) { try Assembly.mergeJSONStat([p, p]) }
    }

    @Test(arguments: [
        ("", "not valid JSON (0 bytes; cut short?)"),
        (
            #"{"class":"dataset","id":["a"],"size":[2],"dimension":{"a":{"category":{"index":["x","y"]}}},"value":[1]}"#,
            "`value` has 1 entries, expected 2 (product of size [2])"
        ),
        (#"{"class":"collection"}"#, "class is \"collection\", expected \"dataset\""),
        (
            #"{"class":"dataset","id":["a"],"size":[2],"dimension":{"a":{"category":{"index":{"x":0,"y":5}}}},"value":[1,2]}"#,
            "dimension a: category y has position 5, outside 0..<2 or taken twice"
        )
    ])
    func brokenDatasetsAreRefusedWithAReason(body: String, message: String) {
        #expect(throws: FetchError.assembly(message)) { try Assembly.validateJSONStat(Data(body.utf8)) }
    }

    @Test func truncatedRealDatasetIsRefused() {
        let d = Fixture.data("dataset_05300.json")
        #expect(throws: FetchError.self) { try Assembly.validateJSONStat(d.prefix(d.count / 2)) }
    }

    @Test func csvPartsJoinKeepingOneHeader() throws {
        let a = Data("\u{FEFF}\"region\",\"2023\"\r\n\"0301\",1\r\n".utf8)
        let b = Data("\u{FEFF}\"region\",\"2023\"\r\n\"1103\",2".utf8)
        let c = Data("\"region\",\"2023\"\r\n\"4601\",3\r\n".utf8)
        let joined = try Assembly.concatCSV([a, b, c])
        #expect(String(decoding: joined, as: UTF8.self) == "\u{FEFF}\"region\",\"2023\"\r\n\"0301\",1\r\n\"1103\",2\r\n\"4601\",3\r\n")
    }

    @Test func csvPartsWithDifferentHeadersAreRefused() {
        #expect(throws: FetchError.self) {
            try Assembly.concatCSV([Data("a,b\n1,2\n".utf8), Data("a,c\n1,2\n".utf8)])
        }
    }
}

@Suite struct RateLimiterTests {
    @Test func thirtyFirstRequestWaitsUntilTheFirstLeavesTheMinute() async throws {
        let clock = VirtualClock()
        let limiter = RateLimiter(limit: 30, window: 60, clock: clock.clock)
        let start = clock.now
        for _ in 0..<30 { try await limiter.acquire() }
        #expect(clock.sleeps.isEmpty)
        try await limiter.acquire()
        #expect(clock.sleeps == [60])
        #expect(clock.now - start == 60)
        for _ in 0..<29 { try await limiter.acquire() }
        #expect(clock.sleeps == [60], "the 29 requests made at t=0 besides the first left the window too")
        try await limiter.acquire()
        #expect(clock.sleeps == [60, 60])
    }

    @Test func requestsSpreadOverTheMinuteAreNotHeld() async throws {
        let clock = VirtualClock()
        let limiter = RateLimiter(limit: 3, window: 60, clock: clock.clock)
        for _ in 0..<9 {
            try await limiter.acquire()
            clock.advance(20)
        }
        #expect(clock.sleeps == Array(repeating: 20, count: 9), "only the test's own steps; the limiter never waited")
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(Fetcher.retryAfter("1", now: now) == 1)
        #expect(Fetcher.retryAfter(" 30 ", now: now) == 30)
        #expect(Fetcher.retryAfter("Tue, 14 Nov 2023 22:13:40 GMT", now: now) == 20)
        #expect(Fetcher.retryAfter("soon", now: now) == nil)
        #expect(Fetcher.retryAfter(nil, now: now) == nil)
    }
}
