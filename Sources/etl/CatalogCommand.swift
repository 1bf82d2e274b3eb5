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
            abstract: "Turn a KLASS change list (classification 131 `changes`, as JSON, CSV or XML) into the project's catalogue format.",
            discussion: "Kinds (name, split, merge, renumber) are derived from the rows of each date. Write it over pipelines/kommuneendringer.csv to refresh the catalogue after a reform, then `etl rerun`.")

        @Argument(help: "A KLASS download (.json, .csv or .xml).")
        var file: String

        @Option(name: [.short, .long], help: "Where to write the catalogue (default: standard output).")
        var output: String?

        @Option(name: .long, help: "A correspondence between two versions (correspondsAt): the day the new version took effect, YYYY-MM-DD.")
        var date: String?

        func run() throws {
            let document: KlassDocument
            do { document = try KlassReader.readDocument(path: file) } catch let e as ReadError { eprint(e.description); throw Exit.failure }
            let rows: [KlassChange]
            switch document.content {
            case .changes(let c):
                rows = c
            case .correspondence(let items):
                guard let date, date.count == 10, date.dropFirst(4).first == "-" else {
                    eprint("\(file): error: a KLASS correspondence (\(items.count) items) says which code became which but not when; give the day the new version took effect with --date YYYY-MM-DD")
                    throw Exit.usage
                }
                // Codes that correspond to themselves under the same name did not change.
                rows = items.filter { $0.sourceCode != $0.targetCode || $0.sourceName != $0.targetName }.map {
                    KlassChange(oldCode: $0.sourceCode, oldName: $0.sourceName, newCode: $0.targetCode, newName: $0.targetName, changeOccurred: date)
                }
            case .codes(let codes):
                eprint("\(file): error: a KLASS code list (\(codes.count) codes) names each code and its validity but not what became of it; download the classification's `changes` (or a correspondence between two versions) to refresh the change catalogue")
                throw Exit.failure
            }
            let changes = rows.map { CodeChange(oldCode: $0.oldCode, oldName: $0.oldName, newCode: $0.newCode, newName: $0.newName,
                                                date: String($0.changeOccurred.prefix(10)), kind: .renumber) }
            let catalog = ChangeCatalog(changes: ChangeCatalog.deriveKinds(changes))
            let text = catalog.csv()
            if let output {
                do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) }
                catch { eprint("\(output): error: cannot write: \(error.localizedDescription)"); throw Exit.failure }
                let years = Dictionary(grouping: catalog.changes, by: \.year).keys.sorted()
                eprint("wrote \(catalog.changes.count) changes (\(years.map(String.init).joined(separator: ", "))) to \(output)")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
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
            guard let d = FileManager.default.contents(atPath: catalog) else { eprint("\(catalog): error: change catalogue not found"); throw Exit.failure }
            let cat: ChangeCatalog
            do { cat = try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: catalog) } catch { eprint("\(error)"); throw Exit.failure }
            let regions = RegionCatalog(catalog: cat)
            for line in CatalogHistory.describe(code: code, regions: regions) { out(line) }
        }
    }
}
