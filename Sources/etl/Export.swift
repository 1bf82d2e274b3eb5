import ArgumentParser
import Foundation
import GRDB
import Pipeline
import Warehouse

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write harmonised indicators as SSB-style long CSV or JSON-stat 2.0 (statuses kept).",
        discussion: """
            The CSV uses ';' and decimal comma, UTF-8, one row per value, with each value's method, status and note in the \
            last three columns (`method`, `status`, `note`; a `split_allocated` value is an estimate, not a published count). \
            JSON-stat carries the status symbols in `status` and each cell's method and note in `extension`. Both read back with \
            `etl inspect`. Exit 1 when the -o folder does not exist; exit 2 for an unknown --indicator or --region.
            """)

    @Option(name: .long, help: "Warehouse file (default: warehouse/omsorg.sqlite).")
    var warehouse: String = Pipeline.defaultWarehouse

    @Option(name: .long, help: "csv or jsonstat.")
    var format: ExportFormat = .csv

    @Option(name: .long, help: "Indicator code (repeat for several; default all).")
    var indicator: [String] = []

    @Option(name: .long, help: "Region code (repeat for several; default all).")
    var region: [String] = []

    @Option(name: [.short, .long], help: "Output file.")
    var output: String

    enum ExportFormat: String, ExpressibleByArgument {
        case csv, jsonstat
        var library: IndicatorExport.Format { self == .csv ? .csv : .jsonstat }
    }

    func run() throws {
        // A folder that is not there is the user's to create: one line, before any work (exit 1).
        let folder = (output as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !folder.isEmpty && !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) {
            eprint("error: \(output): the folder \(folder) does not exist; create it first or choose another -o")
            throw Exit.failure
        }
        let q = try openWarehouseForReading(warehouse)
        let outcome: IndicatorExport.Outcome
        do {
            let unknown = try q.read { try unknownNames($0, indicators: indicator, regions: region, groups: []) }
            if !unknown.isEmpty { for line in unknown { eprint(line) }; throw Exit.usage }
            outcome = try q.read { db in
                try IndicatorExport.write(db, format: format.library, to: output, indicators: indicator, regions: region)
            }
        } catch let e as ExitCode {
            throw e
        } catch let e as DatabaseError {
            eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)"))
            throw Exit.failure
        } catch let e as CocoaError {
            eprint(
                "error: \(output): cannot write the export: \((e.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? e.localizedDescription)"
            )
            throw Exit.failure
        } catch {
            eprint(errorLine("\(error)"))
            throw Exit.failure
        }
        eprint(
            "wrote \(outcome.values) values to \(output)"
                + (outcome.runId.map {
                    " (published by run \($0), vintage \(outcome.hash!.prefix(12))\(format == .csv ? "; recorded in \(output).vintage.json" : ""))"
                } ?? ""))
    }
}
