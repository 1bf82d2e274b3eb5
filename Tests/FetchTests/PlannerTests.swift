import Foundation
import Testing
@testable import Fetch

@Suite struct PlannerTests {
    let meta = try! TableMetadata.parse(Fixture.data("metadata_05300.json"), table: "05300")

    func spec(_ select: [String: ValueSelection], codelist: [String: String]? = nil) -> FetchSpec {
        .pxweb("05300", select: select, codelist: codelist)
    }

    @Test func metadataGivesDimensionsRolesAndUpdatedStamp() {
        #expect(meta.dimensions.map(\.id) == ["Avstand1", "Kulturtilbud", "ContentsCode", "Tid"])
        #expect(meta.dimensions.map(\.codes.count) == [6, 8, 1, 9])
        #expect(meta.dimension("Tid")?.role == .time)
        #expect(meta.dimension("ContentsCode")?.role == .metric)
        #expect(meta.updated == "2022-05-24T06:00:00Z")
    }

    @Test func cellCountIsTheProductOfSelectedValuesWithStarResolvedFromMetadata() throws {
        let r = try RequestPlanner.resolve(
            spec(["Avstand1": .all, "Kulturtilbud": .all, "ContentsCode": .all, "Tid": .codes(["2016", "2021"])]), metadata: meta)
        #expect(r.cells == 6 * 8 * 1 * 2)
        #expect(
            r.readableQuery
                == "lang=no&outputFormat=json-stat2&valueCodes[Avstand1]=*&valueCodes[Kulturtilbud]=*&valueCodes[ContentsCode]=*&valueCodes[Tid]=2016,2021"
        )
        #expect(r.query.contains("valueCodes%5BTid%5D=2016,2021"))
    }

    @Test func oversizedRequestIsSplitAlongTheLargestDimensionThatIsNotTimeOrContents() throws {
        let r = try RequestPlanner.resolve(
            spec(["Avstand1": .all, "Kulturtilbud": .all, "ContentsCode": .all, "Tid": .all]), metadata: meta)
        let parts = try RequestPlanner.split(r, metadata: meta, maxCells: 100)
        // Kulturtilbud (8) is the largest splittable; 54 cells per code, so one code a request.
        #expect(parts.count == 8)
        #expect(parts.allSatisfy { $0.cells == 54 })
        #expect(parts.map { $0.parts[1].codes } == (1...8).map { [String(format: "%02d", $0)] })
        #expect(parts.allSatisfy { p in p.parts.filter { $0.dimension == "Tid" || $0.dimension == "ContentsCode" }.allSatisfy(\.wildcard) })
        #expect(parts[0].readableQuery.contains("valueCodes[Kulturtilbud]=01&"))
    }

    @Test func splitMovesToTheNextDimensionWhenOneCodeIsStillTooBig() throws {
        let r = try RequestPlanner.resolve(
            spec(["Avstand1": .all, "Kulturtilbud": .all, "ContentsCode": .all, "Tid": .all]), metadata: meta)
        let parts = try RequestPlanner.split(r, metadata: meta, maxCells: 20)
        // One Kulturtilbud code is 54 cells; then Avstand1 in twos (18 cells).
        #expect(parts.count == 8 * 3)
        #expect(parts.allSatisfy { $0.cells == 18 })
        #expect(parts.reduce(0) { $0 + $1.cells } == 432)
    }

    @Test func requestOfOnlyTimeAndContentsCannotBeSplit() throws {
        let r = try RequestPlanner.resolve(
            spec(["Avstand1": .codes(["01"]), "Kulturtilbud": .codes(["01"]), "ContentsCode": .all, "Tid": .all]), metadata: meta)
        #expect(
            throws: FetchError.tooBig(
                "request of 9 cells exceeds the limit of 5 and cannot be split (only time and contents dimensions are left); select fewer years or contents codes"
            )
        ) {
            try RequestPlanner.split(r, metadata: meta, maxCells: 5)
        }
    }

    @Test func forbiddenRequestIsHalvedAlongTheLargestSplittableDimension() throws {
        let r = try RequestPlanner.resolve(
            spec(["Avstand1": .all, "Kulturtilbud": .all, "ContentsCode": .all, "Tid": .all]), metadata: meta)
        let halves = try #require(RequestPlanner.halve(r, metadata: meta))
        #expect(halves.0.parts[1].codes == ["01", "02", "03", "04"])
        #expect(halves.1.parts[1].codes == ["05", "06", "07", "08"])
        #expect(halves.0.parts[0].wildcard)
        #expect(!halves.0.parts[1].wildcard)
    }

    @Test func specProblemsNameTheDimensionAndWhatToDo() {
        let s = spec(["Region": .all, "Avstand1": .codes(["01", "99"]), "ContentsCode": .all, "Tid": .all])
        do {
            _ = try RequestPlanner.resolve(s, metadata: meta)
            Issue.record("expected an error")
        } catch FetchError.spec(let problems) {
            #expect(
                problems == [
                    "select.Region: table 05300 has no dimension Region; it has Avstand1, Kulturtilbud, ContentsCode, Tid",
                    "select.Avstand1: code 99 not in table 05300 (it has 01, 02, 03, 04, 05 … 6 codes)",
                    "table 05300: dimension Kulturtilbud (kulturtilbud) cannot be left out; select codes or \"*\""
                ])
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func codeListNotOfferedByTheTableIsRefused() {
        let s = spec(["Avstand1": .all, "Kulturtilbud": .all, "ContentsCode": .all, "Tid": .all], codelist: ["Avstand1": "agg_KommSummer"])
        #expect(throws: FetchError.spec(["codelist.Avstand1: table 05300 offers no code list agg_KommSummer for Avstand1"])) {
            try RequestPlanner.resolve(s, metadata: meta)
        }
    }
}

@Suite struct SpecTests {
    @Test func selectionsDecodeFromStarCodesAndLists() throws {
        let json =
            #"{"kind":"pxweb","table":"12209","select":{"A":"*","B":"0301","C":2023,"D":["1","2"],"E":[2019,2020]},"codelist":{"A":"agg_KommSummer"}}"#
        let s = try JSONDecoder().decode(FetchSpec.self, from: Data(json.utf8))
        #expect(s.select?["A"] == .all)
        #expect(s.select?["B"] == .codes(["0301"]))
        #expect(s.select?["C"] == .codes(["2023"]))
        #expect(s.select?["D"] == .codes(["1", "2"]))
        #expect(s.select?["E"] == .codes(["2019", "2020"]))
        #expect(s.effectiveFormat == .jsonStat2 && s.effectiveLang == "no")
        #expect(s.problems(at: "").isEmpty)
        let k = try JSONDecoder().decode(FetchSpec.self, from: Data(#"{"kind":"klass","from":"2020-01-01"}"#.utf8))
        #expect(k.effectiveClassification == 131 && k.effectiveFormat == .json)
    }

    @Test func exampleFetchFileLoadsWithPathsBesideIt() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("pipelines/fetch-example.json").path
        let f = try FetchFile.load(path: path)
        #expect(f.sources.map(\.kind) == [.pxweb, .pxweb, .klass])
        #expect(f.sources[0].path?.hasSuffix("pipelines/landing/12209_kostra_nokkeltall.json") == true)
        #expect(f.sources[0].codelist == ["KOKkommuneregion0000": "agg_KommSummer"])
    }

    @Test func fetchFileReportsEveryProblemAtOnce() throws {
        let path = NSTemporaryDirectory() + "fetch-spec-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(
            #"""
            {"sources": [
              {"id": "a", "kind": "pxweb", "path": "a.json"},
              {"id": "b", "kind": "klass", "from": "2020-13-01", "format": "json-stat2", "path": "b.json"},
              {"id": "a", "kind": "pxweb", "table": "1", "select": {"Tid": []}}
            ]}
            """#.utf8
        ).write(to: URL(fileURLWithPath: path))
        #expect(
            throws: FetchError.spec([
                "\(path): error: sources[0] (a): a pxweb source needs `table` (the table id, e.g. \"12209\")",
                "\(path): error: sources[1] (b): format \"json-stat2\" is for pxweb; a klass source takes json or csv",
                "\(path): error: sources[1] (b): from \"2020-13-01\" is not a date YYYY-MM-DD",
                "\(path): error: sources[2] (a): select.Tid: empty list; give codes or \"*\"",
                "\(path): error: sources[2] (a): needs `path` (where to land the file)",
                "\(path): error: sources[2] (a): duplicate id \"a\""
            ])
        ) { try FetchFile.load(path: path) }
    }

    @Test func unknownKindIsReportedWithItsPlace() throws {
        let path = NSTemporaryDirectory() + "fetch-spec-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"[{"kind": "ftp", "path": "x"}]"#.utf8).write(to: URL(fileURLWithPath: path))
        do { _ = try FetchFile.load(path: path); Issue.record("expected an error") } catch FetchError.spec(let problems) {
            #expect(problems.count == 1)
            #expect(problems[0].hasPrefix("\(path): error: [0].kind: "))
        }
    }
}
