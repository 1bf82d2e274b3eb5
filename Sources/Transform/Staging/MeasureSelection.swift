import Ingest

/// A measure's values as published: the staged rows of its `contents`, the categories its
/// `select` keeps, summed over what it selects (docs/PIPELINE.md, "`measures`"). A region and
/// year whose sum misses a selected category is missing (`..`), never too small, unless the
/// measure declares that absent rows are zero. A missing or suppressed cell makes the sum
/// missing with the strongest symbol. Pure: the rows come from staging.
public enum MeasureSelection {
    public struct Result: Sendable {
        public var values: [SeriesKey: StatValue]
        public var diagnostics: [Diagnostic]
    }

    /// `rows`: the measure's staged rows; with several `contents` codes each row's breakdown
    /// starts with `\u{1}measure=CODE`, so they are summed. `expected`: the number of cells
    /// each sum adds up (every selected category as the source lists them). `isCount`: the
    /// measure adds up (a negative value is then warned about). `file` names the source in
    /// warnings.
    public static func sum(
        _ rows: [StagedRow], measure name: String, source: String, file: String, select: [String: Selection],
        expected: Int, isCount: Bool, absentIsZero: Bool
    ) -> Result {
        var diagnostics: [Diagnostic] = []
        var sums: [SeriesKey: (value: Double, status: String?, missing: Bool, n: Int)] = [:]
        for r in rows {
            guard let year = Int(r.period) else { continue }
            var keep: [Substring] = []
            var ok = true
            if !r.breakdown.isEmpty {
                for pair in r.breakdown.split(separator: ";") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    let dim = String(kv[0]), code = kv.count > 1 ? String(kv[1]) : ""
                    if dim == "\u{1}measure" { continue }
                    if let sel = select[dim] {
                        if !sel.matches(code) { ok = false; break }
                    } else {
                        keep.append(pair)
                    }
                }
            }
            guard ok else { continue }
            if let v = r.value, v < 0, isCount {
                diagnostics.append(
                    Diagnostic(
                        .warning, code: "negative-count",
                        "\(name): negative count \(v) for \(r.region) \(r.period) at \(file):\(r.location); a count cannot be below zero",
                        measure: name, region: r.region, year: year))
            }
            let key = SeriesKey(r.region, year, keep.joined(separator: ";"))
            var acc = sums[key] ?? (0, nil, false, 0)
            acc.n += 1
            acc.status = Symbols.strongest(acc.status, r.status)
            if let v = r.value { acc.value += v } else { acc.missing = true }
            sums[key] = acc
        }
        var out: [SeriesKey: StatValue] = [:]
        for (k, a) in sums {
            if a.missing || Symbols.isMissing(a.status) {
                out[k] = StatValue(nil, status: Symbols.isMissing(a.status) ? a.status : "..")
            } else if a.n < expected && !absentIsZero {
                // Some selected categories are absent for this region and year: the sum would be too small.
                out[k] = StatValue(nil, status: "..")
            } else {
                out[k] = StatValue(a.value, status: a.n == 1 ? a.status : (a.status == "-" ? nil : a.status))
            }
        }
        if out.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .warning, code: "measure-empty",
                    "measure \(name): source \(source) (\(file)) has no cells for it; every indicator using it is empty", measure: name))
        } else if !out.values.contains(where: { $0.value != nil }) {
            diagnostics.append(
                Diagnostic(
                    .warning, code: "measure-all-missing",
                    "measure \(name): all \(out.count) values are missing (`..`, `:` or `.`) in \(file); check its selection",
                    measure: name))
        }
        return Result(values: out, diagnostics: diagnostics)
    }
}
