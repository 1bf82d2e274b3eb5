import ArgumentParser
import Fetch
import Foundation
import Pipeline

/// `etl fetch FILE`: brings declared remote sources (PxWebApi v2 tables, KLASS change lists) into the landing folder.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download SSB tables and KLASS change lists into the landing folder (cached, rate-limited, atomic).",
        discussion: """
            FILE is a pipeline (its sources with a `fetch:` block) or a JSON fetch file (see pipelines/fetch-example.json): a list of sources, each a PxWebApi v2 \
            table with selections or a KLASS change list, and the landing path of each. A table whose `updated` \
            stamp (or ETag) has not changed since the last fetch is not downloaded again. A download replaces \
            the landed file only when complete and readable; a failed fetch keeps the previous file (stale). \
            Each landed file gets a sidecar FILE.origin.json with its URL, query, fetch time and `updated` stamp.

            --dry-run lists the data requests a fetch would make, with their cell counts; to count cells and \
            resolve `*` it does fetch each table's metadata (and code lists used with `*`), but no data.

            Exit statuses: 0 every source fetched or unchanged, 1 a source failed (stale: its previous file is kept), \
            2 usage or fetch-file error.
            """)

    @Argument(help: "Pipeline (.yml) or fetch file (JSON).")
    var file: String

    @Flag(name: .long, help: "List the requests with their cell counts; fetches metadata only.")
    var dryRun = false

    @Flag(name: .long, help: "Download even if the table's `updated` stamp or ETag is unchanged.")
    var force = false

    @Option(name: .long, help: "Fetch only the source with this id (repeatable).")
    var only: [String] = []

    @Option(name: .long, help: "PxWebApi v2 base URL (default: the file's pxweb_base, else \(FetchSettings.defaultPxWebBase)).")
    var pxwebBase: String?

    @Option(name: .long, help: "KLASS base URL (default: the file's klass_base, else \(FetchSettings.defaultKlassBase)).")
    var klassBase: String?

    @Option(name: .long, help: "Cells per request before it is split (default 800000).")
    var maxCells: Int?

    @Option(name: .long, help: "Requests per rolling minute (default 30).")
    var requestsPerMinute: Int?

    @Option(name: .long, help: "Seconds without data before a request fails.")
    var timeout: Double = 120

    @Flag(name: .long, help: "Print every request.")
    var verbose = false

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    func run() async throws {
        let lower = file.lowercased()
        var spec: FetchFile
        if lower.hasSuffix(".yml") || lower.hasSuffix(".yaml") {
            // A pipeline: its sources that declare `fetch:` land at their `path`.
            let pipeline: Pipeline
            pipeline = try Pipeline.load(path: file, checkFiles: false)
            let specs = pipeline.definition.sources.compactMap { s -> FetchSpec? in
                guard var f = s.fetch else { return nil }
                f.id = s.id
                f.path = pipeline.sourcePath(s)
                return f
            }
            if specs.isEmpty { if !quiet { eprint("\(file): no source declares `fetch:`; nothing to fetch") }; return }
            spec = FetchFile(
                sources: specs, pxwebBase: pipeline.definition.fetch?.pxweb_base, klassBase: pipeline.definition.fetch?.klass_base)
            spec.requests_per_minute = pipeline.definition.fetch?.requests_per_minute
            spec.max_cells = pipeline.definition.fetch?.max_cells
        } else {
            spec = try FetchFile.load(path: file) // a spec error goes to `report` (each problem, exit 2)
        }
        var sources = spec.sources
        if !only.isEmpty {
            let ids = Set(sources.compactMap(\.id))
            let unknown = only.filter { !ids.contains($0) }
            if !unknown.isEmpty {
                eprint(
                    "\(file): error: no source with id \(unknown.joined(separator: ", ")); the file has \(ids.sorted().joined(separator: ", "))"
                )
                throw Exit.usage
            }
            sources = sources.filter { $0.id.map(only.contains) ?? false }
        }
        var settings = try FetchSettings(
            pxwebBase: pxwebBase ?? spec.pxweb_base ?? FetchSettings.defaultPxWebBase,
            klassBase: klassBase ?? spec.klass_base ?? FetchSettings.defaultKlassBase)
        if let m = maxCells ?? spec.max_cells {
            guard m > 0 else { eprint("error: --max-cells must be at least 1"); throw Exit.usage }
            settings.maxCells = m
        }
        if let r = requestsPerMinute ?? spec.requests_per_minute {
            guard r > 0 else { eprint("error: --requests-per-minute must be at least 1"); throw Exit.usage }
            settings.requestsPerMinute = r
        }
        guard timeout > 0 else { eprint("error: --timeout must be more than 0 seconds"); throw Exit.usage }
        settings.force = force

        let verbose = self.verbose, quiet = self.quiet
        let chosen = sources
        let fetcher = Fetcher(
            settings: settings, client: URLSessionHTTPClient(timeout: timeout),
            observe: { event in
                switch event {
                case .request: if verbose { eprint(event.description) }
                case .retry, .split: if !quiet { eprint(event.description) }
                case .finished: break
                }
            })

        if dryRun {
            var plans: [FetchPlan] = []
            for s in chosen { plans.append(await fetcher.plan(s)) }
            out("dry run: table metadata (and code lists used with `*`) were fetched to count cells; no data was downloaded")
            var failed = false
            for p in plans {
                out("\(p.source) -> \(p.path)")
                for l in p.lookups { out("  looked up  \(l)") }
                if let e = p.error { out("  " + errorLine(e)); failed = true; continue }
                for r in p.requests { out("  GET \(r.url)" + (r.cells.map { "  (\(Self.grouped($0)) cells)" } ?? "")) }
                var line = "  \(p.requests.count) data request\(p.requests.count == 1 ? "" : "s")"
                if let t = p.totalCells { line += ", \(Self.grouped(t)) cells" }
                if let u = p.updated { line += "; table updated \(u)" }
                out(line)
                if let u = p.upToDate { out("  up to date (\(u)): a fetch would download nothing") }
            }
            if failed { throw Exit.failure }
            return
        }

        let results = await fetcher.fetchAll(chosen)
        for r in results {
            switch r.status {
            case .fetched, .unchanged: if !quiet { out(r.summary) }
            case .stale, .failed: eprint(errorLine(r.summary))
            }
        }
        if results.contains(where: { $0.status == .stale || $0.status == .failed }) { throw Exit.failure }
    }

    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
