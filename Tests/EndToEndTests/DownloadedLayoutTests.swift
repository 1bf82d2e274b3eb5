import Foundation
import Ingest
import Testing
import TestSupport

/// Files as statisticians download them (docs/FORMATS.md), through `etl inspect` and as a
/// pipeline source with no options beyond what the file cannot tell.
// Behaviour (in process) for runs; `etl inspect` through the binary (its logic is in the command line).
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
        let r = try p.inspect("matrix.csv", ["--catalog", "pipelines/kommuneendringer.csv", "--leading-zeros", "restore"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("region\tstatistikkvariabel\tår\tvalue\tstatus\n"))
        #expect(r.stdout.contains("0301\tBefolkning per 1.1. (personer)\t2019\t681071\t\n"))
        #expect(r.stdout.contains("0701\tPlasser i institusjon (antall)\t2019\t100\t\n"))
        #expect(r.stdout.contains("0118\tKorttidsplasser i institusjon (antall)\t2019\t2\t\n"))
        #expect(
            r.stderr.contains(
                "csv, delimiter=semicolon (sep= line) decimal=comma encoding=windows-1252 layout=matrix header-line=4 header-rows=2 stub-columns=1 footer-lines=1"
            ), "\(r.stderr)")
        #expect(r.stderr.contains("9 cells in 1 dataset"))

        let strict = try p.inspect("matrix.csv")
        #expect(strict.status == 1)
        #expect(
            strict.stderr.contains(
                "pipelines/bad/matrix.csv:8:1: error: region code \"118\" has 3 digits; a spreadsheet probably dropped a leading zero: did you mean \"0118\"?"
            ), "\(strict.stderr)")
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
// Command-line contract (process): `etl catalog import` and `etl inspect` live in the command line.
struct KlassDownloadCommandTests {
    @Test func catalogImportAcceptsChangesInLatin1AndACorrespondenceWithItsDate() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let changes =
            #"{"codeChanges":[{"oldCode":"0137","oldName":"Våler","newCode":"3018","newName":"Våler (Viken)","changeOccurred":"2020-01-01"}]}"#
        try Data(TextEncoding.iso88591.encode(changes)).write(to: dir.appendingPathComponent("changes.json"))
        let a = try etl(["catalog", "import", "changes.json"], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.contains("0137,Våler,3018,Våler (Viken),2020-01-01,"))

        let corr =
            #"{"correspondenceItems":[{"sourceCode":"0137","sourceName":"Våler","targetCode":"3018","targetName":"Våler (Viken)"},{"sourceCode":"0301","sourceName":"Oslo","targetCode":"0301","targetName":"Oslo"}]}"#
        try Data(corr.utf8).write(to: dir.appendingPathComponent("corr.json"))
        let b = try etl(["catalog", "import", "corr.json", "--date", "2020-01-01"], in: dir)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stdout == a.stdout)
        let noDate = try etl(["catalog", "import", "corr.json"], in: dir)
        #expect(noDate.status == 2)
        #expect(
            noDate.stderr.contains(
                "corr.json: error: a KLASS correspondence (2 items) says which code became which but not when; give the day the new version took effect with --date YYYY-MM-DD"
            ))

        try Data(
            TextEncoding.iso88591.encode(
                "\"code\";\"parentCode\";\"level\";\"name\";\"shortName\";\"notes\";\"validFrom\";\"validTo\"\n\"3018\";\"\";\"1\";\"Våler\";\"\";\"\"\n"
            )
        ).write(to: dir.appendingPathComponent("codes.csv"))
        let codes = try etl(["catalog", "import", "codes.csv"], in: dir)
        #expect(codes.status == 1)
        #expect(
            codes.stderr.contains(
                "codes.csv: error: a KLASS code list (1 codes) names each code and its validity but not what became of it"))
        let inspected = try etl(["inspect", "codes.csv", "--format", "klass"], in: dir)
        #expect(inspected.status == 0)
        #expect(inspected.stdout == "code\tparentCode\tlevel\tname\tshortName\tnotes\tvalidFrom\tvalidTo\n3018\t\t1\tVåler\t\t\t\t\n")
        #expect(inspected.stderr.contains("codes.csv: KLASS code list, klass csv encoding=iso-8859-1; 1 codes"))
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
// Behaviour (in process) for the run; `etl inspect` through the binary.
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

        let en = try p.inspect("table.px", ["--language", "en"])
        #expect(en.status == 0, "\(en.stderr)")
        #expect(en.stdout.hasPrefix("region\tcontents\tyear\tvalue\tstatus\n0301\tPopulation\t2024\t709000\t\n"))
        #expect(
            en.stderr.contains("px, px language=en (of no, en) encoding=windows-1252 (CHARSET=ANSI) keys=1 timeval=A1; 6 cells"),
            "\(en.stderr)")
    }
}
