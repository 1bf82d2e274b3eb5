import Foundation
import Ingest
import Pipeline
import Testing
import TestSupport
import Transform

// Behaviour (in process): what `CatalogImport` reads from each KLASS form and a code's history.
// Command-line contract (process): what `etl catalog import` prints and writes, its exit
// statuses, usage errors and the structure-year refusal as printed.
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
            changes.append([
                "oldCode": f[0], "oldName": f[1], "oldShortName": "", "newCode": f[2], "newName": f[3], "newShortName": "",
                "changeOccurred": f[4]
            ])
            csv += "\(f[0]),\(f[1]),,\(f[2]),\(f[3]),,\(f[4])\n"
        }
        try JSONSerialization.data(withJSONObject: ["codeChanges": changes]).write(to: dir.appendingPathComponent("klass.json"))
        try Data(csv.utf8).write(to: dir.appendingPathComponent("klass.csv"))
        for input in ["klass.json", "klass.csv", "pipelines/kommuneendringer.csv"] {
            // As `etl catalog import INPUT -o out.csv` with no out.csv yet: merged into an empty catalogue.
            let url = dir.appendingPathComponent(input)
            let changes = try CatalogImport.changes(KlassReader.readDocument(path: url.path), file: input, date: nil)
            let existing = try CatalogImport.existing(at: dir.appendingPathComponent("out.csv").path)
            #expect(existing.changes.isEmpty)
            let merge = CatalogMerge.merge(changes, into: existing, prefer: nil)
            #expect(merge.conflicts.isEmpty && merge.changed)
            #expect(merge.result.csv() == shipped, "\(input) does not round-trip")
            #expect(CatalogImport.catalog(changes).csv() == shipped, "\(input) does not round-trip")
        }
        // Through the binary once: the file it writes.
        let r = try etl(["catalog", "import", "klass.json", "-o", "out.csv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("out.csv"), encoding: .utf8) == shipped)
        #expect(throws: ReadError.self) {
            try KlassReader.readDocument(path: dir.appendingPathComponent("pipelines/sample.yml").path)
        }
        let bad = try etl(["catalog", "import", "pipelines/sample.yml"], in: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("pipelines/sample.yml"))
    }

    @Test func showPrintsACodesHistory() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = dir.appendingPathComponent("pipelines/kommuneendringer.csv").path
        func history(_ code: String) throws -> String {
            try CatalogImport.history(of: code, catalogPath: catalog).map { $0 + "\n" }.joined()
        }
        #expect(
            try history("0124").contains(
                "0124 Askim → 3014 Indre Østfold (2020, merged with 0122, 0123, 0125, 0138) → 3118 Indre Østfold (2024, renumbered)"))
        let stokke = try history("0720")
        #expect(stokke.contains("0710 Sandefjord (2017, merged with 0706, 0719)"))
        #expect(stokke.contains("border adjustment → 0704 ignored"))
        // With the register beside the catalogue: re-established codes, codes of no year, special codes.
        #expect(
            try history("1534").contains(
                "re-established 2024 as 1580 Haram on exactly this territory: 1534's values up to 2019 are 1580's"))
        #expect(try history("3199") == "3199: valid in no year 1971–2026 in the register\n")
        #expect(try history("2111") == "2111: Svalbard, not a kommune of any year\n")
        #expect(throws: PipelineError.run("nowhere.csv: error: change catalogue not found")) {
            try CatalogImport.history(of: "0124", catalogPath: "nowhere.csv")
        }
        // What the command prints: the lines on standard output.
        let r = try etl(["catalog", "show", "0124"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout == (try history("0124")))
    }

    @Test func commandLineMistakesExitWith2() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try etl(["run", "--no-such-option"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("Unknown option '--no-such-option'"))
        #expect(try etl(["--help"], in: dir).status == 0)
    }

    /// A KLASS list as JSON (`codeChanges`), one change per tuple.
    func klassJSON(_ rows: [(String, String, String, String, String)], to url: URL) throws {
        let changes = rows.map {
            [
                "oldCode": $0.0, "oldName": $0.1, "oldShortName": "", "newCode": $0.2, "newName": $0.3, "newShortName": "",
                "changeOccurred": $0.4
            ]
        }
        try JSONSerialization.data(withJSONObject: ["codeChanges": changes]).write(to: url)
    }

    @Test func importMergesIntoTheCatalogueAndReportsWhatItAdded() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalogue = dir.appendingPathComponent("pipelines/kommuneendringer.csv")
        let shipped = try String(contentsOf: catalogue, encoding: .utf8)
        // One change the catalogue has (part of the 2020 Indre Østfold merge) and one it lacks.
        try klassJSON(
            [
                ("0124", "Askim", "3014", "Indre Østfold", "2020-01-01"),
                ("3905", "Tønsberg", "3911", "Færder", "2026-01-01")
            ], to: dir.appendingPathComponent("klass.json"))
        let r = try etl(["catalog", "import", "klass.json", "-o", "pipelines/kommuneendringer.csv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let shippedChanges = shipped.split(separator: "\n").count - 1
        #expect(r.stderr.contains("1 added, 1 already present, 0 conflicting; wrote \(shippedChanges + 1) changes ("), "\(r.stderr)")
        #expect(r.stderr.contains(", 2024, 2026) to pipelines/kommuneendringer.csv"), "\(r.stderr)")
        let merged = try String(contentsOf: catalogue, encoding: .utf8)
        // The shipped rows stay as they were, the new one is appended in date order, same format.
        #expect(merged == shipped + "3905,Tønsberg,3911,Færder,2026-01-01,renumber\n")
    }

    @Test func importOfNothingNewLeavesTheCatalogueByteIdentical() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalogue = dir.appendingPathComponent("pipelines/kommuneendringer.csv")
        let before = try Data(contentsOf: catalogue)
        try klassJSON([("0124", "Askim", "3014", "Indre Østfold", "2020-01-01")], to: dir.appendingPathComponent("klass.json"))
        let r = try etl(["catalog", "import", "klass.json", "-o", "pipelines/kommuneendringer.csv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stderr.contains("0 added, 1 already present, 0 conflicting; pipelines/kommuneendringer.csv left unchanged"), "\(r.stderr)")
        #expect(try Data(contentsOf: catalogue) == before)
    }

    @Test func conflictingImportIsRefusedUnlessASideIsChosen() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalogue = dir.appendingPathComponent("pipelines/kommuneendringer.csv")
        let before = try Data(contentsOf: catalogue)
        // Askim to another new code in 2020: same old code and year, another new code.
        try klassJSON([("0124", "Askim", "3099", "Askim", "2020-01-01")], to: dir.appendingPathComponent("klass.json"))
        let refused = try etl(["catalog", "import", "klass.json", "-o", "pipelines/kommuneendringer.csv"], in: dir)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "conflict: 0124 in 2020: pipelines/kommuneendringer.csv has 0124 Askim → 3014 Indre Østfold (merge, 2020-01-01); klass.json has 0124 Askim → 3099 Askim (renumber, 2020-01-01)"
            ), "\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "error: 1 conflicting change between klass.json and pipelines/kommuneendringer.csv (0 added, 0 already present, 1 conflicting); nothing written: choose with --prefer klass or --prefer catalogue, or replace the whole catalogue with --replace"
            ), "\(refused.stderr)")
        #expect(refused.stderr.components(separatedBy: "error:").count == 2)
        #expect(try Data(contentsOf: catalogue) == before)

        let keep = try etl(["catalog", "import", "klass.json", "-o", "pipelines/kommuneendringer.csv", "--prefer", "catalogue"], in: dir)
        #expect(keep.status == 0, "\(keep.stderr)")
        #expect(try Data(contentsOf: catalogue) == before)

        let theirs = try etl(["catalog", "import", "klass.json", "-o", "pipelines/kommuneendringer.csv", "--prefer", "klass"], in: dir)
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let merged = try String(contentsOf: catalogue, encoding: .utf8)
        #expect(merged.contains("0124,Askim,3099,Askim,2020-01-01,renumber\n"))
        #expect(!merged.contains("0124,Askim,3014,"))
        #expect(merged.split(separator: "\n").count == String(decoding: before, as: UTF8.self).split(separator: "\n").count)
    }

    @Test func replaceWritesTheKlassListAlone() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        try klassJSON([("0124", "Askim", "3014", "Indre Østfold", "2020-01-01")], to: dir.appendingPathComponent("klass.json"))
        let r = try etl(["catalog", "import", "klass.json", "-o", "pipelines/kommuneendringer.csv", "--replace"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            try String(contentsOf: dir.appendingPathComponent("pipelines/kommuneendringer.csv"), encoding: .utf8)
                == "oldCode,oldName,newCode,newName,changeOccurred,kind\n0124,Askim,3014,Indre Østfold,2020-01-01,renumber\n")
        #expect(try etl(["catalog", "import", "klass.json", "--replace"], in: dir).status == 2)
    }

    @Test func structureYearOutsideTheCatalogueIsRefused() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The register and the change catalogue cover 1994–2026 (docs/PIPELINE.md, "The register").
        let late = try etl(["run", "--structure", "2030"], in: dir)
        #expect(late.status == 2)
        #expect(
            late.stderr == "error: structure year 2030 is outside the years the register and change catalogue cover (1994–2026)\n",
            "\(late.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("warehouse/omsorg.sqlite").path))
        let early = try etl(["rerun", "--structure", "1990"], in: dir)
        #expect(early.status == 2)
        #expect(
            early.stderr.contains("error: structure year 1990 is outside the years the register and change catalogue cover (1994–2026)"),
            "\(early.stderr)")
        // The bounds themselves are accepted.
        // (These runs are behaviour, run in this process.)
        let first = runInProcess(in: dir, structureYear: 1994)
        #expect(first.status == 0, "\(first.diagnosis)")
        let last = runInProcess(in: dir, structureYear: 2026, rerun: true)
        #expect(last.status == 0, "\(last.diagnosis)")
        // A rerun into a warehouse that never staged the sources says so instead of blaming the selections.
        let empty = runInProcess(in: dir, warehouse: "empty.sqlite", structureYear: 2024, rerun: true)
        #expect(empty.status == 1, "\(empty.diagnosis)")
        #expect(empty.message.contains("nothing is staged for source kostra_12209"), "\(empty.diagnosis)")
    }
}
