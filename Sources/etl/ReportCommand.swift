import ArgumentParser
import Foundation
import GRDB
import Pipeline
import Report
import Transform
import Warehouse

/// `etl report`: a static HTML report of the warehouse (docs/REPORT.md).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a static HTML report (index, one page per indicator and per region or group, SVG charts) to a folder.",
        discussion: """
            The folder holds index.html, report.css, indikator/CODE.html and region/CODE.html; it opens from the file system \
            with no network and no JavaScript framework. Reform years are marked from the change catalogue (--catalog, default \
            pipelines/kommuneendringer.csv when it exists). Exit 1 when the warehouse cannot be read or the folder cannot be \
            written; exit 2 for an unknown --indicator, --region or --group.
            """)

    @Option(name: .long, help: "Warehouse file (default: warehouse/omsorg.sqlite).")
    var warehouse: String = Pipeline.defaultWarehouse

    @Option(name: .long, help: "Indicator code (repeat for several; default all).")
    var indicator: [String] = []

    @Option(name: .long, help: "Region code (repeat for several; default all with values).")
    var region: [String] = []

    @Option(name: .long, help: "Comparison group code (repeat; default all). A region's band is the first of these it belongs to.")
    var group: [String] = []

    @Option(name: .long, help: "Labels: nb (Norwegian, default) or en (the indicators' name_en).")
    var lang: ReportLanguage = .nb

    @Option(name: .long, help: "Change catalogue whose reforms are marked (default: pipelines/kommuneendringer.csv if present).")
    var catalog: String?

    @Option(
        name: .long,
        help:
            "The warehouse's pipeline, to show predecessors' figures as published (default: pipelines/sample.yml if present and the warehouse's)."
    )
    var pipeline: String?

    @Option(name: [.short, .long], help: "Output folder (created if missing; its parent must exist).")
    var output: String

    enum ReportLanguage: String, ExpressibleByArgument { case nb, en }

    func run() throws {
        let parent = (output as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !parent.isEmpty && !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) && isDirectory.boolValue) {
            eprint("error: \(output): the folder \(parent) does not exist; create it first or choose another -o")
            throw Exit.failure
        }
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) && !isDirectory.boolValue {
            eprint("error: \(output): is a file, not a folder; give -o a folder for the report")
            throw Exit.failure
        }
        var changeCatalog: ChangeCatalog?
        let catalogPath = catalog ?? "pipelines/kommuneendringer.csv"
        if catalog != nil || FileManager.default.fileExists(atPath: catalogPath) {
            do {
                let text = try String(contentsOfFile: catalogPath, encoding: .utf8)
                changeCatalog = try ChangeCatalog.parseCSV(text, file: catalogPath)
            } catch let e as CatalogError {
                eprint(errorLine(e.description)); throw Exit.failure
            } catch {
                eprint("error: \(catalogPath): cannot read the change catalogue: \(error.localizedDescription)"); throw Exit.failure
            }
        } else {
            eprint("note: no change catalogue at \(catalogPath); reform years are not marked (give --catalog FILE)")
        }
        let started = Date()
        let q = try openWarehouseForReading(warehouse)
        let summary: ReportSummary
        do {
            let unknown = try q.read { try unknownNames($0, indicators: indicator, regions: region, groups: group) }
            if !unknown.isEmpty { for line in unknown { eprint(line) }; throw Exit.usage }
            var options = ReportOptions(
                indicators: indicator, regions: region, groups: group,
                language: lang == .en ? .en : .nb, catalog: changeCatalog)
            options.published = try publishedPredecessors(q)
            let writer = try q.read { try ReportWriter($0, options: options) }
            summary = try writer.write(to: output)
        } catch let e as ExitCode {
            throw e
        } catch let e as DatabaseError {
            eprint(isDamagedDatabase(e) ? damagedWarehouseLine(warehouse, e) : errorLine(e.message ?? "\(e)"))
            throw Exit.failure
        } catch {
            eprint(errorLine("\(error)"))
            throw Exit.failure
        }
        let seconds = Date().timeIntervalSince(started)
        eprint(
            String(
                format: "wrote %d pages (%d indicators, %d regions, %d groups) to %@, %.1f MB, largest %@ %.0f kB, in %.2f s; open %@",
                summary.pages, summary.indicators, summary.regions, summary.groups, output, Double(summary.bytes) / 1e6,
                summary.largestPage.path, Double(summary.largestPage.bytes) / 1e3, seconds,
                (output as NSString).appendingPathComponent("index.html")))
    }

    /// The predecessors' own figures as published, computed from the staged cells with the
    /// warehouse's pipeline (its measures and formulas). Without that pipeline there are
    /// none, and a note says why; the rest of the report does not need them.
    func publishedPredecessors(_ q: DatabaseQueue) throws -> [String: [PublishedValue]] {
        let path = pipeline ?? "pipelines/sample.yml"
        guard pipeline != nil || FileManager.default.fileExists(atPath: path) else {
            eprint("note: no pipeline at \(path); former municipalities' figures as published are not shown (give --pipeline FILE)")
            return [:]
        }
        let loaded: Pipeline
        do { loaded = try Pipeline.load(path: path, checkFiles: false) } catch {
            eprint(errorLine("\(error)")); throw Exit.usage
        }
        switch try q.read({ db in try PublishedPredecessors.read(db, pipeline: loaded) }) {
        case .otherPipeline(let owner):
            eprint(
                "note: the warehouse was built by pipeline \"\(owner ?? "?")\", not \(path) (\"\(loaded.definition.name)\"); former municipalities' figures as published are not shown (give --pipeline FILE)"
            )
            return [:]
        case .values(let values):
            return values.mapValues { list in
                list.map {
                    PublishedValue(
                        region: $0.key.region, year: $0.key.year, breakdown: $0.key.breakdown, value: $0.value, status: $0.status,
                        note: $0.note)
                }
            }
        }
    }
}
