import Fetch
import Foundation
import Ingest
import Pipeline
import Report
import TestSupport
import Testing
import Transform
import Warehouse
import Workload

#if canImport(Glibc)
    import Glibc
#endif

/// Every module's errors end a command with the status the README's table gives their kind
/// (README, "Exit statuses"). Each `status(of:)` switch below has no `default`, so a case
/// added to a module's error enum does not compile here until its row of the table is chosen;
/// `declaredCases` checks that the samples hold one value of every case the source declares.
@Suite struct ExitStatusTests {
    /// The rows of the README's exit status table that errors end in.
    enum Row: Equatable, CustomStringConvertible {
        /// 1: failure, nothing was published.
        case failure
        /// 2: usage or pipeline-definition error, or a file that is not this pipeline's warehouse.
        case usage
        /// 130, 143: stopped by SIGINT or SIGTERM.
        case signal(Int32)

        var status: Int32 {
            switch self {
            case .failure: return 1
            case .usage: return 2
            case .signal(let s): return 128 + s
            }
        }

        var description: String { "\(status)" }
    }

    // MARK: the table, one switch per module

    static func status(of e: ReadError) -> Row { .failure }

    static func status(of e: CatalogError) -> Row {
        switch e {
        case .invalid, .missing: return .failure
        }
    }

    static func status(of e: WarehouseError) -> Row {
        switch e {
        case .failed, .damaged: return .failure
        case .notThisPipeline: return .usage
        case .interrupted(let s): return .signal(s)
        }
    }

    static func status(of e: PipelineError) -> Row {
        switch e {
        case .definition, .path, .refused: return .usage
        case .run, .busy: return .failure
        }
    }

    static func status(of e: FetchError) -> Row {
        switch e {
        case .spec: return .usage
        case .http, .transport, .tooBig, .invalid, .unfit, .landing, .assembly, .metadata, .noResponse: return .failure
        }
    }

    static func status(of e: ReportError) -> Row {
        switch e {
        case .cannotWrite: return .failure
        }
    }

    /// `etl-bench generate` is not `etl`: it has always exited 2 for any workload it cannot write.
    static func status(of e: WorkloadError) -> Row {
        switch e {
        case .refused: return .usage
        }
    }

    // MARK: one value of every case

    static let read = [ReadError(SourceLocation(file: "a.csv", line: 3), "expected 4 fields, found 3")]
    static let catalog: [CatalogError] = [.invalid("k.csv:2: error: expected 4 fields, found 3"), .missing("k.json: error: file not found")]
    static let warehouse: [WarehouseError] = [
        .failed("w.sqlite: no warehouse here; run `etl run` first"), .notThisPipeline("w.sqlite: error: is a directory"),
        .damaged("w.sqlite: error: the warehouse is damaged"), .interrupted(signal: SIGINT), .interrupted(signal: SIGTERM)
    ]
    static let pipeline: [PipelineError] = [
        .definition(["p.yml:3:1: error: a", "p.yml:4:1: error: b"]), .path("empty path"), .run("x.csv: error: source file not found"),
        .busy("w.sqlite: another etl run is using this warehouse"), .refused("error: --as-of \"x\": expected a run id")
    ]
    static let fetch: [FetchError] = [
        .spec(["f.json: error: a", "f.json: error: b"]), .http(url: "u", status: 404, detail: ""), .transport(url: "u", detail: "timeout"),
        .tooBig("too big"), .invalid(url: "u", detail: "not JSON"), .unfit(["a", "b"]), .landing("cannot write"), .assembly("no `value`"),
        .metadata("no `id` list of dimensions"), .noResponse("connection refused")
    ]
    static let report: [ReportError] = [.cannotWrite("error: r/index.html: cannot write: disk full")]
    static let workload: [WorkloadError] = [.refused("error: --observations must be positive")]

    /// Each sample with the status it ends a command with and the README row it should be in.
    static var all: [(error: any ExitStatusError, row: Row)] {
        read.map { ($0, status(of: $0)) } + catalog.map { ($0, status(of: $0)) } + warehouse.map { ($0, status(of: $0)) }
            + pipeline.map { ($0, status(of: $0)) } + fetch.map { ($0, status(of: $0)) } + report.map { ($0, status(of: $0)) }
            + workload.map { ($0, status(of: $0)) }
    }

    @Test func everyCaseEndsWithTheStatusOfItsReadmeRow() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let table = Self.exitStatusTable(readme)
        #expect(table.keys.contains(1) && table.keys.contains(2) && table.keys.contains(130) && table.keys.contains(143))
        for (error, row) in Self.all {
            #expect(error.exitStatus == row.status, "\(type(of: error)) \(error): \(error.exitStatus), the README says \(row)")
            let meaning = table[error.exitStatus] ?? ""
            switch row {
            case .failure: #expect(meaning.contains("failure: nothing was published"), "\(error): row \(error.exitStatus) is \(meaning)")
            case .usage:
                if error is WorkloadError { continue }
                #expect(meaning.contains("usage or pipeline-definition error"), "\(error): row \(error.exitStatus) is \(meaning)")
            case .signal:
                #expect(meaning.contains("SIGINT") && meaning.contains("SIGTERM"), "\(error): row \(error.exitStatus) is \(meaning)")
            }
        }
    }

    @Test func interruptionsEndAsAShellReportsTheSignal() {
        #expect(WarehouseError.interrupted(signal: SIGINT).exitStatus == 130)
        #expect(WarehouseError.interrupted(signal: SIGTERM).exitStatus == 143)
        #expect(WarehouseError.interrupted(signal: SIGTERM).description == "interrupted by SIGTERM")
        #expect(WarehouseError.interrupted(signal: SIGINT).signal == SIGINT)
        #expect(WarehouseError.failed("x").signal == nil)
    }

    /// The message a command prints is the one the error was made with; problem lists are one
    /// per line for a definition or fetch file, and joined with `; ` for a fetch result's reason.
    @Test func descriptionsAreTheMessagesAsGiven() {
        #expect(PipelineError.definition(["a", "b"]).description == "a\nb")
        #expect(FetchError.spec(["a", "b"]).description == "a\nb")
        #expect(FetchError.unfit(["a", "b"]).description == "a; b")
        #expect(FetchError.http(url: "u", status: 404, detail: "").description == "GET u: HTTP 404")
        #expect(FetchError.http(url: "u", status: 500, detail: "down").description == "GET u: HTTP 500: down")
        #expect(ReadError(SourceLocation(file: "a.csv", line: 3), "bad").description == "a.csv:3: error: bad")
        for m in ["k.csv:2: error: x", "w: error: y"] {
            #expect(CatalogError.invalid(m).description == m && WarehouseError.damaged(m).description == m)
            #expect(PipelineError.run(m).description == m && ReportError.cannotWrite(m).description == m)
        }
    }

    /// Every case each module's error enum declares has a sample above: the switches make a new
    /// case fail to compile, this makes a missing sample fail the test.
    @Test(arguments: [
        ("Sources/Transform/Geography/CatalogError.swift", "CatalogError"),
        ("Sources/Warehouse/Core/WarehouseError.swift", "WarehouseError"),
        ("Sources/Pipeline/Language/PipelineError.swift", "PipelineError"),
        ("Sources/Fetch/FetchError.swift", "FetchError"),
        ("Sources/Report/ReportError.swift", "ReportError"),
        ("Sources/Workload/WorkloadError.swift", "WorkloadError")
    ])
    func declaredCases(file: String, type: String) throws {
        let source = try String(contentsOf: packageRoot.appendingPathComponent(file), encoding: .utf8)
        let declared = Set(
            source.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("    case ") else { return nil }
                return line.dropFirst(9).prefix { $0.isLetter || $0.isNumber }.description
            })
        #expect(!declared.isEmpty, "\(file) declares no case")
        let sampled = Set(Self.all.filter { "\(Swift.type(of: $0.error))" == type }.map { Self.caseName($0.error) })
        #expect(declared == sampled, "\(type): declared \(declared.sorted()), sampled \(sampled.sorted())")
    }

    static func caseName(_ e: any Error) -> String {
        Mirror(reflecting: e).children.first?.label ?? "\(e)"
    }

    /// `status → meaning` from the README's "Exit statuses" table (`| 130, 143 | … |` gives both).
    static func exitStatusTable(_ readme: String) -> [Int32: String] {
        guard let start = readme.range(of: "### Exit statuses") else { return [:] }
        var table: [Int32: String] = [:]
        for line in readme[start.upperBound...].split(separator: "\n").prefix(20) where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            for s in cells[0].split(separator: ",") {
                if let n = Int32(s.trimmingCharacters(in: .whitespaces)) { table[n] = cells[1] }
            }
        }
        return table
    }
}
