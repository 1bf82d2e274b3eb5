import Foundation
import Ingest
import Pipeline
import Testing
import TestSupport
import Transform

// The shared helpers (process runner, scratch folders, warehouse access, pipeline builder)
// live in the TestSupport target; what is here is particular to these suites.

/// Parses the sample KOSTRA CSV independently of the project's readers: ISO-8859-1, `;`,
/// decimal comma, `"code name";"year";"measure";value`.
func sampleCSV(_ url: URL) throws -> [String: Double] {
    let data = try Data(contentsOf: url)
    let text = String(data: data, encoding: .isoLatin1)!
    var out: [String: Double] = [:]
    for line in text.components(separatedBy: "\r\n").dropFirst() where !line.isEmpty {
        let f = line.components(separatedBy: ";")
        let code = f[0].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).components(separatedBy: " ")[0]
        let year = f[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let measure = f[2].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if let v = Double(f[3].replacingOccurrences(of: ",", with: ".")) { out["\(code)|\(year)|\(measure)"] = v }
    }
    return out
}

/// Runs a pipeline in this process, as `etl run` would (behaviour tests need no process; the
/// command-line contract is tested through the binary).
@discardableResult
func runPipeline(_ path: URL, warehouse: URL? = nil, structureYear: Int? = nil) throws -> RunSummary {
    let summary = try Runner(options: RunOptions(pipelinePath: path.path, warehouse: warehouse?.path, structureYear: structureYear)).run()
    #expect(summary.status == .success, "\(summary.warnings)")
    return summary
}

/// What a pipeline run in this process ended with: its summary or the error it threw, and the
/// events it sent. Behaviour tests check these and the warehouse; what `etl run` prints and
/// its exit statuses are the command-line contract, tested through the binary.
struct InProcessRun {
    var summary: RunSummary?
    var error: (any Error)?
    var events: [RunEvent]

    /// The exit status this outcome maps to (README, "Exit statuses"): 0 published or nothing
    /// changed, 3 published with rejects over the limit, else the status the error declares
    /// (`ExitStatusError`; 1 for any other error).
    var status: Int32 {
        if let error { return (error as? any ExitStatusError)?.exitStatus ?? 1 }
        return summary?.status == .rejectsOverLimit ? 3 : 0
    }

    /// What the error says (`String(describing:)`), empty when the run did not throw.
    var message: String { error.map { String(describing: $0) } ?? "" }

    /// Everything worth printing when an expectation fails.
    var diagnosis: String { error.map { "threw: \($0)" } ?? "summary: \(summary.map { "\($0)" } ?? "none")" }

    /// The ids of the sources read, and of those whose staged rows were reused unchanged.
    var sourcesStarted: [String] { events.compactMap { if case .sourceStarted(let id, _) = $0 { id } else { nil } } }
    var sourcesReused: [String] { events.compactMap { if case .sourceReused(let id) = $0 { id } else { nil } } }

    /// Each read source's dialect line, by source id (`delimiter=; … encoding=utf-8 (BOM) …`).
    var dialects: [String: String] {
        var out: [String: String] = [:]
        for case .sourceDone(let id, _, _, _, let dialect) in events { out[id] = dialect }
        return out
    }

    /// Staged and rejected counts of each read source, by source id.
    var staging: [String: (staged: Int, rejected: Int, outOfValidity: Int)] {
        var out: [String: (staged: Int, rejected: Int, outOfValidity: Int)] = [:]
        for case .sourceDone(let id, let staged, let rejected, let oov, _) in events { out[id] = (staged, rejected, oov) }
        return out
    }

    /// Whether the run decided that nothing had changed since the last successful run.
    var noChange: Bool { events.contains { if case .noChange = $0 { true } else { false } } }
}

/// What a runner or a sink hands on, collected under a lock (a runner may call from its
/// reading thread).
private final class Collected<Item>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Item] = []
    func append(_ e: Item) { lock.withLock { items.append(e) } }
    var all: [Item] { lock.withLock { items } }
}

/// Runs a pipeline in this process as `etl run` (or `etl rerun` with `rerun`) would from the
/// working directory `dir`: relative paths (the pipeline, `warehouse`, `catalog`) are resolved
/// against `dir`. Never throws; the outcome is in the result.
func runInProcess(
    _ pipeline: String = "pipelines/sample.yml", in dir: URL, warehouse: String? = nil, structureYear: Int? = nil,
    catalog: String? = nil, fullRefresh: Bool = false, replace: Bool = false, maxRejects: Int? = nil, rerun: Bool = false
) -> InProcessRun {
    func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : dir.appendingPathComponent(p).path }
    var options = RunOptions(
        pipelinePath: resolve(pipeline), warehouse: warehouse.map(resolve), structureYear: structureYear, catalogPath: catalog.map(resolve),
        fullRefresh: fullRefresh || replace, maxRejects: maxRejects, command: rerun ? "rerun" : "run")
    options.replace = replace
    let log = Collected<RunEvent>()
    do {
        let summary = try Runner(options: options) { log.append($0) }.run(rerunOnly: rerun)
        return InProcessRun(summary: summary, error: nil, events: log.all)
    } catch {
        return InProcessRun(summary: nil, error: error, events: log.all)
    }
}

/// What `etl inspect` shows of a file, read in this process with `InspectTable` (the sink the
/// command uses): the rows as the command would print them, the reader's format and dialect or
/// the error it refused the file with, and the table (counts, regions, structure fit).
struct InspectedFile {
    var text: String
    var info: ReadInfo?
    var error: (any Error)?
    var table: InspectTable

    /// What the error says (`String(describing:)`, as the command prints it), empty when the file was read.
    var message: String { error.map { String(describing: $0) } ?? "" }

    /// The exit status `etl inspect` ends with: 0 when read, 1 for a file a reader refuses,
    /// else the status the error declares.
    var status: Int32 {
        guard let error else { return 0 }
        return error is ReadError ? 1 : (error as? any ExitStatusError)?.exitStatus ?? 1
    }
}

/// Reads `path` as `etl inspect` does, in this process. `options` are the reader options the
/// command builds from its flags (`displayName` names the file in messages).
func inspectInProcess(_ path: URL, options: ReaderOptions, limit: Int? = nil) -> InspectedFile {
    let log = Collected<String>()
    var table = InspectTable(limit: limit) { log.append($0) }
    do {
        let info = try readFile(path: path.path, options: options, into: &table)
        table.flush()
        return InspectedFile(text: log.all.joined(), info: info, error: nil, table: table)
    } catch {
        table.flush()
        return InspectedFile(text: log.all.joined(), info: nil, error: error, table: table)
    }
}

/// The register in `folder` (under a scratch folder), as `etl inspect --register` loads it.
func register(_ folder: URL) throws -> Transform.Register {
    try #require(try Pipeline.loadRegister(folder: folder.path).0)
}

/// What `etl validate PIPELINE` finds, in this process (`PipelineCheck`): every problem, one
/// message each — a definition's mistakes, or the catalogue's and the sources' — and any other
/// error loading it threw. The command exits 2 when there is a problem.
func validateInProcess(_ pipeline: URL) -> (problems: [String], error: (any Error)?) {
    do {
        return (try PipelineCheck.check(path: pipeline.path).problems, nil)
    } catch PipelineError.definition(let problems) {
        return (problems, nil)
    } catch {
        return ([], error)
    }
}
