import Foundation
import Testing

@Suite struct CatalogCommandTests {
    @Test func shippedCatalogueRoundTripsThroughImportInEveryKlassForm() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let shipped = try String(contentsOf: dir.appendingPathComponent("pipelines/kommuneendringer.csv"), encoding: .utf8)
        // The same rows as KLASS serves them: JSON (codeChanges) and CSV without the kind column.
        var changes: [[String: String]] = []
        var csv = "oldCode,oldName,oldShortName,newCode,newName,newShortName,changeOccurred\n"
        for line in shipped.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            changes.append(["oldCode": f[0], "oldName": f[1], "oldShortName": "", "newCode": f[2], "newName": f[3], "newShortName": "", "changeOccurred": f[4]])
            csv += "\(f[0]),\(f[1]),,\(f[2]),\(f[3]),,\(f[4])\n"
        }
        try JSONSerialization.data(withJSONObject: ["codeChanges": changes]).write(to: dir.appendingPathComponent("klass.json"))
        try Data(csv.utf8).write(to: dir.appendingPathComponent("klass.csv"))
        for input in ["klass.json", "klass.csv", "pipelines/kommuneendringer.csv"] {
            let r = try etl(["catalog", "import", input, "-o", "out.csv"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            let imported = try String(contentsOf: dir.appendingPathComponent("out.csv"), encoding: .utf8)
            #expect(imported == shipped, "\(input) does not round-trip")
        }
        let bad = try etl(["catalog", "import", "pipelines/sample.yml"], in: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("pipelines/sample.yml"))
    }

    @Test func showPrintsACodesHistory() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try etl(["catalog", "show", "0124"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("0124 Askim → 3014 Indre Østfold (2020, merged with 0122, 0123, 0125, 0138) → 3118 Indre Østfold (2024, renumbered)"))
        let stokke = try etl(["catalog", "show", "0720"], in: dir)
        #expect(stokke.stdout.contains("0710 Sandefjord (2017, merged with 0706, 0719)"))
        #expect(stokke.stdout.contains("border adjustment → 0704 ignored"))
        // With the register beside the catalogue: re-established codes, codes of no year, special codes.
        #expect(try etl(["catalog", "show", "1534"], in: dir).stdout.contains("re-established 2024 as 1580 Haram on exactly this territory: 1534's values up to 2019 are 1580's"))
        #expect(try etl(["catalog", "show", "3199"], in: dir).stdout == "3199: valid in no year 1971–2026 in the register\n")
        #expect(try etl(["catalog", "show", "2111"], in: dir).stdout == "2111: Svalbard, not a kommune of any year\n")
    }

    @Test func commandLineMistakesExitWith2() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try etl(["run", "--no-such-option"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("Unknown option '--no-such-option'"))
        #expect(try etl(["--help"], in: dir).status == 0)
    }
}
