import Foundation
import GRDB
import Pipeline
import Testing
import TestSupport

/// What each command says when it fails or refuses (docs/bad-input.md, "The command line and
/// the catalogues"): one `error:` line, the documented exit status, and exports that say how
/// every value was obtained.
// Command-line contract (process): the commands' messages and exit statuses.
@Suite struct CommandLineTests {
    /// A scratch folder with the sample pipeline run once (in this process).
    func sampleWarehouse() throws -> URL {
        let dir = try scratchWithPipelines()
        let r = runInProcess(in: dir)
        #expect(r.status == 0, "\(r.diagnosis)")
        return dir
    }

    /// Every line of standard error that says `error` says it once.
    func oneErrorPerLine(_ stderr: String) -> Bool {
        stderr.split(separator: "\n").allSatisfy { $0.lowercased().components(separatedBy: "error:").count <= 2 }
    }

    @Test func quietRunOverItsRejectLimitPrintsOnlyTheError() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(
            ([
                #""region";"år";"statistikkvariabel";"06913: Befolkning og plasser""#,
                #""0301 Oslo";"2019";"Befolkning per 1.1. (personer)";681071"#,
                #""0301 Oslo";"2019";"Korttidsplasser i institusjon (antall)";120"#,
                #""0301 Oslo";"2019";"Plasser i institusjon (antall)";4000"#,
                #""XYZ Atlantis";"2019";"Befolkning per 1.1. (personer)";12"#
            ]).joined(separator: "\n") + "\n", "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")])
        let r = try p.runCommand(["--quiet"])
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "error: 1 rows rejected, more than --max-rejects allows (exit status 3)\n", "\(r.stderr)")
    }

    @Test func queryOnADamagedWarehouseExits1WithOneLine() throws {
        let dir = try sampleWarehouse()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Data(contentsOf: dir.appendingPathComponent("warehouse/omsorg.sqlite"))
        // Random bytes, a truncated file, and a file whose fact table's root page is overwritten
        // (it opens, and fails only when the query reads the table).
        var random = Data(count: 64 * 1024)
        for i in random.indices { random[i] = UInt8.random(in: 0...255) }
        try random.write(to: dir.appendingPathComponent("random.sqlite"))
        try good.prefix(good.count / 3).write(to: dir.appendingPathComponent("truncated.sqlite"))
        let (pageSize, root) = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA page_size")!,
                try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'fact_indicator'")!
            )
        }
        var damaged = good
        damaged.replaceSubrange(((root - 1) * pageSize)..<(root * pageSize), with: Data(repeating: 0xA5, count: pageSize))
        try damaged.write(to: dir.appendingPathComponent("damaged.sqlite"))
        for file in ["random.sqlite", "truncated.sqlite", "damaged.sqlite"] {
            for args in [["--sql", "SELECT count(*), sum(value) FROM fact_indicator"], ["--indicator", "innbyggere_80"]] {
                let r = try etl(["query", "--warehouse", file] + args, in: dir)
                #expect(r.status == 1, "\(file) \(args): \(r.stderr)")
                let lines = r.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("error: \(file): the warehouse cannot be read: "), "\(file): \(r.stderr)")
                #expect(oneErrorPerLine(r.stderr))
            }
        }
        // A mistake in the statement stays a usage error.
        let typo = try etl(["query", "--sql", "SELEC 1"], in: dir)
        #expect(typo.status == 2)
    }

    @Test func unknownNamesAreRefusedWithTheClosestValidOnes() throws {
        let dir = try sampleWarehouse()
        defer { try? FileManager.default.removeItem(at: dir) }
        let indicator = try etl(["query", "--indicator", "legemiddelgjenomgang"], in: dir)
        #expect(indicator.status == 2)
        #expect(indicator.stdout.isEmpty)
        #expect(
            indicator.stderr == "error: unknown indicator `legemiddelgjenomgang`; did you mean `legemiddelgjennomgang`?\n",
            "\(indicator.stderr)")
        let group = try etl(["query", "--group", "EKG8", "--indicator", "legemiddelgjennomgang"], in: dir)
        #expect(group.status == 2)
        #expect(group.stderr.contains("error: unknown group `EKG8`; did you mean `EKG08`"), "\(group.stderr)")
        let region = try etl(["query", "--indicator", "legemiddelgjennomgang", "--region", "3118", "--region", "Oslo"], in: dir)
        #expect(region.status == 2)
        #expect(
            region.stderr
                == "error: unknown region `Oslo`; no region in the warehouse has a similar name (`etl query --sql \"SELECT code FROM dim_region\"` lists them)\n",
            "\(region.stderr)")
        let export = try etl(["export", "-o", "x.csv", "--indicator", "legemiddelgjenomgang"], in: dir)
        #expect(export.status == 2)
        #expect(
            export.stderr == "error: unknown indicator `legemiddelgjenomgang`; did you mean `legemiddelgjennomgang`?\n", "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.csv").path))
        #expect(try etl(["query", "--indicator", "legemiddelgjennomgang", "--region", "3118"], in: dir).status == 0)
    }

    @Test func exportToAMissingFolderSaysSoInOneLine() throws {
        let dir = try sampleWarehouse()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try etl(["export", "-o", "no/such/dir/x.csv"], in: dir)
        #expect(r.status == 1)
        #expect(
            r.stderr == "error: no/such/dir/x.csv: the folder no/such/dir does not exist; create it first or choose another -o\n",
            "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("no").path))
    }

    @Test func everyCommandsFailureHasOneErrorPrefix() throws {
        let dir = try sampleWarehouse()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.csv"), withIntermediateDirectories: true)
        try Data("name: x\nsources: []\nmeasures: {}\nindicators: nope.yml\n".utf8).write(
            to: dir.appendingPathComponent("pipelines/broken.yml"))
        let cases: [([String], Int32)] = [
            (["validate", "pipelines/nope.yml"], 1),
            (["run", "pipelines/nope.yml"], 1),
            (["validate", "pipelines/broken.yml"], 2),
            (["run", "pipelines/broken.yml"], 2),
            (["rerun", "pipelines/broken.yml", "--structure", "2020"], 2),
            (["fetch", "pipelines/broken.yml"], 2),
            (["inspect", "folder.csv"], 1),
            (["inspect", "nofile.csv"], 1),
            (["query", "--warehouse", "nope.sqlite", "--indicator", "x"], 1),
            (["query", "--sql", "SELEC 1"], 2),
            (["status", "--warehouse", "nope.sqlite"], 1),
            (["export", "--warehouse", "nope.sqlite", "-o", "x.csv"], 1),
            (["catalog", "show", "0124", "--catalog", "nope.csv"], 1),
            (["catalog", "import", "nope.json", "-o", "x.csv"], 1),
            (["catalog", "import", "pipelines/sample.yml"], 1),
            (["run", "--structure", "1990"], 2)
        ]
        for (args, status) in cases {
            let r = try etl(args, in: dir)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.lowercased().contains("error:"), "\(args): \(r.stderr)")
            #expect(oneErrorPerLine(r.stderr), "\(args): \(r.stderr)")
        }
    }

    @Test func helpDocumentsExitStatus4() throws {
        let dir = FileManager.default.temporaryDirectory
        let help = try etl(["--help"], in: dir)
        #expect(help.status == 0)
        #expect(help.stdout.contains("4  published, but `run --fetch` used a stale source"), "\(help.stdout)")
        let run = try etl(["run", "--help"], in: dir)
        #expect(run.stdout.contains("--allow-stale"), "\(run.stdout)")
        // ArgumentParser wraps the discussion to the terminal's width; compare without line breaks.
        #expect(
            run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("4 published with a stale source"),
            "\(run.stdout)")
    }
}

// Behaviour (in process): where a rejected cell is recorded.
extension BadInputTests {
    @Test func aRejectedCellKeepsItsLineAndPointsAtItsColumn() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        let bad = #""XYZ Atlantis";"2019";"Befolkning ""per"" 1.1. (personer)";12"#
        let future = #""0301 Oslo";"2099";"Befolkning per 1.1. (personer)";12"#
        try p.write(
            ([
                #""region";"år";"statistikkvariabel";"06913: Befolkning og plasser""#,
                #""0301 Oslo";"2019";"Befolkning per 1.1. (personer)";681071"#,
                #""0301 Oslo";"2019";"Korttidsplasser i institusjon (antall)";120"#,
                #""0301 Oslo";"2019";"Plasser i institusjon (antall)";4000"#, bad, future
            ]).joined(separator: "\r\n") + "\r\n", "data.csv")
        try p.definePipeline([.init(id: "data", file: "data.csv")], maxRejects: 5)
        #expect(p.run().status == 0)
        let rejects = try p.rejects()
        #expect(rejects.map(\.location) == [p.local("pipelines/bad/data.csv:5:1"), p.local("pipelines/bad/data.csv:6:2")], "\(rejects)")
        #expect(rejects.map(\.raw) == [bad, future], "\(rejects)")
    }
}

/// What an export says of each value: its method, status and note (docs/bad-input.md).
// Behaviour (in process): `IndicatorExport` written and read back with `InspectTable`.
@Suite struct ExportContentTests {
    /// Writes the sample warehouse's values as `etl export --format FORMAT -o FILE` does.
    func export(_ dir: URL, _ format: IndicatorExport.Format, _ file: String) throws {
        let n = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read { db in
            try IndicatorExport.write(db, format: format, to: dir.appendingPathComponent(file).path, indicators: [], regions: [])
        }
        #expect(n.values > 0 && n.runId != nil)
    }

    @Test func exportsSayHowEachValueWasObtained() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(runInProcess(in: dir).status == 0, "the sample run failed")
        try export(dir, .csv, "x.csv")
        let csv = try String(contentsOf: dir.appendingPathComponent("x.csv"), encoding: .utf8).components(separatedBy: "\r\n")
        #expect(csv[0] == #""region";"år";"statistikkvariabel";"breakdown";"Harmoniserte indikatorer";"method";"status";"note""#)
        let facts = try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT region, region_name, year, indicator, method, ifnull(status, '') AS status, ifnull(note, '') AS note FROM v_indicator WHERE breakdown = ''"
            )
        }
        let allocated = try #require(facts.first { ($0["method"] as String) == "split_allocated" })
        let prefix =
            "\"\(allocated["region"] as String) \(allocated["region_name"] as String)\";\"\(allocated["year"] as Int)\";\"\(allocated["indicator"] as String)\";\"I alt\";"
        let line = try #require(csv.first { $0.hasPrefix(prefix) })
        #expect(line.hasSuffix(";\"split_allocated\";\"\(allocated["status"] as String)\";\"\(allocated["note"] as String)\""), "\(line)")
        let noted = try #require(facts.first { !($0["note"] as String).isEmpty })
        #expect(
            csv.contains {
                $0.hasSuffix(";\"\(noted["method"] as String)\";\"\(noted["status"] as String)\";\"\(noted["note"] as String)\"")
            })

        try export(dir, .jsonstat, "x.json")
        let doc = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("x.json"))) as? [String: Any])
        let ext = try #require(doc["extension"] as? [String: Any])
        let methods = try #require(ext["method"] as? [String: String])
        let notes = try #require(ext["note"] as? [String: String])
        #expect(methods.values.contains("split_allocated"))
        #expect(Set(methods.values).isSubset(of: ["as_published", "renumbered", "merged", "split_allocated", "not_computable"]))
        #expect(
            methods.count == facts.count
                + (try openWarehouse(dir.appendingPathComponent("warehouse/omsorg.sqlite")).read {
                    try Int.fetchOne($0, sql: "SELECT count(*) FROM v_indicator WHERE breakdown <> ''")!
                }))
        #expect(notes.values.contains(noted["note"] as String))
        #expect(doc["status"] is [String: String])
        // Both still read back with the project's own reader.
        for file in ["x.csv", "x.json"] {
            let r = inspectInProcess(dir.appendingPathComponent(file), options: ReaderOptions(displayName: file))
            #expect(r.error == nil && r.table.count > 0, "\(String(describing: r.error))")
        }
    }
}
