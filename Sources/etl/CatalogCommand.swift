import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Transform

struct Catalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "The municipality change catalogue.",
        subcommands: [Show.self, Import.self])

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
            if replace && prefer != nil { throw ValidationError("--replace and --prefer exclude each other: --replace keeps nothing of the catalogue") }
            if prefer != nil && output == nil { throw ValidationError("--prefer needs -o CATALOGUE to merge into") }
        }

        func run() throws {
            let rows: [KlassChange]
            do { rows = try KlassReader.read(path: file) } catch let e as ReadError { eprint(e.description); throw Exit.failure }
            let changes = rows.map { CodeChange(oldCode: $0.oldCode, oldName: $0.oldName, newCode: $0.newCode, newName: $0.newName,
                                                date: String($0.changeOccurred.prefix(10)), kind: .renumber) }
            guard let output else {
                writeAll(1, ChangeCatalog(changes: ChangeCatalog.deriveKinds(changes)).csv())
                return
            }
            if replace {
                let catalog = ChangeCatalog(changes: ChangeCatalog.deriveKinds(changes))
                try write(catalog, to: output)
                eprint("replaced \(output) with \(catalog.changes.count) changes (\(Self.years(catalog)))")
                return
            }
            var existing = ChangeCatalog(changes: [])
            if FileManager.default.fileExists(atPath: output) {
                guard let d = FileManager.default.contents(atPath: output) else { eprint("\(output): error: cannot read the catalogue to merge into"); throw Exit.failure }
                do { existing = try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: output) }
                catch { eprint(errorLine("\(error)")); throw Exit.failure }
            }
            let merge = CatalogMerge.merge(changes, into: existing, prefer: prefer)
            let counts = "\(merge.added.count) added, \(merge.present.count) already present, \(merge.conflicts.count) conflicting"
            if !merge.conflicts.isEmpty {
                for c in merge.conflicts {
                    let theirs = c.existing.map(Self.describe).joined(separator: "; ")
                    eprint("conflict: \(c.incoming.oldCode) in \(c.incoming.year): \(output) has \(theirs); \(file) has \(Self.describe(c.incoming))")
                }
                if prefer == nil {
                    eprint("error: \(merge.conflicts.count) conflicting change\(merge.conflicts.count == 1 ? "" : "s") between \(file) and \(output) (\(counts)); nothing written: choose with --prefer klass or --prefer catalogue, or replace the whole catalogue with --replace")
                    throw Exit.failure
                }
            }
            guard merge.changed else {
                let resolved = merge.conflicts.isEmpty ? "" : " (the catalogue's changes kept)"
                eprint("\(counts)\(resolved); \(output) left unchanged")
                return
            }
            try write(merge.result, to: output)
            let resolved = merge.conflicts.isEmpty ? "" : prefer == .klass ? " (the KLASS file's changes won)" : " (the catalogue's changes kept)"
            eprint("\(counts)\(resolved); wrote \(merge.result.changes.count) changes (\(Self.years(merge.result))) to \(output)")
        }

        func write(_ catalog: ChangeCatalog, to output: String) throws {
            do { try Data(catalog.csv().utf8).write(to: URL(fileURLWithPath: output), options: .atomic) }
            catch { eprint("\(output): error: cannot write: \(error.localizedDescription)"); throw Exit.failure }
        }

        static func years(_ catalog: ChangeCatalog) -> String { catalog.changeYears.map(String.init).joined(separator: ", ") }

        static func describe(_ c: CodeChange) -> String { "\(c.oldCode) \(c.oldName) → \(c.newCode) \(c.newName) (\(c.kind.rawValue), \(c.date))" }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a code's history, e.g. 0124 → 3014 (2020) → 3118 (2024).")

        @Argument(help: "A municipality code.")
        var code: String

        @Option(name: .long, help: "Change catalogue (default: pipelines/kommuneendringer.csv).")
        var catalog: String = "pipelines/kommuneendringer.csv"

        func run() throws {
            guard let d = FileManager.default.contents(atPath: catalog) else { eprint("\(catalog): error: change catalogue not found"); throw Exit.failure }
            let cat: ChangeCatalog
            do { cat = try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: catalog) } catch { eprint(errorLine("\(error)")); throw Exit.failure }
            let regions = RegionCatalog(catalog: cat)
            for line in CatalogHistory.describe(code: code, regions: regions) { out(line) }
        }
    }
}

extension CatalogMerge.Preference: ExpressibleByArgument {}
