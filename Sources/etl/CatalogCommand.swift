import ArgumentParser
import Foundation
import Pipeline
import Transform

struct Catalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "The municipality change catalogue.",
        subcommands: [Show.self])

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
