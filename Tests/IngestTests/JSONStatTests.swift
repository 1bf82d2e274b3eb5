import Foundation
import Testing
import TestSupport
@testable import Ingest

// Expected numbers below were computed independently with python3's json module on the
// fixture files (row-major over id/size, last dimension fastest).

// MARK: - Helpers

private func fixture(_ relative: String) throws -> String {
    let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return base.appendingPathComponent(relative).path
}

/// Writes `data` to a file in a temporary folder, runs `body` on its path, and removes the folder.
private func withFile<T>(_ data: Data, name: String = "doc.json", _ body: (String) throws -> T) throws -> T {
    try withTemporaryDirectory("jsonstat-tests") { try body($0.write(data, to: name)) }
}

private func read(_ path: String, _ options: JSONStatOptions = JSONStatOptions(), keepRejects: Bool = false) throws -> CollectingSink {
    let reader = try JSONStatReader(path: path, options: options)
    var sink = CollectingSink(stopAtReject: !keepRejects)
    try reader.read(into: &sink)
    return sink
}

private func readText(_ json: String, _ options: JSONStatOptions = JSONStatOptions(), keepRejects: Bool = false) throws -> CollectingSink {
    try withFile(Data(json.utf8)) { try read($0, options, keepRejects: keepRejects) }
}

/// The ReadError a document raises, or nil when it reads.
private func readError(_ json: String, _ options: JSONStatOptions = JSONStatOptions()) throws -> ReadError? {
    do {
        _ = try readText(json, options)
        return nil
    } catch let e as ReadError {
        return e
    }
}

/// The refusal of the file at `path` (TestSupport's `readError` records an issue when there is none).
private func readError(path: String, _ options: JSONStatOptions = JSONStatOptions()) -> ReadError? {
    readError { _ = try read(path, options) }
}

private func sum(_ cells: [Cell]) -> Double { cells.reduce(0) { $0 + ($1.value ?? 0) } }

/// A small valid dataset with the given members replaced.
private func dataset(
    value: String = "[1, 2, 3, 4]", status: String? = nil, size: String = "[2, 2]", extra: String = "",
    sexIndex: String = "[\"M\", \"F\"]"
) -> String {
    """
    {"version": "2.0", "class": "dataset", "id": ["sex", "year"], "size": \(size),
     \(extra)
     "dimension": {"sex": {"label": "sex", "category": {"index": \(sexIndex), "label": {"M": "male", "F": "female"}}},
                   "year": {"category": {"index": ["2020", "2021"]}}},
     \(status.map { "\"status\": \($0)," } ?? "")
     "value": \(value)}
    """
}

// MARK: - Real SSB files

@Suite("JSON-stat: SSB files")
struct JSONStatSSBTests {
    @Test func ssbDatasetReadsEveryCellWithStatuses() throws {
        let path = try fixture("ssb/dataset_05300.json")
        let sink = try read(path, JSONStatOptions(displayName: "dataset_05300.json"))
        #expect(sink.begun.count == 1 && sink.ended.count == 1)
        let schema = try #require(sink.begun.first)
        #expect(schema.dimensions.map(\.id) == ["Avstand1", "Kulturtilbud", "ContentsCode", "Tid"])
        #expect(schema.dimensions.map(\.role) == [.other, .other, .metric, .time])
        #expect(schema.dimensions[0].label == "avstand")
        #expect(schema.dimensions[0].categories["01"]?.name == "Under 1 km")
        #expect(schema.dimensions[3].categories.count == 9)
        #expect(schema.label?.hasPrefix("05300: Avstand til nærmeste lokale/sted") == true)
        #expect(schema.updated == "2022-05-24T06:00:00Z")
        #expect(schema.source == "Statistisk sentralbyrå")
        #expect(schema.metadata["tableid"] == "05300")
        #expect(schema.metadata["extension"]?.contains("\"tableid\":\"05300\"") == true)
        #expect(schema.metadata["unit"] == #"{"Avstand":{"base":"prosent","decimals":0}}"#)

        let cells = try #require(sink.datasets.first)
        #expect(cells.count == 432)
        #expect(cells.filter { $0.value == nil }.count == 28)
        #expect(cells.filter { $0.status == "." }.count == 20)
        #expect(cells.filter { $0.status == ".." }.count == 8)
        #expect(cells.allSatisfy { ($0.value == nil) == ($0.status != nil) })
        #expect(sum(cells) == 6667)
        #expect(cells[0].coordinates == ["01", "01", "Avstand", "1991"])
        #expect(cells[0].value == 16)
        #expect(cells[17].coordinates == ["01", "02", "Avstand", "2021"])
        #expect(cells[17].value == 7)
        #expect(cells[17].location.path == "value[17]")
        #expect(cells[17].location.file == "dataset_05300.json")
        #expect(cells[100].coordinates == ["02", "04", "Avstand", "1994"])
        #expect(cells[100].value == 34)
        #expect(cells[71].coordinates == ["01", "08", "Avstand", "2021"])
        #expect(cells[71].value == nil && cells[71].status == ".")
        #expect(cells[360].coordinates == ["06", "01", "Avstand", "1991"])
        #expect(cells[360].value == nil && cells[360].status == "..")
        #expect(cells[431].status == ".")
    }

    @Test func metadataWithIndexOutsideSizeIsRejectedByDefault() throws {
        let error = try #require(readError(path: try fixture("ssb/metadata_14216.json")))
        #expect(error.message.contains("INDEX_POSITIONS_INVALID"))
        #expect(error.message.contains("\"0801\" has position 159"))
        #expect(error.location.path == "dimension.TettSted.category.index")
        #expect(error.location.line != nil)
    }

    @Test func lenientIndexReranksGappedPositionsWithAWarning() throws {
        let path = try fixture("ssb/metadata_14216.json")
        let reader = try JSONStatReader(path: path, options: JSONStatOptions(lenientIndex: true))
        var sink = CollectingSink(stopAtReject: true)
        try reader.read(into: &sink)
        #expect(sink.begun.count == 1 && sink.ended.count == 1)
        #expect(sink.datasets.count == 1 && sink.datasets[0].isEmpty)
        let schema = try #require(sink.ended.first)
        #expect(schema.dimensions.map(\.id) == ["Region", "TettSted", "ContentsCode", "Tid"])
        #expect(schema.dimensions.map(\.role) == [.geo, .geo, .metric, .time])
        #expect(schema.dimensions[0].categories.count == 120)
        #expect(schema.dimensions[1].categories["0801"]?.name == "Oslo")
        #expect(reader.warnings.contains { $0.message.contains("INDEX_POSITIONS_INVALID") && $0.message.contains("re-ranked") })
        #expect(schema.metadata["warnings"]?.contains("INDEX_POSITIONS_INVALID") == true)
        #expect(schema.metadata["note"] == "Ikke medregnet personer uten opplysninger om bostedstrøk.")
        #expect(schema.metadata["unit"]?.contains("\"base\":\"km²\"") == true)
        #expect(schema.metadata["tableid"] == "14216")
        #expect(schema.metadata["extension.Region"]?.contains("\"elimination\":true") == true)
    }

    @Test func regionLabelsLoseTheirValidityBrackets() throws {
        let sink = try read(try fixture("ssb/metadata_14216.json"), JSONStatOptions(lenientIndex: true))
        let region = try #require(sink.begun.first?.dimensions.first)
        #expect(region.categories["3014"] == CategoryLabel(name: "Indre Østfold", validFrom: 2020, validTo: 2023))
        #expect(region.categories["3118"] == CategoryLabel(name: "Indre Østfold"))
        #expect(region.categories["0101"] == CategoryLabel(name: "Halden", validTo: 2019))
        // Brackets that are not years stay in the name.
        #expect(region.categories["3114"] == CategoryLabel(name: "Våler (Østfold)"))
    }

    @Test func emptyValueArrayIsAMetadataResponseWithoutCells() throws {
        let reader = try JSONStatReader(path: try fixture("ssb/metadata_05300.json"))
        var sink = CollectingSink(stopAtReject: true)
        try reader.read(into: &sink)
        #expect(sink.begun.count == 1 && sink.ended.count == 1)
        #expect(sink.datasets[0].isEmpty)
        #expect(sink.begun[0].dimensions.map(\.id) == ["Avstand1", "Kulturtilbud", "ContentsCode", "Tid"])
        #expect(reader.warnings.contains { $0.message.contains("metadata response") })
    }

    @Test func pxWebTableDescriptionIsNotJSONStat() throws {
        let error = try #require(readError(path: try fixture("ssb/table_v2_05300.json")))
        #expect(error.message.contains("STRUCTURAL_VIOLATION"))
        #expect(error.message.contains("not a JSON-stat document"))
    }
}

// MARK: - json-stat.org and statistics office samples

@Suite("JSON-stat: samples")
struct JSONStatSampleTests {
    @Test func canadaBroadcastsItsSingleStatus() throws {
        let sink = try read(try fixture("jsonstat-samples/canada.json"))
        let schema = try #require(sink.begun.first)
        #expect(schema.dimensions.map(\.id) == ["country", "year", "age", "concept", "sex"])
        #expect(schema.dimensions.map(\.role) == [.geo, .time, .other, .metric, .other])
        // A dimension with a label and no index has one category.
        #expect(schema.dimensions[0].categories == ["CA": CategoryLabel(name: "Canada")])
        #expect(schema.metadata["unit"]?.contains("thousands of persons") == true)
        let cells = sink.datasets[0]
        #expect(cells.count == 120)
        #expect(cells.allSatisfy { $0.status == "a" })
        #expect(abs(sum(cells) - 140121.4) < 1e-6)
        #expect(cells[0].coordinates == ["CA", "2012", "T", "POP", "T"] && cells[0].value == 34880.5)
        #expect(cells[60].coordinates == ["CA", "2012", "49", "POP", "T"] && cells[60].value == 2681.3)
        #expect(cells[119].coordinates == ["CA", "2012", "older", "PERCENT", "F"] && cells[119].value == 1)
    }

    @Test func galiciaKeepsNulls() throws {
        let sink = try read(try fixture("jsonstat-samples/galicia.json"))
        #expect(sink.begun[0].dimensions.map(\.id) == ["birth", "age", "gender", "time", "residence", "concept"])
        let cells = sink.datasets[0]
        #expect(cells.count == 3960)
        #expect(cells.filter { $0.value == nil }.count == 4)
        #expect(sum(cells) == 87493659)
        #expect(cells[1980].coordinates == ["G", "T", "T", "2001", "T", "pop"] && cells[1980].value == 172017)
        #expect(cells[3278].coordinates == ["A", "100", "T", "2011", "32", "pop"] && cells[3278].value == nil && cells[3278].status == nil)
        #expect(cells[3959].coordinates == ["F", "100", "F", "2011", "36", "pop"] && cells[3959].value == 11)
    }

    @Test func hierarchySparseNullIsOneCell() throws {
        let sink = try read(try fixture("jsonstat-samples/hierarchy.json"))
        #expect(sink.begun[0].dimensions.map(\.id) == ["commodity"])
        #expect(sink.begun[0].dimensions[0].categories.count == 132)
        #expect(sink.datasets[0].count == 1)
        #expect(sink.datasets[0][0].coordinates == ["T"] && sink.datasets[0][0].value == nil)
        #expect(sink.datasets[0][0].location.path == "value[\"0\"]")
    }

    @Test func eurostatSparseValuesAndStatuses() throws {
        let demo = try read(try fixture("jsonstat-samples/demo_gind.json"))
        #expect(demo.begun[0].dimensions.map(\.id) == ["freq", "indic_de", "geo", "time"])
        let cells = demo.datasets[0]
        #expect(cells.count == 73)
        #expect(cells.filter { $0.status == "ep" }.count == 35)
        #expect(cells.filter { $0.status == "p" }.count == 9)
        #expect(cells.filter { $0.status == "e" }.count == 1)
        #expect(abs(sum(cells) - 1820952744.2) < 1e-3)
        #expect(cells[0].coordinates == ["A", "JAN", "EU27_2020", "2024"] && cells[0].value == 449206579 && cells[0].status == "ep")
        #expect(cells[0].location.path == "value[\"708\"]")
        #expect(cells.last?.coordinates == ["A", "POPSHARE_EU27_2020", "SE", "2024"])
        #expect(cells.last?.value == 2.3)

        let nama = try read(try fixture("jsonstat-samples/nama_10_gdp.json"))
        #expect(nama.begun[0].dimensions.map(\.id) == ["freq", "unit", "na_item", "geo", "time"])
        #expect(nama.datasets[0].count == 64)
        #expect(abs(sum(nama.datasets[0]) - 32778266.714) < 1e-4)
        #expect(nama.datasets[0][42].coordinates == ["A", "CON_PPCH_PRE", "B1GQ", "DK", "2023"])
        #expect(nama.datasets[0][42].value == 2.5 && nama.datasets[0][42].status == "d")
        #expect(nama.datasets[0][63].value == -3.7 && nama.datasets[0][63].status == nil)
    }

    @Test func usSamples() throws {
        let gsp = try read(try fixture("jsonstat-samples/us-gsp.json"))
        #expect(gsp.begun[0].dimensions.map(\.id) == ["year", "state", "concept"])
        #expect(gsp.begun[0].dimensions.map(\.role) == [.time, .geo, .metric])
        #expect(gsp.datasets[0].count == 204)
        #expect(abs(sum(gsp.datasets[0]) - 17501197.76) < 1e-4)
        #expect(gsp.datasets[0][102].coordinates == ["2013", "29", "pop"] && gsp.datasets[0][102].value == 6)

        let labor = try read(try fixture("jsonstat-samples/us-labor.json"))
        #expect(labor.begun[0].dimensions.map(\.id) == ["year", "county", "labor"])
        #expect(labor.datasets[0].count == 12880)
        #expect(abs(sum(labor.datasets[0]) - 312551709) < 1e-3)
        #expect(labor.datasets[0][6440].coordinates == ["2012", "30027", "labforce"] && labor.datasets[0][6440].value == 5978)
        #expect(labor.datasets[0][12879].coordinates == ["2012", "72153", "unr"] && labor.datasets[0][12879].value == 15.8)

        let unr = try read(try fixture("jsonstat-samples/us-unr.json"))
        #expect(unr.datasets[0].count == 3220)
        #expect(abs(sum(unr.datasets[0]) - 25527) < 1e-6)
        #expect(unr.datasets[0][1610].coordinates == ["2012", "30027", "unr"] && unr.datasets[0][1610].value == 5.3)
    }

    @Test func bundleMembersAreDatasets() throws {
        let reader = try JSONStatReader(path: try fixture("jsonstat-samples/oecd-canada.json"))
        var sink = CollectingSink(stopAtReject: true)
        try reader.read(into: &sink)
        #expect(sink.begun.count == 2 && sink.ended.count == 2)
        #expect(sink.begun[0].dimensions.map(\.id) == ["concept", "area", "year"])
        #expect(sink.begun[0].dimensions.map(\.role) == [.metric, .geo, .time])
        #expect(sink.begun[0].metadata["note"]?.hasPrefix("Most of the data in this dataset") == true)
        #expect(sink.begun[1].dimensions.map(\.id) == ["country", "year", "age", "concept", "sex"])
        #expect(sink.datasets[0].count == 432 && sink.datasets[1].count == 120)
        #expect(sink.datasets[0].filter { $0.status == "e" }.count == 72)
        #expect(abs(sum(sink.datasets[0]) - 3323.825331658) < 1e-6)
        #expect(sink.datasets[0][216].coordinates == ["UNR", "KR", "2003"] && sink.datasets[0][216].value == 3.562065618)
        #expect(sink.datasets[0][431].status == "e" && sink.datasets[0][431].value == 8.004598637)
        #expect(sink.datasets[0][0].location.path == "oecd.value[0]")
        #expect(sink.datasets[1][0].location.path == "canada.value[0]")
        #expect(reader.warnings.contains { $0.message.hasPrefix("BUNDLE_DEPRECATED") })

        let hisb = try read(try fixture("jsonstat-samples/HISB3.json"))
        let schema = try #require(hisb.begun.first)
        #expect(schema.dimensions.map(\.id) == ["BEVÆGELSE", "ContentsCode", "Tid"])
        #expect(schema.dimensions.map(\.role) == [.other, .metric, .time])
        #expect(schema.source == "Danmarks Statistik")
        #expect(schema.metadata["tableid"] == "HISB3")
        #expect(hisb.datasets[0].map(\.value) == [5873, 5933, 2923, 2949, 2951, 2984])
        #expect(hisb.datasets[0][3].coordinates == ["M", "HISB3", "2023"])
    }

    @Test func collectionEmbeddedDatasetsAreReadInTurn() throws {
        let sink = try read(try fixture("jsonstat-samples/oecd-canada-col.json"))
        #expect(sink.begun.count == 2 && sink.ended.count == 2)
        #expect(sink.begun[0].dimensions.map(\.id) == ["concept", "area", "year"])
        #expect(sink.begun[0].label == "Unemployment rate in the OECD countries 2003-2014")
        #expect(sink.begun[0].metadata["href"] == "https://json-stat.org/samples/oecd.json")
        #expect(sink.datasets[0].count == 432 && sink.datasets[1].count == 120)
        #expect(sink.datasets[1][60].coordinates == ["CA", "2012", "49", "POP", "T"] && sink.datasets[1][60].value == 2681.3)
        #expect(sink.datasets[1][0].location.path == "link.item[1].value[0]")
    }

    @Test func collectionOfLinksOnlySaysThereIsNothingToRead() throws {
        let error = try #require(readError(path: try fixture("jsonstat-samples/collection.json")))
        #expect(error.message.contains("embeds no dataset"))
        #expect(error.message.contains("https://json-stat.org/samples/oecd.json"))
    }

    @Test func stringValuesAreRejectedPerCellInRowMajorOrder() throws {
        // order.json has strings like "A1B2C3" as values: not numbers, so each cell is a reject
        // naming its coordinates, which lets us check the row-major order.
        let sink = try read(try fixture("jsonstat-samples/order.json"), keepRejects: true)
        #expect(sink.begun[0].dimensions.map(\.id) == ["A", "B", "C"])
        #expect(sink.datasets[0].isEmpty)
        #expect(sink.rejects.count == 24)
        for (i, r) in sink.rejects.enumerated() {
            #expect(r.error.location.path == "value[\(i)]")
            let (a, b, c) = (i / 8 + 1, i / 4 % 2 + 1, i % 4 + 1)
            // The published sample has a typo at position 11 ("A1B1C4" where "A2B1C4" belongs).
            #expect(r.raw == (i == 11 ? "A1B1C4" : "A\(a)B\(b)C\(c)"))
            #expect(r.error.message.contains("(A=\(a), B=\(b), C=\(c))"))
            #expect(r.error.message.contains("expected a number or null"))
        }
    }
}

// MARK: - Validator corpus

struct ValidatorCase: Sendable, CustomTestStringConvertible {
    var id: String
    var json: String
    /// nil when the corpus gives no verdict (an info-level rule).
    var valid: Bool?
    var codes: [String]
    var testDescription: String { id }

    static let all: [ValidatorCase] = {
        guard let base = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let data = try? Data(contentsOf: base.appendingPathComponent("jsonstat-validator/cases.json")),
            let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [] }
        return list.compactMap { c in
            guard let id = c["id"] as? String, let input = c["input"],
                let inputData = try? JSONSerialization.data(withJSONObject: input),
                let expected = c["expected"] as? [String: Any]
            else { return nil }
            return ValidatorCase(
                id: id, json: String(decoding: inputData, as: UTF8.self),
                valid: expected["valid"] as? Bool, codes: expected["codes"] as? [String] ?? [])
        }
    }()
}

@Suite("JSON-stat: validator corpus")
struct JSONStatValidatorTests {
    @Test func corpusIsComplete() {
        #expect(ValidatorCase.all.count == 20)
    }

    @Test(arguments: ValidatorCase.all)
    func validatorCase(_ c: ValidatorCase) throws {
        try withFile(Data(c.json.utf8)) { try check(c, path: $0) }
    }

    private func check(_ c: ValidatorCase, path: String) throws {
        let reader = try JSONStatReader(path: path)
        var sink = CollectingSink(stopAtReject: true)
        do {
            try reader.read(into: &sink)
            #expect(c.valid != false, "\(c.id) should be rejected with \(c.codes)")
            // Warning- and info-level rules are reported without rejecting.
            for code in c.codes {
                #expect(reader.warnings.contains { $0.message.hasPrefix(code) }, "\(c.id): no warning \(code) in \(reader.warnings)")
            }
            #expect(sink.begun.count == sink.ended.count && !sink.begun.isEmpty)
        } catch let e as ReadError {
            #expect(c.valid == false, "\(c.id) should be accepted, got \(e)")
            for code in c.codes {
                #expect(e.message.hasPrefix(code + ": "), "\(c.id): \(e.message)")
            }
            #expect(sink.begun.isEmpty, "nothing is emitted from an invalid file")
        }
    }

    @Test func validCorpusCellsAreRight() throws {
        let minimal = try #require(ValidatorCase.all.first { $0.id == "valid/minimal-dataset" })
        let sink = try readText(minimal.json)
        #expect(sink.datasets[0].map(\.coordinates) == [["M", "2020"], ["M", "2021"], ["F", "2020"], ["F", "2021"]])
        #expect(sink.datasets[0].map(\.value) == [1, 2, 3, 4])
        #expect(sink.begun[0].dimensions[0].categories["F"]?.name == "female")

        let sparse = try #require(ValidatorCase.all.first { $0.id == "valid/sparse-dataset" })
        let s = try readText(sparse.json)
        #expect(s.datasets[0].map(\.coordinates) == [["a"], ["d"]])
        #expect(s.datasets[0].map(\.value) == [1, 4])
    }
}

// MARK: - Validation messages

@Suite("JSON-stat: validation")
struct JSONStatValidationTests {
    @Test func valueLengthMismatchSaysWhatWasExpected() throws {
        let e = try #require(try readError(dataset(value: "[1, 2, 3]")))
        #expect(e.message == "VALUE_LEN_MISMATCH: dense value has 3 cells, expected 4 = product of size [2, 2]")
        #expect(e.location.path == "value")
        #expect(e.location.line == 6)
    }

    @Test func indexCountMismatchNamesTheDimensionPath() throws {
        let e = try #require(try readError(dataset(value: "[1, 2, 3, 4, 5, 6]", size: "[3, 2]")))
        #expect(e.message.hasPrefix("INDEX_COUNT_MISMATCH: category.index lists 2 categories, expected 3"))
        #expect(e.location.path == "dimension.sex.category.index")
    }

    @Test func duplicatePositionsAreAnErrorEvenWhenLenient() throws {
        let doc = dataset(sexIndex: #"{"M": 4, "F": 4}"#)
        for lenient in [false, true] {
            let e = try #require(try readError(doc, JSONStatOptions(lenientIndex: lenient)))
            #expect(e.message.hasPrefix("INDEX_POSITIONS_INVALID"))
            #expect(e.message.contains("both have position 4"))
        }
        let dupIds = try #require(try readError(dataset(sexIndex: #"["M", "M"]"#)))
        #expect(dupIds.message.hasPrefix("INDEX_POSITIONS_INVALID"))
    }

    @Test func lenientIndexOrdersByPosition() throws {
        let doc = dataset(sexIndex: #"{"F": 17, "M": 3}"#)
        #expect(try readError(doc)?.message.hasPrefix("INDEX_POSITIONS_INVALID") == true)
        let sink = try readText(doc, JSONStatOptions(lenientIndex: true))
        #expect(sink.datasets[0].map(\.coordinates) == [["M", "2020"], ["M", "2021"], ["F", "2020"], ["F", "2021"]])
    }

    @Test func objectIndexPositionsOrderTheCategories() throws {
        let sink = try readText(dataset(sexIndex: #"{"F": 1, "M": 0}"#))
        #expect(sink.datasets[0].map(\.coordinates) == [["M", "2020"], ["M", "2021"], ["F", "2020"], ["F", "2021"]])
    }

    @Test func sparseKeysMustBeIntegersInRange() throws {
        let notInteger = try #require(try readError(dataset(value: #"{"0": 1, "x": 2}"#)))
        #expect(notInteger.message.hasPrefix("SPARSE_KEY_OUT_OF_RANGE: sparse value key \"x\" is not an integer"))
        let negative = try #require(try readError(dataset(value: #"{"-1": 1}"#)))
        #expect(negative.message.hasPrefix("SPARSE_KEY_OUT_OF_RANGE"))
        let tooBig = try #require(try readError(dataset(value: #"{"4": 1}"#)))
        #expect(tooBig.message.hasPrefix("SPARSE_KEY_OUT_OF_RANGE: sparse value key 4 is outside [0, 3]"))
        let status = try #require(try readError(dataset(status: #"{"9": "."}"#)))
        #expect(status.message.hasPrefix("STATUS_KEY_OUT_OF_RANGE"))
    }

    @Test func statusArrayMustMatch() throws {
        let e = try #require(try readError(dataset(status: #"["a", "b"]"#)))
        #expect(e.message.hasPrefix("STATUS_LEN_MISMATCH: status array has 2 entries, expected 4"))
        let wrongType = try #require(try readError(dataset(status: "12")))
        #expect(wrongType.message.hasPrefix("STRUCTURAL_VIOLATION: status must be"))
    }

    @Test func versionAndClassAreChecked() throws {
        let noVersion = #"{"class": "dataset", "id": ["x"], "size": [1], "dimension": {"x": {"category": {"index": ["a"]}}}, "value": [1]}"#
        #expect(try readError(noVersion)?.message.contains("version missing") == true)
        let wrongVersion = noVersion.replacingOccurrences(of: #""class""#, with: #""version": "3.0", "class""#)
        #expect(try readError(wrongVersion)?.message.contains("unknown JSON-stat version \"3.0\"") == true)
        let unknownClass = #"{"version": "2.0", "class": "cube", "value": []}"#
        #expect(try readError(unknownClass)?.message.contains("unknown class \"cube\"") == true)
        let dimensionClass = #"{"version": "2.0", "class": "dimension", "category": {}}"#
        #expect(try readError(dimensionClass)?.message.contains("class \"dimension\"") == true)
        let noClass = #"{"version": "2.0", "id": ["x"], "size": [1], "dimension": {"x": {"category": {"index": ["a"]}}}, "value": [1]}"#
        #expect(try readError(noClass)?.message.contains("class missing") == true)
    }

    @Test func sizeMustBeNonNegativeIntegers() throws {
        let e = try #require(try readError(dataset(size: "[2, 2.5]")))
        #expect(e.message.hasPrefix("STRUCTURAL_VIOLATION: size[1] (dimension year) must be a non-negative integer"))
        #expect(e.location.path == "size[1]")
    }

    @Test func roleNamesMustBeDimensions() throws {
        let e = try #require(try readError(dataset(extra: #""role": {"geo": ["sex"], "time": ["when"]},"#)))
        #expect(e.message.hasPrefix("ROLE_ID_UNKNOWN: role.time names the string \"when\""))
        #expect(e.location.path == "role.time[0]")
    }

    @Test func rolesFallBackToSSBIds() throws {
        let doc = """
            {"version": "2.0", "class": "dataset", "id": ["KOKkommuneregion0000", "ContentsCode", "Tid", "Kjonn"], "size": [1, 1, 1, 1],
             "dimension": {"KOKkommuneregion0000": {"category": {"index": ["3014"], "label": {"3014": "Indre Østfold (2020-2023)"}}},
                           "ContentsCode": {"category": {"index": ["KOShjtj80aarover0001"], "unit": {"KOShjtj80aarover0001": {"base": "prosent", "decimals": 1}}}},
                           "Tid": {"category": {"index": ["2021"]}}, "Kjonn": {"category": {"index": ["0"]}}},
             "value": [null], "status": {"0": ":"}}
            """
        let sink = try readText(doc)
        let schema = try #require(sink.begun.first)
        #expect(schema.dimensions.map(\.role) == [.geo, .metric, .time, .other])
        #expect(schema.dimensions[0].categories["3014"] == CategoryLabel(name: "Indre Østfold", validFrom: 2020, validTo: 2023))
        #expect(schema.metadata["unit"] == #"{"KOShjtj80aarover0001":{"base":"prosent","decimals":1}}"#)
        #expect(sink.datasets[0][0].status == ":" && sink.datasets[0][0].value == nil)
    }

    @Test func dimensionKeysMustEqualId() throws {
        let doc = dataset().replacingOccurrences(of: #""year": {"#, with: #""yr": {"#)
        let e = try #require(try readError(doc))
        #expect(
            e.message
                == "DIM_KEY_ID_MISMATCH: the keys of dimension must equal id [sex, year]; found no entry for \"year\"; \"yr\" not in id")
    }
}

// MARK: - Cells

@Suite("JSON-stat: cells")
struct JSONStatCellTests {
    @Test func nullWithDashStatusIsATrueZero() throws {
        let sink = try readText(dataset(value: "[null, null, 3, null]", status: #"{"0": "-", "1": ":"}"#))
        #expect(sink.datasets[0].map(\.value) == [0, nil, 3, nil])
        #expect(sink.datasets[0].map(\.status) == ["-", ":", nil, nil])
    }

    @Test func denseStatusArrayIsReadInStep() throws {
        let sink = try readText(dataset(value: "[1.5, null, -2e2, 0]", status: #"[null, "..", "*", null]"#))
        #expect(sink.datasets[0].map(\.value) == [1.5, nil, -200, 0])
        #expect(sink.datasets[0].map(\.status) == [nil, "..", "*", nil])
    }

    @Test func singleStringStatusAppliesToAllCells() throws {
        let sink = try readText(dataset(status: #""p""#))
        #expect(sink.datasets[0].map(\.status) == ["p", "p", "p", "p"])
    }

    @Test func sparseCellsIncludePositionsOnlyInStatus() throws {
        let sink = try readText(dataset(value: #"{"0": 1, "3": 4}"#, status: #"{"2": "..", "3": "e"}"#))
        #expect(sink.datasets[0].map(\.coordinates) == [["M", "2020"], ["F", "2020"], ["F", "2021"]])
        #expect(sink.datasets[0].map(\.value) == [1, nil, 4])
        #expect(sink.datasets[0].map(\.status) == [nil, "..", "e"])
        #expect(sink.datasets[0].map(\.location.path) == ["value[\"0\"]", "status[\"2\"]", "value[\"3\"]"])
    }

    @Test func unsortedSparseKeysAreEmittedInRowMajorOrder() throws {
        let sink = try readText(dataset(value: #"{"3": 4, "0": 1, "2": 3}"#, status: #"{"3": "x", "0": "y"}"#))
        #expect(sink.datasets[0].map(\.value) == [1, 3, 4])
        #expect(sink.datasets[0].map(\.status) == ["y", nil, "x"])
        let dup = try #require(try readError(dataset(value: #"{"3": 4, "0": 1, "3": 3}"#)))
        #expect(dup.message.contains("appears twice"))
    }

    @Test func valueMayComeBeforeDimension() throws {
        let doc = """
            {"value": [10, 20], "status": ["a", "b"], "dimension": {"x": {"category": {"index": {"p": 0, "q": 1}}}},
             "size": [2], "id": ["x"], "class": "dataset", "version": "2.0"}
            """
        let sink = try readText(doc)
        #expect(sink.datasets[0].map(\.coordinates) == [["p"], ["q"]])
        #expect(sink.datasets[0].map(\.value) == [10, 20])
        #expect(sink.datasets[0].map(\.status) == ["a", "b"])
    }

    @Test func numbersAreParsedExactly() throws {
        let values = [
            "0.1", "-0.25", "123.456e-2", "1E3", "12345678901234567890", "3.141592653589793238462643", "1e-300", "0", "-0",
            "9007199254740993", "2.2250738585072014E-308"
        ]
        let doc = """
            {"version": "2.0", "class": "dataset", "id": ["i"], "size": [\(values.count)],
             "dimension": {"i": {"category": {"index": [\(values.indices.map { "\"\($0)\"" }.joined(separator: ","))]}}},
             "value": [\(values.joined(separator: ", "))]}
            """
        let sink = try readText(doc)
        #expect(sink.datasets[0].map(\.value) == values.map { Double($0) })
    }

    @Test func labelsDecodeEscapes() throws {
        let doc =
            #"{"version": "2.0", "class": "dataset", "label": "Tab\tand \u00f8 \ud83d\ude00 \"q\" \/", "id": ["x"], "size": [1], "dimension": {"x": {"category": {"index": ["a"], "label": {"a": "B\u00e6rum"}}}}, "value": [1]}"#
        let sink = try readText(doc)
        #expect(sink.begun[0].label == "Tab\tand ø 😀 \"q\" /")
        #expect(sink.begun[0].dimensions[0].categories["a"]?.name == "Bærum")
    }

    @Test func symbolStringsInValueBecomeStatuses() throws {
        let sink = try readText(dataset(value: #"["..", "12.5", ":", "-"]"#))
        #expect(sink.datasets[0].map(\.value) == [nil, 12.5, nil, 0])
        #expect(sink.datasets[0].map(\.status) == ["..", nil, ":", "-"])
    }

    @Test func looksLikeJSONChecksTheFirstByte() throws {
        #expect(JSONStatReader.looksLikeJSON(path: try fixture("ssb/dataset_05300.json")))
        #expect(try withFile(Data("\u{FEFF}\n  {\"a\": 1}".utf8)) { JSONStatReader.looksLikeJSON(path: $0) })
        #expect(try withFile(Data("\"region\";\"år\"\n".utf8)) { !JSONStatReader.looksLikeJSON(path: $0) })
        #expect(try withFile(Data("".utf8)) { !JSONStatReader.looksLikeJSON(path: $0) })
        #expect(!JSONStatReader.looksLikeJSON(path: "/nonexistent/file.json"))
    }

    @Test func largeDenseFileStreams() throws {
        // 2 000 × 1 000 = 2 million cells; every 1000th is null with status "..".
        let rows = 2000, cols = 1000
        let dir = try TemporaryDirectory("jsonstat-large")
        defer { withExtendedLifetime(dir) {} }
        let url = dir.file("large.json")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        var head =
            #"{"version": "2.0", "class": "dataset", "label": "large", "id": ["r", "c"], "size": [\#(rows), \#(cols)], "dimension": {"#
        head += #""r": {"category": {"index": ["# + (0..<rows).map { "\"r\($0)\"" }.joined(separator: ",") + "]}},"
        head += #""c": {"category": {"index": ["# + (0..<cols).map { "\"c\($0)\"" }.joined(separator: ",") + "]}}},"
        head += #""status": {"#
        head += (0..<rows).map { "\"\($0 * cols + cols - 1)\": \"..\"" }.joined(separator: ",")
        head += #"}, "value": ["#
        try handle.write(contentsOf: Data(head.utf8))
        for r in 0..<rows {
            var line = r == 0 ? "" : ",\n"
            for c in 0..<cols {
                if c > 0 { line += "," }
                line += c == cols - 1 ? "null" : String(Double(c) / 4)
            }
            try handle.write(contentsOf: Data(line.utf8))
        }
        try handle.write(contentsOf: Data("]}\n".utf8))
        try handle.close()

        let reader = try JSONStatReader(path: url.path)
        var sink = CountingSink()
        try reader.read(into: &sink)
        #expect(sink.count == rows * cols)
        #expect(sink.missing == rows)
        #expect(sink.statuses == ["..": rows])
        #expect(sink.sum == Double(rows) * (998.0 * 999.0 / 2) / 4)
        #expect(sink.lastCoordinates == ["r1999", "c999"])
        #expect(sink.lastPath == "value[1999999]")
    }
}

/// Reads a large file named by the environment (`JSONSTAT_BENCH=/path/file.json`) and prints
/// the time taken; skipped otherwise. Used to measure speed and peak memory by hand.
@Test(.enabled(if: ProcessInfo.processInfo.environment["JSONSTAT_BENCH"] != nil))
func jsonStatBenchmark() throws {
    let path = try #require(ProcessInfo.processInfo.environment["JSONSTAT_BENCH"])
    let start = Date()
    let reader = try JSONStatReader(path: path)
    var sink = CountingSink()
    try reader.read(into: &sink)
    print(
        "JSONSTAT_BENCH: \(sink.count) cells, \(sink.missing) nulls, sum \(sink.sum), \(sink.statuses) in \(Date().timeIntervalSince(start)) s"
    )
}

// MARK: - Hostile input

@Suite("JSON-stat: hostile input")
struct JSONStatHostileTests {
    @Test func absurdSizeIsRefusedBeforeAllocating() throws {
        let doc = dataset(value: "[1]", size: "[1000000000, 1000000000]")
        let e = try #require(try readError(doc))
        #expect(e.message.hasPrefix("CUBE_SIZE_OVERFLOW: size[0] (dimension sex) is 1000000000"))
        // Each size under the limit but the product over it (and overflowing Int).
        let product = """
            {"version": "2.0", "class": "dataset", "id": ["a", "b", "c", "d", "e"], "size": [40000000, 40000000, 40000000, 40000000, 40000000],
             "dimension": {"a": {}, "b": {}, "c": {}, "d": {}, "e": {}}, "value": []}
            """
        let p = try #require(try readError(product))
        #expect(p.message.hasPrefix("CUBE_SIZE_OVERFLOW: product of size"))
        let huge = dataset(value: "[1]", size: "[1e300, 1]")
        #expect(try readError(huge)?.message.hasPrefix("CUBE_SIZE_OVERFLOW") == true)
        let limited = try #require(try readError(dataset(), JSONStatOptions(maxCells: 3)))
        #expect(limited.message.contains("more than the limit of 3 cells"))
    }

    @Test func truncatedFileGivesTheByteOffset() throws {
        let full = try String(contentsOfFile: try fixture("ssb/dataset_05300.json"), encoding: .utf8)
        for cut in [10, 500, full.utf8.count / 2, full.utf8.count - 3] {
            let text = String(decoding: Array(full.utf8.prefix(cut)), as: UTF8.self)
            let e = try #require(try readError(text), "cut at \(cut)")
            #expect(e.message.hasPrefix("PARSE_ERROR"))
            #expect(e.message.contains("truncated"), "\(e.message)")
            #expect(e.message.contains("(byte "))
            #expect(e.location.line != nil && e.location.column != nil)
        }
    }

    @Test func binaryGarbageIsAParseError() throws {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
        let png = try #require(try withFile(Data(bytes)) { readError(path: $0) })
        #expect(png.message.hasPrefix("PARSE_ERROR: expected a JSON object ('{') at the start of a JSON-stat document, found byte 0x89"))
        #expect(png.location.line == 1 && png.location.column == 1)
        bytes = [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x00, 0xFF, 0xFE]
        let inside = try #require(try withFile(Data(bytes)) { readError(path: $0) })
        #expect(inside.message.hasPrefix("PARSE_ERROR: expected a value, found byte 0x00 (byte 5)"))
        let badUTF8 = try #require(try withFile(Data([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])) { readError(path: $0) })
        #expect(badUTF8.message.contains("not valid UTF-8"))
        let trailing = try #require(try readError(dataset() + " {}"))
        #expect(trailing.message.contains("after the end of the JSON document"))
    }

    @Test func emptyFileSaysItIsEmpty() throws {
        for text in ["", "  \n\t "] {
            let e = try #require(try readError(text))
            #expect(e.message == "PARSE_ERROR: the file is empty; expected a JSON-stat document (a JSON object)")
            #expect(e.location.line == 1)
        }
    }

    @Test func deepNestingIsRefusedWithoutRecursion() throws {
        let deep = #"{"version": "2.0", "class": "dataset", "extension": "# + String(repeating: "[", count: 100_000)
        let e = try #require(try readError(deep))
        #expect(e.message.contains("nested deeper than"))
        let deepValue = #"{"value": "# + String(repeating: "[", count: 100_000)
        #expect(try readError(deepValue)?.message.contains("nested deeper than") == true)
    }

    @Test func missingFileAndDirectoryAreClearErrors() throws {
        #expect(throws: ReadError.self) { try JSONStatReader(path: "/nonexistent/x.json") }
        let dir = FileManager.default.temporaryDirectory.path
        do {
            _ = try JSONStatReader(path: dir)
            Issue.record("a directory should not open")
        } catch let e as ReadError {
            #expect(e.message.contains("is a directory"))
        }
    }

    @Test func mutatedDocumentsNeverCrash() throws {
        // Deterministic byte mutations of real documents: each must read or throw a ReadError.
        let sources = ["ssb/dataset_05300.json", "jsonstat-samples/oecd-canada.json", "jsonstat-samples/demo_gind.json"]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let alphabet = Array("{}[]\",:0123456789-.eE nul\\x\u{0}".utf8)
        for source in sources {
            let original = Array(try Data(contentsOf: URL(fileURLWithPath: try fixture(source))))
            for _ in 0..<40 {
                var bytes = original
                for _ in 0..<(1 + random(4)) {
                    let at = random(bytes.count)
                    switch random(3) {
                    case 0: bytes[at] = alphabet[random(alphabet.count)]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(alphabet[random(alphabet.count)], at: at)
                    }
                }
                try withFile(Data(bytes)) { path in
                    do {
                        let reader = try JSONStatReader(path: path)
                        var sink = CollectingSink()
                        try reader.read(into: &sink)
                    } catch is ReadError {
                        // Expected for most mutations.
                    }
                }
            }
        }
    }
}
