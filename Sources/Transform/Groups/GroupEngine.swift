import Foundation

/// Aggregates municipal indicator values over comparison groups (docs/INDICATORS.md §3,
/// "Comparison groups"). Members without a value are left out of every statistic and the count says so.
public enum GroupEngine {
    /// `absentIsZero`: the indicator counts a register that lists only non-zero rows, so a
    /// member with no row is a member with 0 (in the mean, median, minimum and count), and
    /// the national group's members are `nationalMembers` of the year, not only those with a row.
    public static func aggregate(
        _ def: IndicatorDefinition, values: [IndicatorValue], groups: [ComparisonGroup], absentIsZero: Bool = false,
        nationalMembers: [Int: Set<String>] = [:]
    ) -> [GroupValue] {
        // Municipal values only, by (year, breakdown).
        var byKey: [String: [String: IndicatorValue]] = [:]
        for v in values where RegionLevel.of(v.key.region) == .kommune && !v.key.region.hasPrefix("K-") {
            byKey["\(v.key.year)\u{1}\(v.key.breakdown)", default: [:]][v.key.region] = v
        }
        var out: [GroupValue] = []
        for (k, regionValues) in byKey.sorted(by: { $0.key < $1.key }) {
            let parts = k.split(separator: "\u{1}", omittingEmptySubsequences: false)
            let year = Int(parts[0])!, breakdown = parts.count > 1 ? String(parts[1]) : ""
            for g in groups {
                var members = g.kind == .national ? Set(regionValues.keys) : g.members(in: year)
                if absentIsZero && g.kind == .national { members.formUnion(nationalMembers[year] ?? []) }
                if members.isEmpty { continue }
                let present = members.sorted().compactMap { code -> IndicatorValue? in
                    if let v = regionValues[code] { return v }
                    guard absentIsZero else { return nil }
                    return IndicatorValue(
                        indicator: def.code, key: SeriesKey(code, year, breakdown), value: 0, numerator: 0, denominatorValue: nil,
                        weight: nil, status: nil, method: .asPublished, note: "no row in the register: zero", lineage: [])
                }.filter { $0.value != nil && $0.method != .notComputable }
                let xs = present.map { $0.value! }.sorted()
                var gv = GroupValue(
                    group: g.code, indicator: def.code, year: year, breakdown: breakdown, mean: nil, weighted: nil,
                    median: nil, min: xs.first, max: xs.last, count: xs.count,
                    members: members.count)
                if !xs.isEmpty {
                    gv.mean = xs.reduce(0, +) / Double(xs.count)
                    gv.median = xs.count % 2 == 1 ? xs[xs.count / 2] : (xs[xs.count / 2 - 1] + xs[xs.count / 2]) / 2
                    switch def.kind {
                    case .count:
                        gv.weighted = xs.reduce(0, +)
                    case .ratio:
                        let withParts = present.filter { $0.numerator != nil && ($0.denominatorValue ?? 0) > 0 }
                        let num = withParts.reduce(0) { $0 + $1.numerator! }, den = withParts.reduce(0) { $0 + $1.denominatorValue! }
                        gv.weighted = den > 0 && withParts.count == present.count ? num / den * def.scale : nil
                    case .rate:
                        let withWeight = present.filter { ($0.weight ?? 0) > 0 }
                        let w = withWeight.reduce(0) { $0 + $1.weight! }
                        gv.weighted =
                            w > 0 && withWeight.count == present.count ? withWeight.reduce(0) { $0 + $1.value! * $1.weight! } / w : nil
                    case .difference:
                        gv.weighted = xs.reduce(0, +)
                    }
                }
                out.append(gv)
            }
        }
        return out
    }
}
