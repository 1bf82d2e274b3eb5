import Foundation
import Ingest

/// Computes indicators from harmonised measures.
public enum IndicatorEngine {
    /// A ratio: numerator and denominator harmonised as counts, then divided and scaled.
    /// `numeratorAbsentIsZero`: where the denominator has a value and the numerator no row
    /// at all, the numerator is zero (a register that lists only non-zero counts).
    public static func ratio(
        _ def: IndicatorDefinition, numerator: [Harmonised], denominator: [Harmonised], numeratorAbsentIsZero: Bool = false
    ) -> [IndicatorValue] {
        var dens: [SeriesKey: Harmonised] = [:]
        for d in denominator { dens[d.key] = d }
        var numerators = numerator
        // Zeros are filled in only for a numerator without breakdowns: which categories a
        // by-kind numerator would have had is not known.
        if numeratorAbsentIsZero && !numerator.contains(where: { !$0.key.breakdown.isEmpty }) {
            let have = Set(numerator.map(\.key))
            for d in denominator where !have.contains(d.key) && d.key.breakdown.isEmpty && d.value != nil {
                numerators.append(
                    Harmonised(
                        key: d.key, value: 0, status: nil, method: d.method, weight: nil, note: "no row in the register: zero",
                        lineage: d.lineage))
            }
        }
        var out: [IndicatorValue] = []
        for n in numerators {
            let dk = dens[n.key] != nil ? n.key : SeriesKey(n.key.region, n.key.year)
            guard let d = dens[dk] else {
                out.append(
                    IndicatorValue(
                        indicator: def.code, key: n.key, value: nil, numerator: n.value, denominatorValue: nil, weight: nil,
                        status: "..", method: max(n.method, .asPublished), note: "denominator \(def.denominator ?? "") has no value",
                        lineage: n.lineage))
                continue
            }
            let method = max(n.method, d.method)
            let lineage = Array(Set(n.lineage + d.lineage)).sorted { ($0.code, $0.year) < ($1.code, $1.year) }
            var status = Symbols.strongest(n.status, d.status)
            if status == "-" { status = nil }
            if method == .notComputable {
                out.append(
                    IndicatorValue(
                        indicator: def.code, key: n.key, value: nil, numerator: n.value, denominatorValue: d.value, weight: nil,
                        status: nil,
                        method: .notComputable, note: n.note ?? d.note, lineage: lineage))
            } else if let nv = n.value, let dv = d.value {
                if dv == 0 {
                    out.append(
                        IndicatorValue(
                            indicator: def.code, key: n.key, value: nil, numerator: nv, denominatorValue: dv, weight: nil, status: ".",
                            method: method, note: "denominator is zero", lineage: lineage))
                } else {
                    out.append(
                        IndicatorValue(
                            indicator: def.code, key: n.key, value: nv / dv * def.scale, numerator: nv, denominatorValue: dv, weight: dv,
                            status: status, method: method, note: nil, lineage: lineage))
                }
            } else {
                out.append(
                    IndicatorValue(
                        indicator: def.code, key: n.key, value: nil, numerator: n.value, denominatorValue: d.value, weight: nil,
                        status: Symbols.isMissing(status) ? status : "..", method: method, note: n.note ?? d.note, lineage: lineage))
            }
        }
        return out
    }

    /// One harmonised count minus another, scaled.
    public static func difference(_ def: IndicatorDefinition, measure: [Harmonised], minus: [Harmonised]) -> [IndicatorValue] {
        var subtrahends: [SeriesKey: Harmonised] = [:]
        for m in minus { subtrahends[m.key] = m }
        return measure.map { a in
            let b = subtrahends[a.key]
            let method = max(a.method, b?.method ?? .asPublished)
            let lineage = Array(Set(a.lineage + (b?.lineage ?? []))).sorted { ($0.code, $0.year) < ($1.code, $1.year) }
            guard let b, let av = a.value, let bv = b.value, method != .notComputable else {
                let status = Symbols.strongest(a.status, b?.status)
                return IndicatorValue(
                    indicator: def.code, key: a.key, value: nil, numerator: a.value, denominatorValue: b?.value, weight: nil,
                    status: method == .notComputable ? nil : (Symbols.isMissing(status) ? status : ".."), method: method,
                    note: a.note ?? b?.note ?? (b == nil ? "\(def.minus ?? "") has no value" : nil), lineage: lineage)
            }
            var status = Symbols.strongest(a.status, b.status)
            if status == "-" { status = nil }
            return IndicatorValue(
                indicator: def.code, key: a.key, value: (av - bv) * def.scale, numerator: av, denominatorValue: bv, weight: nil,
                status: status, method: method, note: nil, lineage: lineage)
        }
    }

    /// A rate or a count: the harmonised measure scaled.
    public static func direct(_ def: IndicatorDefinition, measure: [Harmonised]) -> [IndicatorValue] {
        measure.map { h in
            IndicatorValue(
                indicator: def.code, key: h.key, value: h.value.map { $0 * def.scale }, numerator: def.kind == .count ? h.value : nil,
                denominatorValue: nil, weight: h.weight, status: h.status, method: h.method, note: h.note, lineage: h.lineage)
        }
    }
}
