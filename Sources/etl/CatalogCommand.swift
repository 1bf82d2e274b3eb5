import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Transform

struct Catalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "The municipality change catalogue.",
        subcommands: [Show.self, Import.self, ImportCodes.self])

    /// Refreshes the register (docs/PIPELINE.md, "Refreshing the register and the catalogue from KLASS").
    struct ImportCodes: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-codes",
            abstract: "Add one year's KLASS code lists (131 kommuner, 104 fylker; JSON or CSV from `codesAt`) to the register.",
            discussion:
                "Codes in the list go on into the year (a new name starts a new row), codes missing from it end the year before, new codes start in it. Then `etl validate` checks the change catalogue against the register."
        )

        @Option(name: .long, help: "The year the lists are valid on 1 January of.")
        var year: Int

        @Option(name: .long, help: "KLASS 131 code list (kommuner).")
        var kommuner: String

        @Option(name: .long, help: "KLASS 104 code list (fylker).")
        var fylker: String

        @Option(name: .long, help: "The register folder to update.")
        var register: String = "pipelines/register"

        func run() throws {
            let loaded: Register?
            do { loaded = try Pipeline.loadRegister(folder: register).0 } catch { eprint("\(error)"); throw Exit.failure }
            guard let reg = loaded else { throw Exit.failure }
            let refresh: RegisterRefresh
            do {
                refresh = try RegisterRefresh(register: reg, year: year, kommunerPath: kommuner, fylkerPath: fylker)
            } catch let e as PipelineError {
                eprint(errorLine("\(e)")); throw Exit.usage
            } catch { eprint("\(error)"); throw Exit.failure }
            do { try refresh.write(to: register) } catch {
                eprint("\(register): error: cannot write: \(error.localizedDescription)"); throw Exit.failure
            }
            eprint(
                "register \(register): \(refresh.kommuner) kommuner and \(refresh.fylker) fylker valid in \(year); covers \(refresh.firstYear)–\(year)"
            )
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a KLASS change list (classification 131 `changes`, as JSON, CSV or XML) into the project's change catalogue.",
            discussion: """
                Kinds (name, split, merge, renumber) are derived from the rows of each date. With -o, the KLASS changes are \
                added to the catalogue already at that path (a missing file is an empty catalogue): the command reports how many \
                were added, already present and conflicting. A conflict is a KLASS change whose old code and year the catalogue \
                has with another new code or kind; each is listed and nothing is written (exit 1) unless --prefer klass or \
                --prefer catalogue says which side wins. When nothing is added the file is left as it was, byte for byte. \
                --replace writes the KLASS changes alone over the file. Without -o the KLASS list is printed in the catalogue format. \
                After a reform: import into pipelines/kommuneendringer.csv, then `etl rerun`.
                """)

        @Argument(help: "A KLASS download (.json, .csv or .xml).")
        var file: String

        @Option(name: [.short, .long], help: "The catalogue to merge into (default: print the KLASS list to standard output).")
        var output: String?

        @Flag(name: .long, help: "Replace the whole catalogue at -o with the KLASS changes instead of merging.")
        var replace = false

        @Option(name: .long, help: "Which side wins a conflict: klass or catalogue (default: refuse to write).")
        var prefer: CatalogMerge.Preference?

        func validate() throws {
            if replace && output == nil { throw ValidationError("--replace needs -o CATALOGUE") }
            if replace && prefer != nil {
                throw ValidationError("--replace and --prefer exclude each other: --replace keeps nothing of the catalogue")
            }
            if prefer != nil && output == nil { throw ValidationError("--prefer needs -o CATALOGUE to merge into") }
        }

        @Option(
            name: .long, help: "A correspondence between two versions (correspondsAt): the day the new version took effect, YYYY-MM-DD.")
        var date: String?

        func run() throws {
            let changes = try CatalogImport.changes(KlassReader.readDocument(path: file), file: file, date: date)
            guard let output else {
                writeAll(1, CatalogImport.catalog(changes).csv())
                return
            }
            if replace {
                let catalog = CatalogImport.catalog(changes)
                try write(catalog, to: output)
                eprint("replaced \(output) with \(catalog.changes.count) changes (\(CatalogImport.years(catalog)))")
                return
            }
            let decision: CatalogImport.Merge
            do { decision = try CatalogImport.merge(changes, into: output, prefer: prefer) } catch {
                eprint(errorLine("\(error)")); throw Exit.failure
            }
            let merge = decision.merge
            let counts = "\(merge.added.count) added, \(merge.present.count) already present, \(merge.conflicts.count) conflicting"
            for c in merge.conflicts {
                let theirs = c.existing.map(CatalogImport.describe).joined(separator: "; ")
                eprint(
                    "conflict: \(c.incoming.oldCode) in \(c.incoming.year): \(output) has \(theirs); \(file) has \(CatalogImport.describe(c.incoming))"
                )
            }
            if decision.refused {
                eprint(
                    "error: \(merge.conflicts.count) conflicting change\(merge.conflicts.count == 1 ? "" : "s") between \(file) and \(output) (\(counts)); nothing written: choose with --prefer klass or --prefer catalogue, or replace the whole catalogue with --replace"
                )
                throw Exit.failure
            }
            guard decision.writes else {
                let resolved = merge.conflicts.isEmpty ? "" : " (the catalogue's changes kept)"
                eprint("\(counts)\(resolved); \(output) left unchanged")
                return
            }
            try write(merge.result, to: output)
            let resolved =
                merge.conflicts.isEmpty ? "" : prefer == .klass ? " (the KLASS file's changes won)" : " (the catalogue's changes kept)"
            eprint("\(counts)\(resolved); wrote \(merge.result.changes.count) changes (\(CatalogImport.years(merge.result))) to \(output)")
        }

        func write(_ catalog: ChangeCatalog, to output: String) throws {
            do { try CatalogImport.write(catalog, to: output) } catch {
                eprint("\(output): error: cannot write: \(error.localizedDescription)"); throw Exit.failure
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a code's history, e.g. 0124 → 3014 (2020) → 3118 (2024).")

        @Argument(help: "A municipality code.")
        var code: String

        @Option(name: .long, help: "Change catalogue (default: pipelines/kommuneendringer.csv).")
        var catalog: String = "pipelines/kommuneendringer.csv"

        func run() throws {
            let lines: [String]
            do { lines = try CatalogImport.history(of: code, catalogPath: catalog) } catch {
                eprint(errorLine("\(error)")); throw Exit.failure
            }
            for line in lines { out(line) }
        }
    }
}

extension CatalogMerge.Preference: ExpressibleByArgument {}
