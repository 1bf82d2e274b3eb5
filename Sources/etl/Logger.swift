import Foundation
import Pipeline

/// Writes run events to standard error, as text for people or one JSON object per line.
final class Logger {
    let format: LogFormat
    let quiet: Bool
    /// A progress bar only where a person watches: text format, standard error a terminal.
    let showProgress: Bool
    var stepStarted: [String: Date] = [:]

    init(format: LogFormat, quiet: Bool) {
        self.format = format
        self.quiet = quiet
        showProgress = format == .text && !quiet && isatty(2) == 1
    }

    private func json(_ fields: [String: Any]) {
        var f = fields
        f["time"] = ISO8601DateFormatter().string(from: Date())
        if let d = try? JSONSerialization.data(withJSONObject: f, options: [.sortedKeys]) {
            // Not FileHandle.write: it traps on a closed pipe (`etl run --log-format json | head -1`).
            eprint(String(decoding: d, as: UTF8.self))
        }
    }

    func event(_ e: RunEvent) {
        if quiet { return }
        switch format {
        case .json:
            switch e {
            case .sourceStarted(let id, let path): json(["event": "source_started", "source": id, "path": path])
            case .sourceDone(let id, let staged, let rejected, let oov, let dialect):
                json([
                    "event": "source_done", "source": id, "staged": staged, "rejected": rejected, "out_of_validity": oov, "dialect": dialect
                ])
            case .sourceReused(let id): json(["event": "source_reused", "source": id])
            case .harmonised(let y, let facts, let n): json(["event": "harmonised", "structure_year": y, "facts": facts, "indicators": n])
            case .published(let w, let id): json(["event": "published", "warehouse": w, "run_id": id])
            case .warning(let m): json(["event": "warning", "message": m])
            case .noChange: json(["event": "no_change"])
            case .progress: break
            }
        case .text:
            switch e {
            case .sourceStarted(let id, let path): eprint("reading \(id) (\(path))")
            case .sourceDone(let id, let staged, let rejected, let oov, let dialect):
                eprint("  \(id): \(staged) observations staged, \(rejected) rejected, \(oov) outside their code's validity [\(dialect)]")
            case .sourceReused(let id): eprint("  \(id): unchanged, staged rows reused")
            case .harmonised: break
            case .published: break
            case .warning(let m): eprint("warning: \(m)")
            case .noChange: eprint("nothing changed since the last successful run")
            case .progress(let step, let rows, let done):
                guard showProgress else { break }
                let start = stepStarted[step] ?? Date()
                stepStarted[step] = start
                let secs = max(Date().timeIntervalSince(start), 0.001)
                let line = "\r\(step): \(rows) rows, \(Int(Double(rows) / secs)) rows/s" + (done ? "\n" : "")
                writeAll(2, line)
            }
        }
    }

    func warning(_ m: String) { event(.warning(m)) }

    func failure(_ message: String) {
        switch format {
        case .json: json(["event": "failed", "message": message])
        case .text:
            let line = message.contains("error:") ? message : "error: \(message)"
            eprint(
                line
                    + (line.contains("\n")
                        ? "\nnothing was published; the previous warehouse is unchanged"
                        : " (nothing published; the previous warehouse is unchanged)"))
        }
    }

    func summary(_ s: RunSummary) {
        if quiet && s.status != .rejectsOverLimit { return }
        if quiet && format == .text {
            // Quiet is nothing but errors: only the line that explains exit status 3.
            eprint(rejectsOverLimitMessage(s))
            return
        }
        switch format {
        case .json:
            json(
                [
                    "event": "summary", "status": s.status.rawValue, "run_id": s.runId ?? 0, "sources_read": s.sourcesRead,
                    "sources_reused": s.sourcesReused,
                    "staged": s.staged, "rejected": s.rejected, "out_of_validity": s.outOfValidity, "special_codes": s.special,
                    "gate_warnings": s.gates.count, "indicators": s.indicators, "facts": s.facts, "warnings": s.warnings.count,
                    "warehouse": s.warehouse, "structure_year": s.structureYear, "elapsed_seconds": s.elapsedSeconds
                ]
                .merging(
                    s.changes.map { c in
                        ["added": c.added, "removed": c.removed, "revised": c.revised, "changes": c.line, "vintage": c.shortHash]
                    } ?? [:]
                ) { a, _ in a })
        case .text:
            eprint(
                """
                \(s.status == .noChange ? "no change" : "published") run \(s.runId ?? 0) of pipeline \(s.pipeline) in \(String(format: "%.2f", s.elapsedSeconds)) s
                  sources read        \(s.sourcesRead) (\(s.sourcesReused) unchanged, reused)
                  observations staged \(s.staged)
                  rows rejected       \(s.rejected)\(s.rejected > 0 ? " (recorded in etl_reject, run_id = \(s.runId ?? 0))" : "")
                  outside validity    \(s.outOfValidity) (codes valid in another year; set aside)
                  special codes       \(s.special) (Svalbard, unspecified, groupings: no kommune; set aside)
                  indicators computed \(s.indicators) (\(s.facts) values, structure year \(s.structureYear))
                  warnings            \(s.warnings.count)
                  warehouse           \(s.warehouse)
                """)
            if let c = s.changes {
                eprint("  changes             \(c.line) (etl diff)\n  vintage             \(c.shortHash)")
            }
            if s.status == .rejectsOverLimit { eprint(rejectsOverLimitMessage(s)) }
        }
    }

    private func rejectsOverLimitMessage(_ s: RunSummary) -> String {
        "error: \(s.rejected) rows rejected, more than --max-rejects allows (exit status 3)"
    }
}
