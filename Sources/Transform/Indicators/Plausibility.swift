import Foundation
import Ingest

/// The warnings people expect of published numbers (docs/PIPELINE.md, "Plausibility
/// warnings"): an indicator with no values or only missing ones, a per cent above 100, and a
/// change between two years by more than the indicator's `max_jump`. Pure: where a value came
/// from is asked of `origin`, which the caller answers from staging.
public enum Plausibility {
    public static func check(_ def: IndicatorDefinition, _ values: [IndicatorValue], origin: (IndicatorValue) -> String = { _ in "" })
        -> [Diagnostic]
    {
        var out: [Diagnostic] = []
        let measures = def.measures.joined(separator: ", ")
        if values.isEmpty {
            out.append(
                Diagnostic(
                    .warning, code: "indicator-empty",
                    "indicator \(def.code): no values at all; check the measures it reads (\(measures))", indicator: def.code))
            return out
        }
        if !values.contains(where: { $0.value != nil }) {
            out.append(
                Diagnostic(
                    .warning, code: "indicator-all-missing",
                    "indicator \(def.code): all \(values.count) values are missing; check the measures it reads (\(measures))",
                    indicator: def.code))
        }
        func subject(_ v: IndicatorValue, _ year: Int) -> String {
            "\(def.code) \(v.key.region) \(year)\(v.key.breakdown.isEmpty ? "" : " [\(v.key.breakdown)]")"
        }
        if def.unit.lowercased() == "prosent" || def.unit == "%" {
            for v in values {
                guard let x = v.value, x > 100 + 1e-9 else { continue }
                out.append(
                    Diagnostic(
                        .warning, code: "percent-above-100",
                        "\(subject(v, v.key.year)): \(String(format: "%.1f", x)) per cent is above 100\(origin(v))",
                        indicator: def.code, region: v.key.region, year: v.key.year))
            }
        }
        if let factor = def.maxJump, factor > 0 {
            var series: [String: [(year: Int, value: Double, v: IndicatorValue)]] = [:]
            for v in values {
                if let x = v.value { series["\(v.key.region)\u{1}\(v.key.breakdown)", default: []].append((v.key.year, x, v)) }
            }
            for (_, points) in series.sorted(by: { $0.key < $1.key }) {
                let sorted = points.sorted { $0.year < $1.year }
                for (a, b) in zip(sorted, sorted.dropFirst()) where b.year == a.year + 1 && a.value > 0 && b.value > 0 {
                    let ratio = b.value / a.value
                    guard ratio > factor || ratio < 1 / factor else { continue }
                    out.append(
                        Diagnostic(
                            .warning, code: "max-jump",
                            "\(subject(b.v, b.year)): \(String(format: "%g", a.value)) in \(a.year) → \(String(format: "%g", b.value)) in \(b.year), "
                                + "a change by a factor of \(String(format: "%.2f", max(ratio, 1 / ratio))), more than max_jump \(String(format: "%g", factor))"
                                + origin(b.v),
                            indicator: def.code, region: b.v.key.region, year: b.year))
                }
            }
        }
        return out
    }
}
