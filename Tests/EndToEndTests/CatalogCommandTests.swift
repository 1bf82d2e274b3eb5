import Foundation
import Ingest
import Pipeline
import Testing
import TestSupport
import Transform

// Behaviour (in process): what `CatalogImport` reads from each KLASS form, how it merges, a code's history.
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

    /// The changes of a KLASS JSON list, as `etl catalog import` reads them.
    func klassChanges(_ url: URL) throws -> [CodeChange] {
        try CatalogImport.changes(KlassReader.readDocument(path: url.path), file: url.lastPathComponent, date: nil)
    }

    @Test func importMergesIntoTheCatalogue() throws {
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
        let decision = try CatalogImport.merge(klassChanges(dir.appendingPathComponent("klass.json")), into: catalogue.path, prefer: nil)
        #expect(decision.merge.added.count == 1 && decision.merge.present.count == 1 && decision.merge.conflicts.isEmpty)
        #expect(!decision.refused && decision.writes)
        let shippedChanges = shipped.split(separator: "\n").count - 1
        #expect(decision.merge.result.changes.count == shippedChanges + 1)
        #expect(CatalogImport.years(decision.merge.result).hasSuffix(", 2024, 2026"))
        try CatalogImport.write(decision.merge.result, to: catalogue.path)
        let merged = try String(contentsOf: catalogue, encoding: .utf8)
        // The shipped rows stay as they were, the new one is appended in date order, same format.
        #expect(merged == shipped + "3905,Tønsberg,3911,Færder,2026-01-01,renumber\n")
    }

    @Test func importOfNothingNewWritesNothing() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalogue = dir.appendingPathComponent("pipelines/kommuneendringer.csv")
        try klassJSON([("0124", "Askim", "3014", "Indre Østfold", "2020-01-01")], to: dir.appendingPathComponent("klass.json"))
        let decision = try CatalogImport.merge(klassChanges(dir.appendingPathComponent("klass.json")), into: catalogue.path, prefer: nil)
        #expect(decision.merge.added.isEmpty && decision.merge.present.count == 1 && decision.merge.conflicts.isEmpty)
        #expect(!decision.refused && !decision.writes)
    }

    @Test func conflictingImportIsRefusedUnlessASideIsChosen() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalogue = dir.appendingPathComponent("pipelines/kommuneendringer.csv")
        let before = try String(contentsOf: catalogue, encoding: .utf8)
        // Askim to another new code in 2020: same old code and year, another new code.
        try klassJSON([("0124", "Askim", "3099", "Askim", "2020-01-01")], to: dir.appendingPathComponent("klass.json"))
        let changes = try klassChanges(dir.appendingPathComponent("klass.json"))
        let refused = try CatalogImport.merge(changes, into: catalogue.path, prefer: nil)
        #expect(refused.refused && !refused.writes)
        let conflict = try #require(refused.merge.conflicts.first)
        #expect(refused.merge.conflicts.count == 1 && refused.merge.added.isEmpty && refused.merge.present.isEmpty)
        #expect(conflict.incoming.oldCode == "0124" && conflict.incoming.year == 2020)
        #expect(conflict.existing.map(CatalogImport.describe) == ["0124 Askim → 3014 Indre Østfold (merge, 2020-01-01)"])
        #expect(CatalogImport.describe(conflict.incoming) == "0124 Askim → 3099 Askim (renumber, 2020-01-01)")

        let keep = try CatalogImport.merge(changes, into: catalogue.path, prefer: .catalogue)
        #expect(!keep.refused && !keep.writes)

        let theirs = try CatalogImport.merge(changes, into: catalogue.path, prefer: .klass)
        #expect(!theirs.refused && theirs.writes)
        let merged = theirs.merge.result.csv()
        #expect(merged.contains("0124,Askim,3099,Askim,2020-01-01,renumber\n"))
        #expect(!merged.contains("0124,Askim,3014,"))
        #expect(merged.split(separator: "\n").count == before.split(separator: "\n").count)
    }

    @Test func replaceIsTheKlassListAlone() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        try klassJSON([("0124", "Askim", "3014", "Indre Østfold", "2020-01-01")], to: dir.appendingPathComponent("klass.json"))
        #expect(
            CatalogImport.catalog(try klassChanges(dir.appendingPathComponent("klass.json"))).csv()
                == "oldCode,oldName,newCode,newName,changeOccurred,kind\n0124,Askim,3014,Indre Østfold,2020-01-01,renumber\n")
    }

    /// What `etl catalog import -o` prints and writes, and its exit statuses.
    @Test func importPrintsWhatItDidAndExitsWithItsStatus() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalogue = dir.appendingPathComponent("pipelines/kommuneendringer.csv")
        let shipped = try Data(contentsOf: catalogue)
        let shippedChanges = String(decoding: shipped, as: UTF8.self).split(separator: "\n").count - 1

        // A conflict and no side chosen: both lines, one `error:`, nothing written (exit 1).
        try klassJSON([("0124", "Askim", "3099", "Askim", "2020-01-01")], to: dir.appendingPathComponent("conflict.json"))
        let refused = try etl(["catalog", "import", "conflict.json", "-o", "pipelines/kommuneendringer.csv"], in: dir)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "conflict: 0124 in 2020: pipelines/kommuneendringer.csv has 0124 Askim → 3014 Indre Østfold (merge, 2020-01-01); conflict.json has 0124 Askim → 3099 Askim (renumber, 2020-01-01)"
            ), "\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "error: 1 conflicting change between conflict.json and pipelines/kommuneendringer.csv (0 added, 0 already present, 1 conflicting); nothing written: choose with --prefer klass or --prefer catalogue, or replace the whole catalogue with --replace"
            ), "\(refused.stderr)")
        #expect(refused.stderr.components(separatedBy: "error:").count == 2)
        #expect(try Data(contentsOf: catalogue) == shipped)
        let keep = try etl(["catalog", "import", "conflict.json", "-o", "pipelines/kommuneendringer.csv", "--prefer", "catalogue"], in: dir)
        #expect(keep.status == 0, "\(keep.stderr)")
        #expect(try Data(contentsOf: catalogue) == shipped)

        // Nothing new: said so, the file byte for byte as it was.
        try klassJSON([("0124", "Askim", "3014", "Indre Østfold", "2020-01-01")], to: dir.appendingPathComponent("known.json"))
        let known = try etl(["catalog", "import", "known.json", "-o", "pipelines/kommuneendringer.csv"], in: dir)
        #expect(known.status == 0, "\(known.stderr)")
        #expect(
            known.stderr.contains("0 added, 1 already present, 0 conflicting; pipelines/kommuneendringer.csv left unchanged"),
            "\(known.stderr)")
        #expect(try Data(contentsOf: catalogue) == shipped)

        // One new change: the counts and the years the written catalogue covers.
        try klassJSON(
            [
                ("0124", "Askim", "3014", "Indre Østfold", "2020-01-01"),
                ("3905", "Tønsberg", "3911", "Færder", "2026-01-01")
            ], to: dir.appendingPathComponent("klass.json"))
        let r = try etl(["catalog", "import", "klass.json", "-o", "pipelines/kommuneendringer.csv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("1 added, 1 already present, 0 conflicting; wrote \(shippedChanges + 1) changes ("), "\(r.stderr)")
        #expect(r.stderr.contains(", 2024, 2026) to pipelines/kommuneendringer.csv"), "\(r.stderr)")
        #expect(
            try String(contentsOf: catalogue, encoding: .utf8)
                == String(decoding: shipped, as: UTF8.self) + "3905,Tønsberg,3911,Færder,2026-01-01,renumber\n")

        // --replace writes the list alone; without -o it is a usage error.
        let replaced = try etl(["catalog", "import", "known.json", "-o", "pipelines/kommuneendringer.csv", "--replace"], in: dir)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(
            try String(contentsOf: catalogue, encoding: .utf8)
                == "oldCode,oldName,newCode,newName,changeOccurred,kind\n0124,Askim,3014,Indre Østfold,2020-01-01,renumber\n")
        #expect(try etl(["catalog", "import", "known.json", "--replace"], in: dir).status == 2)
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
