import Foundation
import Pipeline
import Testing
import TestSupport

/// `etl catalog import-codes`: the register is refreshed from KLASS code lists of a new year
/// (docs/PIPELINE.md, "Refreshing the register and the catalogue from KLASS").
// Behaviour (in process): `RegisterRefresh`; the command-line contract (what
// `etl catalog import-codes` prints, exit 2 for a year already covered) through the binary.
@Suite struct RegisterRefreshTests {
    @Test func aNewYearsCodeListsExtendTheRegister() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let kommuner = try String(contentsOf: dir.appendingPathComponent("pipelines/register/kommuner.csv"), encoding: .utf8)
        // 2027 as KLASS might serve it: 2026's codes, 5536 renamed, 3118 gone into a new 3199, plus 9999.
        var codes: [[String: Any]] = []
        for line in kommuner.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f[3].isEmpty, f[0] != "3118" else { continue }
            codes.append(["code": f[0], "name": f[0] == "5536" ? "Ivgu - Lyngen" : f[1], "level": "1"])
        }
        codes.append(["code": "3199", "name": "Nytt Østfold", "level": "1"])
        codes.append(["code": "9999", "name": "Uoppgitt", "level": "1"])
        try JSONSerialization.data(withJSONObject: ["codes": codes]).write(to: dir.appendingPathComponent("k2027.json"))
        let fylker = try String(contentsOf: dir.appendingPathComponent("pipelines/register/fylker.csv"), encoding: .utf8)
        var fcsv = "\"code\";\"parentCode\";\"level\";\"name\"\n"
        for line in fylker.split(separator: "\n").dropFirst() where line.hasSuffix(",") {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            fcsv += "\"\(f[0])\";\"\";\"1\";\"\(f[1])\"\n"
        }
        fcsv += "\"99\";\"\";\"1\";\"Uoppgitt\"\n"
        try Data(fcsv.utf8).write(to: dir.appendingPathComponent("f2027.csv"))

        let folder = dir.appendingPathComponent("pipelines/register")
        let refresh = try RegisterRefresh(
            register: try register(folder), year: 2027, kommunerPath: dir.appendingPathComponent("k2027.json").path,
            fylkerPath: dir.appendingPathComponent("f2027.csv").path)
        #expect(refresh.kommuner == 357 && refresh.fylker == 15 && refresh.firstYear == 1971)
        // Nothing is written before `write`.
        #expect(try String(contentsOf: folder.appendingPathComponent("coverage.csv"), encoding: .utf8) == "first,last\n1971,2026\n")
        try refresh.write(to: folder.path)
        let after = try String(contentsOf: dir.appendingPathComponent("pipelines/register/kommuner.csv"), encoding: .utf8)
        let lines = Set(after.split(separator: "\n").map(String.init))
        #expect(lines.contains("3118,Indre Østfold,2024,2026"))
        #expect(lines.contains("3199,Nytt Østfold,2027,"))
        #expect(lines.contains("5536,Lyngen - Ivgu - Yykeä,2026,2026") && lines.contains("5536,Ivgu - Lyngen,2027,"))
        #expect(lines.contains("0301,Oslo - Oslove,2026,"))
        #expect(!after.contains("9999"))
        #expect(
            try String(contentsOf: dir.appendingPathComponent("pipelines/register/coverage.csv"), encoding: .utf8)
                == "first,last\n1971,2027\n")
        // A year already covered is refused.
        #expect(
            throws: PipelineError.refused("the register already covers 2026 (1971–2027); give a later year")
        ) {
            try RegisterRefresh(
                register: try register(folder), year: 2026, kommunerPath: dir.appendingPathComponent("k2027.json").path,
                fylkerPath: dir.appendingPathComponent("f2027.csv").path)
        }
    }

    /// What `etl catalog import-codes` prints, and its exit statuses.
    @Test func importCodesPrintsWhatItAddedAndRefusesACoveredYear() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"codes": [{"code": "0301", "name": "Oslo"}]}"#.utf8).write(to: dir.appendingPathComponent("k.json"))
        try Data("code;name\n03;Oslo\n".utf8).write(to: dir.appendingPathComponent("f.csv"))
        let again = try etl(["catalog", "import-codes", "--year", "2026", "--kommuner", "k.json", "--fylker", "f.csv"], in: dir)
        #expect(again.status == 2)
        #expect(again.stderr == "error: the register already covers 2026 (1971–2026); give a later year\n", "\(again.stderr)")
        let r = try etl(["catalog", "import-codes", "--year", "2027", "--kommuner", "k.json", "--fylker", "f.csv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr == "register pipelines/register: 1 kommuner and 1 fylker valid in 2027; covers 1971–2027\n", "\(r.stderr)")
    }
}
