import Foundation
import Ingest
import Pipeline
import Testing
import TestSupport

/// Files as statisticians download them (docs/FORMATS.md), through `etl inspect` and as a
/// pipeline source with no options beyond what the file cannot tell.
// Behaviour (in process) for runs and for what `etl inspect` reads (`InspectTable`); the
// command-line contract of `etl inspect` (what it prints, its exit statuses) through the binary.
struct DownloadedLayoutTests {
    /// A statbank matrix: measures over years in two header rows, a name-only region, a code
    /// that lost its leading zero, a footer.
    static let matrix = """
        sep=;
        06913: Befolkning og plasser, etter region, statistikkvariabel og år;;;
        ;;;
        ;Befolkning per 1.1. (personer);Korttidsplasser i institusjon (antall);Plasser i institusjon (antall)
        ;2019;2019;2019
        0301 Oslo;"681 071";120;4000
        Horten;27000;10;100
        118 Aremark;1400;2;20

        "Kilde: Statistisk sentralbyr&#229;";;;
        """

    @Test func aMatrixCSVIsInspectedWithItsDialect() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(TextEncoding.windows1252.encode(Self.matrix.replacingOccurrences(of: "\n", with: "\r\n")), "matrix.csv")
        let path = "pipelines/bad/matrix.csv"
        var options = ReaderOptions(displayName: path)
        options.resolveName = try NameIndex.resolver(catalogPath: p.dir.appendingPathComponent("pipelines/kommuneendringer.csv").path)
        options.leadingZeros = .restore
        let r = inspectInProcess(p.dir.appendingPathComponent(path), options: options)
        #expect(r.error == nil, "\(String(describing: r.error))")
        #expect(r.text.hasPrefix("region\tstatistikkvariabel\tår\tvalue\tstatus\n"))
        #expect(r.text.contains("0301\tBefolkning per 1.1. (personer)\t2019\t681071\t\n"))
        #expect(r.text.contains("0701\tPlasser i institusjon (antall)\t2019\t100\t\n"))
        #expect(r.text.contains("0118\tKorttidsplasser i institusjon (antall)\t2019\t2\t\n"))
        #expect(r.info?.format == .csv)
        #expect(
            r.info?.dialect.contains(
                "delimiter=semicolon (sep= line) decimal=comma encoding=windows-1252 layout=matrix header-line=4 header-rows=2 stub-columns=1 footer-lines=1"
            ) == true, "\(r.info?.dialect ?? "")")
        #expect(r.table.count == 9 && r.table.datasets == 1)

        let strict = inspectInProcess(p.dir.appendingPathComponent(path), options: ReaderOptions(displayName: path))
        #expect(
            strict.message.contains(
                "pipelines/bad/matrix.csv:8:1: error: region code \"118\" has 3 digits; a spreadsheet probably dropped a leading zero: did you mean \"0118\"?"
            ), "\(strict.message)")
        #expect(strict.status == 1)

        // What the command prints: the rows on standard output, the dialect and counts on standard error.
        let printed = try p.inspectCommand("matrix.csv", ["--catalog", "pipelines/kommuneendringer.csv", "--leading-zeros", "restore"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout == r.text)
        #expect(
            printed.stderr.contains("pipelines/bad/matrix.csv: csv, \(r.info?.dialect ?? "?"); 9 cells in 1 dataset"), "\(printed.stderr)")
        #expect(try p.inspectCommand("matrix.csv").status == 1)
    }

    @Test func aMatrixCSVIsAPipelineSource() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(Self.matrix, "matrix.csv")
        try p.definePipeline([.init(id: "data", file: "matrix.csv")])
        let strict = p.run()
        #expect(strict.status == 3, "\(strict.diagnosis)")
        let rejects = try p.rejects()
        #expect(rejects.count == 1)
        #expect(rejects.first?.location.hasSuffix("matrix.csv:8:1") == true, "\(rejects)")
        #expect(rejects.first?.error.contains("did you mean \"0118\"?") == true)

        try p.definePipeline([.init(id: "data", file: "matrix.csv", extra: ["leading_zeros: restore"])])
        let restored = p.run(fullRefresh: true)
        #expect(restored.status == 0, "\(restored.diagnosis)")
        let staged = try p.staged()
        #expect(staged.contains("0301|2019|Befolkning per 1.1. (personer)|681071.0||1"), "\(staged)")
        #expect(staged.contains("0701|2019|Plasser i institusjon (antall)|100.0||1"))
        #expect(staged.contains("0118|2019|Korttidsplasser i institusjon (antall)|2.0||1"))
        #expect(staged.count == 9)
    }

    @Test func aMisspeltLeadingZerosOptionIsRefused() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(Self.matrix, "matrix.csv")
        try p.definePipeline([.init(id: "data", file: "matrix.csv", extra: ["leading_zeros: restor"])])
        let r = p.run()
        #expect(r.status == 2)
        #expect(r.message.contains("sources[0].leading_zeros: unknown value `restor`; did you mean `restore`?"), "\(r.diagnosis)")
    }
}

/// `etl catalog import` and `etl inspect --format klass` on KLASS downloads.
// Behaviour (in process): what `CatalogImport` and `InspectTable` make of each download; the
// command-line contract (a correspondence without --date exits 2, as printed) through the binary.
struct KlassDownloadCommandTests {
    /// The catalogue `etl catalog import FILE` prints: the file's changes, kinds derived.
    func imported(_ url: URL, date: String? = nil) throws -> String {
        try CatalogImport.catalog(CatalogImport.changes(KlassReader.readDocument(path: url.path), file: url.lastPathComponent, date: date))
            .csv()
    }

    @Test func catalogImportAcceptsChangesInLatin1AndACorrespondenceWithItsDate() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let changes =
            #"{"codeChanges":[{"oldCode":"0137","oldName":"Våler","newCode":"3018","newName":"Våler (Viken)","changeOccurred":"2020-01-01"}]}"#
        try Data(TextEncoding.iso88591.encode(changes)).write(to: dir.appendingPathComponent("changes.json"))
        let a = try imported(dir.appendingPathComponent("changes.json"))
        #expect(a.contains("0137,Våler,3018,Våler (Viken),2020-01-01,"), "\(a)")

        let corr =
            #"{"correspondenceItems":[{"sourceCode":"0137","sourceName":"Våler","targetCode":"3018","targetName":"Våler (Viken)"},{"sourceCode":"0301","sourceName":"Oslo","targetCode":"0301","targetName":"Oslo"}]}"#
        try Data(corr.utf8).write(to: dir.appendingPathComponent("corr.json"))
        #expect(try imported(dir.appendingPathComponent("corr.json"), date: "2020-01-01") == a)
        let noDateMessage =
            "corr.json: error: a KLASS correspondence (2 items) says which code became which but not when; give the day the new version took effect with --date YYYY-MM-DD"
        #expect(throws: PipelineError.refused(noDateMessage)) { try imported(dir.appendingPathComponent("corr.json")) }
        #expect(PipelineError.refused(noDateMessage).exitStatus == 2)

        try Data(
            TextEncoding.iso88591.encode(
                "\"code\";\"parentCode\";\"level\";\"name\";\"shortName\";\"notes\";\"validFrom\";\"validTo\"\n\"3018\";\"\";\"1\";\"Våler\";\"\";\"\"\n"
            )
        ).write(to: dir.appendingPathComponent("codes.csv"))
        do {
            _ = try imported(dir.appendingPathComponent("codes.csv"))
            Issue.record("a code list was imported as changes")
        } catch let e as PipelineError {
            #expect(e.exitStatus == 1)
            #expect(
                e.description.hasPrefix(
                    "codes.csv: error: a KLASS code list (1 codes) names each code and its validity but not what became of it"), "\(e)")
        }
        let inspected = InspectTable.klass(try KlassReader.readDocument(path: dir.appendingPathComponent("codes.csv").path))
        #expect(
            ([inspected.header] + inspected.rows).map { $0 + "\n" }.joined()
                == "code\tparentCode\tlevel\tname\tshortName\tnotes\tvalidFrom\tvalidTo\n3018\t\t1\tVåler\t\t\t\t\n")
        #expect(inspected.summary == "KLASS code list, klass csv encoding=iso-8859-1; 1 codes")

        // What the command prints, and its exit status, for the correspondence without a date.
        let noDate = try etl(["catalog", "import", "corr.json"], in: dir)
        #expect(noDate.status == 2)
        #expect(noDate.stderr == noDateMessage + "\n", "\(noDate.stderr)")
    }
}

/// JSON-stat 2.0 extensions and footers reach the warehouse, so a user sees the footnotes.
// Behaviour (in process).
struct FootnoteTests {
    static let dataset = """
        {"version": "2.0", "class": "dataset", "label": "06913: Befolkning og plasser",
         "source": "Statistisk sentralbyrå", "updated": "2024-02-21T07:00:00Z",
         "note": ["Tallene gjelder 1. januar.", "Kommuner som er slått sammen vises med gamle koder."],
         "link": {"alternate": [{"type": "text/html", "href": "https://www.ssb.no/statbank/table/06913"}]},
         "extension": {"px": {"tableid": "06913", "decimals": 0}},
         "id": ["Region", "ContentsCode", "Tid"], "size": [1, 3, 1],
         "role": {"geo": ["Region"], "metric": ["ContentsCode"], "time": ["Tid"]},
         "dimension": {
           "Region": {"label": "region", "category": {"index": ["0301"], "label": {"0301": "Oslo"}, "note": {"0301": ["Bydelene er slått sammen."]}}},
           "ContentsCode": {"label": "statistikkvariabel", "category": {"index": ["B", "K", "P"],
             "label": {"B": "Befolkning per 1.1. (personer)", "K": "Korttidsplasser i institusjon (antall)", "P": "Plasser i institusjon (antall)"}}},
           "Tid": {"label": "år", "category": {"index": ["2019"], "label": {"2019": "2019"}}, "note": ["Foreløpige tall."]}},
         "value": [681071, 120, 4000]}
        """

    @Test func jsonStatNotesAndAMatrixFooterAreKeptInTheWarehouse() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(Self.dataset, "data.json")
        try p.write(DownloadedLayoutTests.matrix, "matrix.csv")
        try p.definePipeline(
            [.init(id: "data", file: "data.json"), .init(id: "matrix", file: "matrix.csv", extra: ["leading_zeros: restore"])],
            measureSource: "matrix")
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        let (notes, label, matrixNotes): (String?, String?, String?) = try openWarehouse(p.warehouse).read { db in
            (
                try String.fetchOne(db, sql: "SELECT notes FROM v_source WHERE source_id = 'data'"),
                try String.fetchOne(
                    db,
                    sql:
                        "SELECT l.note FROM stg_label l JOIN dim_source s USING (source_key) WHERE s.source_id = 'data' AND l.code = '0301'"
                ),
                try String.fetchOne(db, sql: "SELECT notes FROM dim_source WHERE source_id = 'matrix'")
            )
        }
        #expect(notes == "Tallene gjelder 1. januar.\nKommuner som er slått sammen vises med gamle koder.\nTid: Foreløpige tall.")
        #expect(label == "Bydelene er slått sammen.")
        #expect(matrixNotes == "Kilde: Statistisk sentralbyrå")
    }
}

/// A bilingual, sparse (KEYS) PX file as a pipeline source with no options, and inspected in English.
// Behaviour (in process).
struct PXSourceTests {
    static let table = """
        CHARSET="ANSI";
        LANGUAGE="no";
        LANGUAGES="no","en";
        TITLE[no]="06913: Befolkning og plasser";
        TITLE[en]="06913: Population and places";
        STUB[no]="region";
        STUB[en]="region";
        HEADING[no]="statistikkvariabel","år";
        HEADING[en]="contents","year";
        VALUES("region")="0301 Oslo","3118 Indre Østfold";
        VALUES[no]("statistikkvariabel")="Befolkning per 1.1. (personer)","Korttidsplasser i institusjon (antall)","Plasser i institusjon (antall)";
        VALUES[en]("contents")="Population","Short-term places","Places";
        TIMEVAL("år")=TLIST(A1),"2024";
        KEYS("region")=VALUES;
        LAST.UPDATED="20250221 08:00";
        DATA=
        "0301 Oslo" 709000 120 4000
        "3118 Indre Østfold" 46000 30 ".";

        """

    @Test func aBilingualKeyedPXFileIsAPipelineSourceAndInspectsInEnglish() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(TextEncoding.windows1252.encode(Self.table), "table.px")
        try p.definePipeline([.init(id: "data", file: "table.px")])
        let r = p.run()
        #expect(r.status == 0, "\(r.diagnosis)")
        let staged = try p.staged()
        #expect(staged.contains("0301|2024|Befolkning per 1.1. (personer)|709000.0||1"), "\(staged)")
        #expect(staged.contains("3118|2024|Plasser i institusjon (antall)|null|.|1"))
        #expect(staged.count == 6)

        let path = "pipelines/bad/table.px"
        var options = ReaderOptions(displayName: path)
        options.language = "en"
        let en = inspectInProcess(p.dir.appendingPathComponent(path), options: options)
        #expect(en.error == nil, "\(String(describing: en.error))")
        #expect(en.text.hasPrefix("region\tcontents\tyear\tvalue\tstatus\n0301\tPopulation\t2024\t709000\t\n"))
        #expect(en.info?.format == .px)
        #expect(
            en.info?.dialect == "px language=en (of no, en) encoding=windows-1252 (CHARSET=ANSI) keys=1 timeval=A1",
            "\(en.info?.dialect ?? "")")
        #expect(en.table.count == 6)
    }
}
