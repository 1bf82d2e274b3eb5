import Foundation
import Testing
import TestSupport
@testable import Ingest

// MARK: - Helpers

private func readSDMX(_ text: String) throws -> CollectingSink {
    let scratch = try TemporaryDirectory("sdmx-tests")
    defer { scratch.remove() }
    let path = try scratch.write(text, to: "data.xml")
    var sink = CollectingSink(stopAtReject: true)
    try SDMXReader(path: path, options: SDMXOptions(displayName: "test.xml")).read(into: &sink)
    return sink
}

private func sdmxError(_ text: String) throws -> ReadError {
    try #require(readError { _ = try readSDMX(text) })
}

/// Peak resident memory of this process in kB (VmHWM), or nil where /proc is missing.
private func peakRSSkB() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }
    return nil
}

// MARK: - Samples

/// SDMX-ML 2.0 GenericData in the shape PxWeb writes.
private let pxWebGenericData = """
    <?xml version="1.0" encoding="utf-8"?>
    <message:GenericData xmlns:message="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message" xmlns:common="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/common" xmlns:generic="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/generic" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <message:Header>
        <message:ID>12209</message:ID>
        <message:Test>false</message:Test>
        <message:Name xml:lang="no">Hjemmetjenester, etter region, statistikkvariabel og år</message:Name>
        <message:Prepared>2024-03-15T08:00:00</message:Prepared>
        <message:Sender id="SSB">
          <message:Name xml:lang="no">Statistisk sentralbyrå</message:Name>
        </message:Sender>
      </message:Header>
      <message:DataSet>
        <generic:KeyFamilyRef>12209</generic:KeyFamilyRef>
        <generic:Series>
          <generic:SeriesKey>
            <generic:Value concept="KOKkommuneregion0000" value="0301" />
            <generic:Value concept="ContentsCode" value="KOShjtj80aarover0001" />
            <generic:Value concept="FREQ" value="A" />
          </generic:SeriesKey>
          <generic:Attributes>
            <generic:Value concept="UNIT_MEASURE" value="prosent" />
            <generic:Value concept="DECIMALS" value="1" />
          </generic:Attributes>
          <generic:Obs>
            <generic:Time>2019</generic:Time>
            <generic:ObsValue value="29.5" />
            <generic:Attributes>
              <generic:Value concept="OBS_STATUS" value="A" />
            </generic:Attributes>
          </generic:Obs>
          <generic:Obs>
            <generic:Time>2020</generic:Time>
            <generic:ObsValue value="NaN" />
            <generic:Attributes>
              <generic:Value concept="OBS_STATUS" value="M" />
            </generic:Attributes>
          </generic:Obs>
          <generic:Obs>
            <generic:Time>2021</generic:Time>
            <generic:ObsValue value="31.25" />
            <generic:Attributes>
              <generic:Value concept="OBS_STATUS" value="P" />
            </generic:Attributes>
          </generic:Obs>
        </generic:Series>
        <generic:Series>
          <generic:SeriesKey>
            <generic:Value concept="KOKkommuneregion0000" value="K-3118" />
            <generic:Value concept="ContentsCode" value="KOShjtj80aarover0001" />
            <generic:Value concept="FREQ" value="A" />
          </generic:SeriesKey>
          <generic:Attributes>
            <generic:Value concept="UNIT_MEASURE" value="prosent" />
            <generic:Value concept="DECIMALS" value="1" />
          </generic:Attributes>
          <generic:Obs>
            <generic:Time>2019</generic:Time>
            <generic:ObsValue value="-" />
          </generic:Obs>
          <generic:Obs>
            <generic:Time>2020</generic:Time>
            <generic:Attributes>
              <generic:Value concept="OBS_STATUS" value="M" />
            </generic:Attributes>
          </generic:Obs>
          <generic:Obs>
            <generic:Time>2021</generic:Time>
            <generic:ObsValue value="12" />
            <generic:Attributes>
              <generic:Value concept="OBS_STATUS" value=":" />
            </generic:Attributes>
          </generic:Obs>
        </generic:Series>
      </message:DataSet>
    </message:GenericData>
    """

/// SDMX-ML 2.1 generic data with the usual `generic:` prefix.
private let generic21 = """
    <?xml version="1.0" encoding="UTF-8"?>
    <message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:generic="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic" xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
      <message:Header>
        <message:ID>IREF000123</message:ID>
        <message:Test>false</message:Test>
        <message:Prepared>2024-01-01T00:00:00</message:Prepared>
        <message:Sender id="SSB"/>
        <message:Structure structureID="DSD_07459" dimensionAtObservation="TIME_PERIOD">
          <common:Structure><URN>urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=SSB:DSD_07459(1.0)</URN></common:Structure>
        </message:Structure>
      </message:Header>
      <message:DataSet structureRef="DSD_07459">
        <generic:Series>
          <generic:SeriesKey>
            <generic:Value id="FREQ" value="A"/>
            <generic:Value id="Region" value="0301"/>
            <generic:Value id="ContentsCode" value="Personer1"/>
          </generic:SeriesKey>
          <generic:Attributes>
            <generic:Value id="UNIT_MEASURE" value="personer"/>
          </generic:Attributes>
          <generic:Obs>
            <generic:ObsDimension value="2022"/>
            <generic:ObsValue value="699827"/>
            <generic:Attributes><generic:Value id="OBS_STATUS" value="A"/></generic:Attributes>
          </generic:Obs>
          <generic:Obs>
            <generic:ObsDimension value="2023"/>
            <generic:ObsValue value="709037"/>
            <generic:Attributes><generic:Value id="OBS_STATUS" value="E"/></generic:Attributes>
          </generic:Obs>
        </generic:Series>
        <generic:Series>
          <generic:SeriesKey>
            <generic:Value id="Region" value="1103"/>
            <generic:Value id="FREQ" value="A"/>
            <generic:Value id="ContentsCode" value="Personer1"/>
          </generic:SeriesKey>
          <generic:Attributes>
            <generic:Value id="UNIT_MEASURE" value="antall"/>
          </generic:Attributes>
          <generic:Obs>
            <generic:ObsDimension value="2022"/>
            <generic:ObsValue value="144699"/>
          </generic:Obs>
          <generic:Obs>
            <generic:ObsDimension value="2023"/>
            <generic:Attributes><generic:Value id="OBS_STATUS" value="M"/></generic:Attributes>
          </generic:Obs>
        </generic:Series>
      </message:DataSet>
    </message:GenericData>
    """

// MARK: - Tests

@Suite("SDMX-ML reader")
struct SDMXTests {
    /// Found by the fuzzer: a Series after its DataSet had closed (under an element we do not
    /// know) reached the observation code without a schema and trapped. It is refused.
    @Test func aSeriesAfterTheDataSetClosedIsRefused() throws {
        let text = """
            <?xml version="1.0"?>
            <message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
              <message:DataSet>
                <Series Region="0301" ContentsCode="Personer1"><Obs TIME_PERIOD="2022" OBS_VALUE="699827"/></Series>
              </message:DataSet>
              <Unknown>
                <Series Region="0301" ContentsCode="Personer1"><Obs TIME_PERIOD="2023" OBS_VALUE="1"/></Series>
              </Unknown>
            </message:StructureSpecificData>
            """
        let e = try sdmxError(text)
        #expect(e.message.contains("<Series> outside a DataSet"), "\(e)")
        #expect(e.location.line == 7)
    }

    /// Observation paths are built byte by byte (once per observation); they must read as
    /// the interpolated form did.
    @Test func observationPathsAreTheSeriesPathAndTheObservationNumber() {
        let prefix = Array("DataSet[2]/Series[17]/Obs[".utf8)
        #expect(SDMXParseState.path(prefix: prefix, index: 1) == "DataSet[2]/Series[17]/Obs[1]")
        #expect(SDMXParseState.path(prefix: prefix, index: 1_234_567) == "DataSet[2]/Series[17]/Obs[1234567]")
        #expect(SDMXParseState.path(prefix: [], index: 0) == "0]")
        #expect(SDMXParseState.path(prefix: prefix, index: Int.max) == "DataSet[2]/Series[17]/Obs[\(Int.max)]")
    }

    /// Each data set records its own time categories, and a cell's path names its series.
    @Test func aSecondDataSetRecordsItsOwnCategories() throws {
        let two = pxWebGenericData.replacingOccurrences(
            of: "</message:DataSet>\n</message:GenericData>",
            with: "</message:DataSet>\n"
                + pxWebGenericData.components(separatedBy: "</message:Header>")[1]
                .replacingOccurrences(of: "</message:GenericData>", with: "")
                .replacingOccurrences(of: ">2019<", with: ">2018<") + "</message:GenericData>")
        let r = try readSDMX(two)
        #expect(r.ended.count == 2)
        #expect(Set(r.ended[0].dimensions[3].categories.keys) == ["2019", "2020", "2021"])
        #expect(Set(r.ended[1].dimensions[3].categories.keys) == ["2018", "2020", "2021"])
    }

    @Test func pxWebGenericDataGivesDimensionsValuesAndStatuses() throws {
        let r = try readSDMX(pxWebGenericData)
        #expect(r.begun.count == 1)
        #expect(r.ended.count == 1)
        let schema = try #require(r.ended.first)
        #expect(schema.dimensions.map(\.id) == ["KOKkommuneregion0000", "ContentsCode", "FREQ", "TIME_PERIOD"])
        #expect(schema.dimensions.map(\.role) == [.geo, .metric, .other, .time])
        #expect(schema.label == "Hjemmetjenester, etter region, statistikkvariabel og år")
        #expect(schema.source == "SSB")
        #expect(schema.metadata["UNIT_MEASURE"] == "prosent")
        #expect(schema.metadata["DECIMALS"] == "1")
        #expect(schema.metadata["structure"] == "12209")
        #expect(Set(schema.dimensions[0].categories.keys) == ["0301", "K-3118"])
        #expect(Set(schema.dimensions[3].categories.keys) == ["2019", "2020", "2021"])
        #expect(r.cells.count == 6)

        let a = try #require(r.at("0301", "KOShjtj80aarover0001", "A", "2019"))
        #expect(a.value == 29.5 && a.status == nil)
        let missing = try #require(r.at("0301", "KOShjtj80aarover0001", "A", "2020"))
        #expect(missing.value == nil && missing.status == "..")
        let provisional = try #require(r.at("0301", "KOShjtj80aarover0001", "A", "2021"))
        #expect(provisional.value == 31.25 && provisional.status == "*")
        let nilValue = try #require(r.at("K-3118", "KOShjtj80aarover0001", "A", "2019"))
        #expect(nilValue.value == 0 && nilValue.status == "-")
        let noObsValue = try #require(r.at("K-3118", "KOShjtj80aarover0001", "A", "2020"))
        #expect(noObsValue.value == nil && noObsValue.status == "..")
        let suppressed = try #require(r.at("K-3118", "KOShjtj80aarover0001", "A", "2021"))
        #expect(suppressed.value == nil && suppressed.status == ":")

        // Locations name the file, the line of the Obs and its element path.
        #expect(suppressed.location.file == "test.xml")
        #expect(suppressed.location.path == "Series[2]/Obs[3]")
        #expect(suppressed.location.line == 66)
        #expect(a.location.path == "Series[1]/Obs[1]")
        #expect(a.location.line == 24)
    }

    @Test func generic21WithPrefixReordersKeysAndKeepsPerSeriesUnits() throws {
        let r = try readSDMX(generic21)
        let schema = try #require(r.ended.first)
        #expect(schema.dimensions.map(\.id) == ["FREQ", "Region", "ContentsCode", "TIME_PERIOD"])
        #expect(schema.dimensions.map(\.role) == [.other, .geo, .metric, .time])
        #expect(schema.metadata["structure"] == "DSD_07459")
        #expect(schema.metadata["UNIT_MEASURE"] == "personer")
        #expect(schema.metadata["UNIT_MEASURE[ContentsCode=Personer1]"] == "antall")
        #expect(r.cells.count == 4)
        // The second series lists Region first; its cells are still in schema order.
        let oslo = try #require(r.at("A", "0301", "Personer1", "2023"))
        #expect(oslo.value == 709037 && oslo.status == "*")
        let stavanger = try #require(r.at("A", "1103", "Personer1", "2022"))
        #expect(stavanger.value == 144699 && stavanger.status == nil)
        let gone = try #require(r.at("A", "1103", "Personer1", "2023"))
        #expect(gone.value == nil && gone.status == "..")
    }

    @Test func otherPrefixesAndDefaultNamespaceReadTheSame() throws {
        let variants = [
            generic21.replacingOccurrences(of: "generic:", with: "g:").replacingOccurrences(of: "xmlns:g=", with: "xmlns:g="),
            generic21.replacingOccurrences(of: "generic:", with: "").replacingOccurrences(of: "xmlns:=", with: "xmlns=")
        ]
        for text in variants {
            let r = try readSDMX(text)
            #expect(r.cells.count == 4)
            #expect(r.ended.first?.dimensions.map(\.id) == ["FREQ", "Region", "ContentsCode", "TIME_PERIOD"])
            #expect(r.at("A", "0301", "Personer1", "2022")?.value == 699827)
        }
    }

    @Test func flatObsKeyDataSetWithoutSeries() throws {
        let text = """
            <?xml version="1.0"?>
            <GenericData xmlns="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
              <DataSet>
                <Obs>
                  <ObsKey><Value id="Region" value="0301"/><Value id="TIME_PERIOD" value="2022"/></ObsKey>
                  <ObsValue value="1.5"/>
                </Obs>
                <Obs>
                  <ObsKey><Value id="TIME_PERIOD" value="2023"/><Value id="Region" value="0301"/></ObsKey>
                  <ObsValue value=".."/>
                </Obs>
              </DataSet>
            </GenericData>
            """
        let r = try readSDMX(text)
        let schema = try #require(r.ended.first)
        #expect(schema.dimensions.map(\.id) == ["Region", "TIME_PERIOD"])
        #expect(schema.dimensions.map(\.role) == [.geo, .time])
        #expect(r.cells.map(\.coordinates) == [["0301", "2022"], ["0301", "2023"]])
        #expect(r.cells[0].value == 1.5)
        #expect(r.cells[1].value == nil && r.cells[1].status == "..")
        #expect(r.cells[1].location.path == "Obs[2]")
    }

    @Test func structureSpecificDataReadsAttributesAsDimensions() throws {
        let text = """
            <?xml version="1.0"?>
            <message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific">
              <message:DataSet ss:structureRef="X">
                <Series Region="0301" ContentsCode="Personer1" UNIT_MEASURE="personer">
                  <Obs TIME_PERIOD="2022" OBS_VALUE="699827" OBS_STATUS="A"/>
                  <Obs TIME_PERIOD="2023" OBS_VALUE="NaN" OBS_STATUS="M"/>
                </Series>
              </message:DataSet>
            </message:StructureSpecificData>
            """
        let r = try readSDMX(text)
        let schema = try #require(r.ended.first)
        #expect(schema.dimensions.map(\.id) == ["Region", "ContentsCode", "TIME_PERIOD"])
        #expect(schema.metadata["UNIT_MEASURE"] == "personer")
        #expect(r.cells.count == 2)
        #expect(r.cells[0].value == 699827 && r.cells[0].status == nil)
        #expect(r.cells[1].value == nil && r.cells[1].status == "..")
    }

    @Test func latin1DocumentIsDecodedByLibxml() throws {
        let text =
            pxWebGenericData
            .replacingOccurrences(of: "encoding=\"utf-8\"", with: "encoding=\"ISO-8859-1\"")
            .replacingOccurrences(of: "value=\"K-3118\"", with: "value=\"Indre Østfold\"")
        let scratch = try TemporaryDirectory("sdmx-tests")
        defer { scratch.remove() }
        let path = try scratch.write(TextEncoding.iso88591.encode(text), to: "data.xml")
        var sink = CollectingSink(stopAtReject: true)
        try SDMXReader(path: path).read(into: &sink)
        #expect(sink.ended.first?.label == "Hjemmetjenester, etter region, statistikkvariabel og år")
        #expect(sink.at("Indre Østfold", "KOShjtj80aarover0001", "A", "2019")?.status == "-")
    }

    @Test func sinkErrorStopsTheParse() throws {
        struct Stop: Error {}
        struct Failing: CellSink {
            var seen = 0
            mutating func cell(_ cell: Cell, schema: DatasetSchema) throws {
                seen += 1
                if seen == 2 { throw Stop() }
            }
        }
        let scratch = try TemporaryDirectory("sdmx-tests")
        defer { scratch.remove() }
        let path = try scratch.write(pxWebGenericData, to: "data.xml")
        var sink = Failing()
        #expect(throws: Stop.self) { try SDMXReader(path: path).read(into: &sink) }
        #expect(sink.seen == 2)
    }

    @Test func escapedCharactersInAttributesAreDecoded() throws {
        let text = generic21.replacingOccurrences(of: "value=\"Personer1\"", with: "value=\"A&amp;B &lt;&#38;&gt;\"")
        let r = try readSDMX(text)
        #expect(r.cells.first?.coordinates[2] == "A&B <&>")
    }

    @Test(arguments: [
        ("A", nil as String?), ("E", "*"), ("P", "*"), ("M", ".."), (".", "."), ("..", ".."), (":", ":"), ("...", "...")
    ])
    func obsStatusMapsToSSBSymbols(code: String, status: String?) throws {
        let text = generic21.replacingOccurrences(of: "id=\"OBS_STATUS\" value=\"E\"", with: "id=\"OBS_STATUS\" value=\"\(code)\"")
        let r = try readSDMX(text)
        let cell = try #require(r.at("A", "0301", "Personer1", "2023"))
        #expect(cell.status == status)
        #expect(cell.value == (Symbols.isMissing(status) ? nil : 709037))
    }

    @Test func seriesWithOtherConceptsIsAnErrorNamingTheSeries() throws {
        let text = generic21.replacingOccurrences(
            of: "<generic:Value id=\"Region\" value=\"1103\"/>", with: "<generic:Value id=\"Kommune\" value=\"1103\"/>")
        let e = try sdmxError(text)
        #expect(e.location.path == "Series[2]")
        #expect(
            e.message
                == "the series key has concepts (Kommune, FREQ, ContentsCode) but the first Series has (FREQ, Region, ContentsCode); every Series of a DataSet must have the same key concepts"
        )
    }

    @Test func invalidObsValueIsRejectedWithItsLocation() throws {
        let text = generic21.replacingOccurrences(of: "value=\"144699\"", with: "value=\"12,5x\"")
        let e = try sdmxError(text)
        #expect(e.location.path == "Series[2]/Obs[1]")
        #expect(e.location.line == 42)
        #expect(e.message.hasPrefix("ObsValue \"12,5x\" is neither a number"))
    }

    @Test func malformedXMLReportsLineAndLibxmlMessage() throws {
        let text = """
            <?xml version="1.0"?>
            <GenericData>
              <DataSet>
                <Series>
                  <SeriesKey><Value concept="Region" value="0301"></SeriesKey>
                </Series>
              </DataSet>
            </GenericData>
            """
        let e = try sdmxError(text)
        #expect(e.location.line == 5)
        #expect(e.message.hasPrefix("malformed XML: "))
        #expect(e.message.contains("mismatch"))
        #expect(e.description.hasPrefix("test.xml:5:"))
    }

    @Test func externalEntityIsRefused() throws {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
            <GenericData><DataSet><Series><SeriesKey><Value concept="Region" value="&e;"/></SeriesKey>
            <Obs><Time>2020</Time><ObsValue value="1"/></Obs></Series></DataSet></GenericData>
            """
        let e = try sdmxError(text)
        // Any DOCTYPE is refused before its entities are declared or read.
        #expect(e.message.hasPrefix("a DOCTYPE declaration (<!DOCTYPE x …>) is not allowed"))
        #expect(e.location.line == 2)
    }

    @Test func billionLaughsIsRefusedQuickly() throws {
        var text = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        for k in 1...9 {
            let previous = k == 1 ? "lol" : "lol\(k - 1)"
            text += " <!ENTITY lol\(k) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        text += "]>\n<GenericData><DataSet><Series><Obs><Time>&lol9;</Time></Obs></Series></DataSet></GenericData>\n"
        let clock = ContinuousClock()
        var error: ReadError?
        let elapsed = try clock.measure { error = try sdmxError(text) }
        #expect(error?.message.hasPrefix("a DOCTYPE declaration (<!DOCTYPE lolz …>) is not allowed") == true)
        #expect(elapsed < .seconds(2))
    }

    @Test func unknownStructureIsRefused() throws {
        let e = try sdmxError("<?xml version=\"1.0\"?>\n<html><body>not SDMX</body></html>\n")
        #expect(e.message == "unknown SDMX structure: expected GenericData with DataSet/Series, found root <html>")
        let noDataSet = try sdmxError("<?xml version=\"1.0\"?>\n<m:GenericData xmlns:m=\"urn:x\"><m:Header/></m:GenericData>\n")
        #expect(
            noDataSet.message
                == "unknown SDMX structure: expected GenericData with DataSet/Series, found root <GenericData> without a DataSet")
    }

    @Test func emptyFileIsAnError() throws {
        let e = try sdmxError("")
        #expect(e.location.line != nil)
        #expect(e.message.hasPrefix("malformed XML") || e.message.hasPrefix("the file is empty"))
    }

    @Test func sniffsXML() throws {
        let scratch = try TemporaryDirectory("sdmx-tests")
        defer { scratch.remove() }
        let xml = try scratch.write("\u{FEFF}  \n<?xml version=\"1.0\"?><a/>", to: "a.xml")
        let csv = try scratch.write("\"region\";\"år\"\n", to: "b.xml")
        #expect(SDMXReader.looksLikeXML(path: xml))
        #expect(!SDMXReader.looksLikeXML(path: csv))
        #expect(!SDMXReader.looksLikeXML(path: "/nonexistent/file.xml"))
    }

    @Test func missingFileIsReportedAtInit() throws {
        #expect(throws: ReadError.self) { try SDMXReader(path: "/nonexistent/sdmx.xml") }
    }

    /// A million observations, streamed out by the test, read with flat memory.
    @Test func millionObservationsStreamWithBoundedMemory() throws {
        let scratch = try TemporaryDirectory("sdmx-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("big.xml").path
        let seriesCount = 2_000
        let obsPerSeries = 500
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let out = try #require(FileHandle(forWritingAtPath: path))
        var buffer = ""
        buffer.reserveCapacity(1 << 21)
        func flush(force: Bool = false) throws {
            if force || buffer.utf8.count > 1 << 20 {
                try out.write(contentsOf: Data(buffer.utf8))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        buffer += """
            <?xml version="1.0" encoding="utf-8"?>
            <message:GenericData xmlns:message="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/message" xmlns:generic="http://www.SDMX.org/resources/SDMXML/schemas/v2_0/generic">
            <message:Header><message:ID>big</message:ID></message:Header>
            <message:DataSet>

            """
        var expectedSum = 0.0
        var expectedMissing = 0
        for s in 0..<seriesCount {
            buffer +=
                "<generic:Series><generic:SeriesKey><generic:Value concept=\"Region\" value=\"\(1000 + s)\"/><generic:Value concept=\"ContentsCode\" value=\"Personer1\"/></generic:SeriesKey>"
            buffer += "<generic:Attributes><generic:Value concept=\"UNIT_MEASURE\" value=\"personer\"/></generic:Attributes>\n"
            for o in 0..<obsPerSeries {
                if (s + o) % 97 == 0 {
                    buffer +=
                        "<generic:Obs><generic:Time>\(1500 + o)</generic:Time><generic:ObsValue value=\"NaN\"/><generic:Attributes><generic:Value concept=\"OBS_STATUS\" value=\"M\"/></generic:Attributes></generic:Obs>\n"
                    expectedMissing += 1
                } else {
                    let v = (s * 7 + o * 3) % 1000
                    expectedSum += Double(v) + 0.5
                    buffer +=
                        "<generic:Obs><generic:Time>\(1500 + o)</generic:Time><generic:ObsValue value=\"\(v).5\"/><generic:Attributes><generic:Value concept=\"OBS_STATUS\" value=\"A\"/></generic:Attributes></generic:Obs>\n"
                }
            }
            buffer += "</generic:Series>\n"
            try flush()
        }
        buffer += "</message:DataSet>\n</message:GenericData>\n"
        try flush(force: true)
        try out.close()

        // Reset the high-water mark where the kernel allows it, so the figure is the reader's.
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let before = peakRSSkB()
        let clock = ContinuousClock()
        var sink = CountingSink()
        let elapsed = try clock.measure {
            try SDMXReader(path: path).read(into: &sink)
        }
        let peak = peakRSSkB()
        let size = ChunkedFile.size(path: path) ?? 0
        print(
            "SDMX 1M observations: file \(size >> 20) MB, read in \(elapsed), peak RSS (VmHWM) before \(before.map { "\($0 >> 10) MB" } ?? "?"), after \(peak.map { "\($0 >> 10) MB" } ?? "?")"
        )

        #expect(sink.count == seriesCount * obsPerSeries)
        #expect(sink.missing == expectedMissing)
        #expect(abs(sink.sum - expectedSum) < 1e-6 * expectedSum)
        #expect(sink.dimensions == ["Region", "ContentsCode", "TIME_PERIOD"])
        #expect(size > 150 << 20)
        if let peak {
            // Measured about 60 MB for the whole test process; the file is over 150 MB.
            #expect(peak < 200 << 10)
        }
    }
}
