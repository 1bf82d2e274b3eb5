import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Transform

/// Prints what a reader sees in a file, one row per cell, so a statistician can check a
/// file before adding it to a pipeline.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the readers see in a file: one column per dimension, then value and status.",
        discussion:
            "Output is tab-separated on standard output; numbers use '.' as decimal, empty for null. The detected dialect goes to standard error."
    )

    @Argument(help: "The file to read.")
    var file: String

    @Option(
        name: .long,
        help: "Format: csv, jsonstat, sdmx, px, husbanken (needs --mapping) or klass (default: from the extension and first bytes).")
    var format: String?

    @Option(name: .long, help: "Husbanken exports: a YAML file mapping columns (municipality, year, kind, stage, places, …).")
    var mapping: String?

    @Option(name: .long, help: "Force the text encoding: utf-8, windows-1252, iso-8859-1 or iso-8859-15.")
    var encoding: String?

    @Option(name: .long, help: "Force the CSV delimiter: ';', ',' or 'tab'.")
    var delimiter: String?

    @Option(name: .long, help: "Force the decimal mark: 'comma' or 'point'.")
    var decimal: String?

    @Flag(name: .long, help: "JSON-stat: re-rank gapped category positions instead of refusing the file.")
    var lenientIndex = false

    @Option(name: .long, help: "CSV: kommune numbers that lost a leading zero (301): reject (default) or restore.")
    var leadingZeros: String?

    @Option(name: .long, help: "PX: the language to read from a file with several (LANGUAGES), e.g. en.")
    var language: String?

    @Option(
        name: .long,
        help: "CSV and Husbanken: find codes for region names through this change catalogue (e.g. pipelines/kommuneendringer.csv).")
    var catalog: String?

    @Option(name: .long, help: "Print at most this many rows (default: all).")
    var limit: Int?

    @Option(
        name: .long,
        help: "The kommune register folder, for which years' structure the codes fit (default: pipelines/register when it exists).")
    var register: String?

    func run() throws {
        if format == "klass" || (format == nil && mapping == nil && FormatSniffer.sniff(path: file) == .klass) {
            // A KLASS change list: one row per change.
            do {
                let table = InspectTable.klass(try KlassReader.readDocument(path: file))
                out(table.header)
                for row in table.rows { out(row) }
                eprint("\(file): \(table.summary)")
                return
            } // a ReadError goes to `report`: its line as it is, exit 1
        }
        var opts = ReaderOptions(displayName: file)
        if let m = mapping {
            do { opts.mapping = try loadHusbankenMapping(path: m) } catch { eprint(errorLine("\(error)")); throw Exit.usage }
            if format == nil { opts.format = .husbanken }
        }
        if let f = format {
            guard let ff = SourceFormat(rawValue: f) else {
                eprint("error: unknown format \"\(f)\"; expected csv, jsonstat, sdmx, px, husbanken or klass"); throw Exit.usage
            }
            opts.format = ff
        }
        if let e = encoding {
            guard let ee = TextEncoding(name: e) else {
                eprint("error: unknown encoding \"\(e)\"; expected utf-8, windows-1252, iso-8859-1 or iso-8859-15"); throw Exit.usage
            }
            opts.encoding = ee
        }
        if let d = delimiter { opts.delimiter = d == "tab" || d == "\\t" ? 0x09 : d.utf8.first }
        if let d = decimal { opts.decimalComma = d == "comma" || d == "," }
        opts.lenientIndex = lenientIndex
        opts.language = language
        if let z = leadingZeros {
            guard let zz = LeadingZeros(rawValue: z) else {
                eprint("error: unknown --leading-zeros \"\(z)\"; expected reject or restore"); throw Exit.usage
            }
            opts.leadingZeros = zz
        }
        if let c = catalog {
            do { opts.resolveName = try NameIndex.resolver(catalogPath: c) } catch { eprint("\(error)"); throw Exit.usage }
        }
        var sink = InspectTable(limit: limit) { writeAll(1, $0) }
        do {
            let info = try readFile(path: file, options: opts, into: &sink)
            sink.flush()
            eprint(
                "\(file): \(info.format.rawValue), \(info.dialect); \(sink.count) cells in \(sink.datasets) dataset\(sink.datasets == 1 ? "" : "s")"
            )
            try structureFit(sink)
        } catch let e as ReadError {
            sink.flush()
            eprint(e.description)
            throw Exit.failure
        }
    }
}

extension Inspect {
    /// Which years' municipality structure the file's codes fit (docs/PIPELINE.md, "Which structure is this file?").
    func structureFit(_ table: InspectTable) throws {
        let dir = register ?? "pipelines/register"
        guard register != nil || FileManager.default.fileExists(atPath: dir + "/kommuner.csv") else { return }
        let reg: Register
        do {
            guard let r = try Pipeline.loadRegister(folder: dir).0 else { return }
            reg = r
        } catch { eprint("\(error)"); throw Exit.failure }
        if let fit = table.structureFit(reg) { eprint("\(file): \(fit)") }
    }
}
