import ArgumentParser
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Ingest
import Pipeline
import Transform
import Warehouse

@main
struct ETL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl",
        abstract: "Norwegian municipal care statistics (KOSTRA, KPR, Husbanken) into a harmonised star-schema SQLite warehouse.",
        discussion: """
            Exit statuses:
              0  success (rows rejected under the limit are reported, and recorded in etl_reject)
              1  failure: nothing was published, the previous warehouse is intact
              2  usage or pipeline-definition error
              3  published, but more rows were rejected than --max-rejects allows
              4  published, but `run --fetch` used a stale source (its download failed; the previous
                 file was used); --allow-stale makes such a run exit 0. Status 3 wins over 4.
              5  published, but a value was revised by more than --max-revision allows (3 and 4 win over 5)
              130, 143  a run stopped by SIGINT / SIGTERM: nothing published, recorded as interrupted
            """,
        subcommands: [
            Run.self, Rerun.self, FetchCommand.self, Inspect.self, Query.self, Diff.self, Export.self, Validate.self, Status.self,
            Catalog.self, ReportCommand.self
        ],
        defaultSubcommand: nil
    )

    /// Command-line mistakes exit with 2, as documented (ArgumentParser's own code is 64).
    static func main() async {
        // A reader that goes away (`etl query … | head -1`) must not kill a run: writes to a
        // closed pipe fail with EPIPE instead, and eprint/out ignore that.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                eprint(fullMessage(for: error))
                Self.exit(withError: Exit.usage)
            }
            // An exit status a command chose, or ArgumentParser's own outcomes (help, version).
            if error is ExitCode || exitCode(for: error) != .failure { Self.exit(withError: error) }
            Self.exit(withError: report(error))
        }
    }
}

/// Writes to standard error with write(2): a closed pipe (EPIPE) is ignored, where
/// FileHandle.write would trap.
func eprint(_ s: String) {
    writeAll(2, s + "\n")
}

func out(_ s: String) {
    writeAll(1, s + "\n")
}

/// Writes all of `s` to a file descriptor; gives up silently on an error other than EINTR.
func writeAll(_ fd: Int32, _ s: String) {
    var bytes = Array(s.utf8)
    bytes.withUnsafeMutableBytes { buf in
        var offset = 0
        while offset < buf.count {
            let n = write(fd, buf.baseAddress! + offset, buf.count - offset)
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }
}

enum Exit {
    static let failure = ExitCode(1)
    static let usage = ExitCode(2)
    static let rejects = ExitCode(3)
    static let stale = ExitCode(4)
    static let revision = ExitCode(5)
}

/// The bundled sample pipeline, found beside the working directory or the executable.
func defaultPipeline() -> String {
    let candidates = ["pipelines/sample.yml"]
    for c in candidates where FileManager.default.fileExists(atPath: c) { return c }
    return "pipelines/sample.yml"
}

struct CommonRunOptions: ParsableArguments {
    @Option(name: .long, help: "Warehouse file (default: the pipeline's `warehouse:`, else warehouse/omsorg.sqlite).")
    var warehouse: String?

    @Option(
        name: .long, help: "Rows that may be rejected before the run exits with status 3 (default: the pipeline's max_rejects, else 0).")
    var maxRejects: Int?

    @Option(name: .long, help: "Log format: text (human) or json (one event per line).")
    var logFormat: LogFormat = .text

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false
}

enum LogFormat: String, ExpressibleByArgument, Sendable { case text, json }

/// Runs a pipeline with a lock, prints the summary, and maps the outcome to an exit status.
@discardableResult
func execute(options: RunOptions, common: CommonRunOptions, rerunOnly: Bool, pipeline loaded: Pipeline? = nil) throws -> RunSummary {
    Interrupt.install()
    let log = Logger(format: common.logFormat, quiet: common.quiet)
    // The pipeline is loaded once per command and handed to the runner.
    let pipeline = try loaded ?? Pipeline.load(path: options.pipelinePath, warehouseOverride: options.warehouse, checkFiles: false)
    let lock = try RunLock(warehousePath: pipeline.warehousePath)
    defer { lock.release() }
    if let stale = lock.clearedStale { log.warning("cleared a stale lock left by \(stale)") }
    let runner = Runner(options: options, pipeline: pipeline) { log.event($0) }
    do {
        let summary = try runner.run(rerunOnly: rerunOnly)
        log.summary(summary)
        if summary.status == .rejectsOverLimit { throw Exit.rejects }
        return summary
    } catch let e where leftToReport(e) {
        throw e // printed and mapped to its exit status by `report`
    } catch let e as WarehouseError where e.signal != nil {
        log.failure("error: \(e); the run is recorded as interrupted")
        throw ExitCode(e.exitStatus)
    } catch let e as ExitCode {
        throw e
    } catch {
        log.failure("\(error)")
        throw Exit.failure
    }
}

/// The errors a run leaves to `report` as they are: a definition's problems, and a file at the
/// warehouse path that is not this pipeline's warehouse or is damaged (it was not written to).
func leftToReport(_ error: any Error) -> Bool {
    switch error {
    case PipelineError.definition, WarehouseError.notThisPipeline, WarehouseError.damaged: return true
    default: return false
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: stage changed sources, harmonise, compute indicators, publish atomically.",
        discussion:
            "Exit statuses: 0 success, 1 failure (nothing published), 2 usage or definition error (or a warehouse that is not this pipeline's), 3 published with rejects over --max-rejects, 4 published with a stale source after a failed --fetch (0 with --allow-stale), 5 published with a revision above --max-revision, 130/143 stopped by SIGINT/SIGTERM (nothing published)."
    )

    @Argument(help: "Pipeline definition (default: pipelines/sample.yml).")
    var pipeline: String?

    @OptionGroup var common: CommonRunOptions

    @Option(name: .long, help: "Target structure year (default: the pipeline's, else the newest in the catalogue).")
    var structure: Int?

    @Flag(name: .long, help: "Parse every source again even if its content is unchanged.")
    var fullRefresh = false

    @Flag(
        name: .long,
        help:
            "First fetch the sources that declare `fetch:` (a failed download keeps the previous file, flagged stale; the run then exits 4)."
    )
    var fetch = false

    @Flag(name: .long, help: "With --fetch: a run that used a stale source (its download failed) exits 0 instead of 4.")
    var allowStale = false

    @Flag(name: .long, help: "Take over a warehouse another pipeline published: its sources and facts are replaced (a full refresh).")
    var replace = false

    @Option(
        name: .long,
        help:
            "Exit 5 (after publishing) when a value is revised by more than this fraction of its previous value (0.05: 5 %); the revisions are listed."
    )
    var maxRevision: Double?

    func run() async throws {
        var opts = RunOptions(
            pipelinePath: pipeline ?? defaultPipeline(), warehouse: common.warehouse, structureYear: structure,
            fullRefresh: fullRefresh || replace, maxRejects: common.maxRejects, command: "run")
        opts.replace = replace
        var loaded: Pipeline?
        if fetch {
            let quiet = common.quiet
            do {
                let p = try Pipeline.load(path: opts.pipelinePath, warehouseOverride: opts.warehouse, checkFiles: false)
                loaded = p
                opts.fetched = try await FetchStep.run(p) { event in
                    if case .finished = event { return }
                    if !quiet { eprint(event.description) }
                }
            } catch PipelineError.definition(let problems) {
                throw PipelineError.definition(problems) // printed and mapped to its exit status by `report`
            } catch {
                eprint(errorLine("fetch: \(error)"))
                throw Exit.failure
            }
            for r in opts.fetched where !common.quiet { eprint(r.summary) }
            if let failed = opts.fetched.first(where: { $0.status == .failed }) {
                eprint("error: \(failed.summary); no previous file to fall back on (nothing published)")
                throw Exit.failure
            }
        }
        let summary = try execute(options: opts, common: common, rerunOnly: false, pipeline: loaded)
        let revisions = maxRevision.map { revisionsAbove($0, summary: summary, warehouse: summary.warehouse, quiet: common.quiet) } ?? 0
        // Published, but not with today's data: a distinct status, so a nightly job notices (README, exit statuses).
        let stale = opts.fetched.filter { $0.status == .stale }
        if !stale.isEmpty && !allowStale {
            let names = stale.map { "\($0.source) (\($0.reason ?? "the download failed"))" }.joined(separator: ", ")
            eprint(
                "error: published with \(stale.count == 1 ? "a stale source" : "\(stale.count) stale sources"), the previous file used: \(names); pass --allow-stale to accept (exit status 4)"
            )
            throw Exit.stale
        }
        if revisions > 0 { throw Exit.revision }
    }
}

struct Rerun: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the harmonised layer from staged observations (no source file is read), e.g. after a reform.")

    @Argument(help: "Pipeline definition (default: pipelines/sample.yml).")
    var pipeline: String?

    @OptionGroup var common: CommonRunOptions

    @Option(name: .long, help: "Target structure year.")
    var structure: Int?

    @Option(name: .long, help: "A change catalogue to use instead of the pipeline's (e.g. a new KLASS download).")
    var catalog: String?

    @Option(
        name: .long,
        help:
            "Rebuild the state published at this run id or date (2025-04-01) into a new warehouse file (--output) from the source versions kept then."
    )
    var asOf: String?

    @Option(
        name: [.short, .long], help: "With --as-of: the new warehouse file (default: WAREHOUSE-as-of-SPEC.sqlite beside the warehouse).")
    var output: String?

    func run() throws {
        if let asOf {
            try rerunAsOf(asOf, pipeline: pipeline ?? defaultPipeline(), common: common, catalog: catalog, output: output)
            return
        }
        let opts = RunOptions(
            pipelinePath: pipeline ?? defaultPipeline(), warehouse: common.warehouse, structureYear: structure,
            catalogPath: catalog, maxRejects: common.maxRejects, command: "rerun")
        try execute(options: opts, common: common, rerunOnly: true)
    }
}
