import Foundation

/// Consistency gates for count measures (docs/PIPELINE.md, "Consistency gates"): the published
/// county and national totals of a source against its municipalities. Pure: no files, no database.
public enum ConsistencyGate {
    /// Returns one warning per total that differs by more than `tolerance` (relative; at least
    /// 0.5, the rounding of a published count) from its municipalities:
    /// - a county total (`EKAnn` or `nn`, valid that year) against the municipalities of that
    ///   county as published that year (valid codes starting with its number), when every one
    ///   of them has a value;
    /// - a national total (`EAK`, `0`, `0000`) against the sum of the harmonised municipal
    ///   values of that year when every one could be computed (else of the municipalities as
    ///   published that year), when every municipality of the year has a published value.
    public static func check(
        measure: String, published: [SeriesKey: StatValue], harmonised: [Harmonised], regions: RegionCatalog,
        tolerance: Double
    ) -> [String] {
        guard let register = regions.register else { return [] }
        struct Slot: Hashable { var year: Int; var breakdown: String }
        var counties: [Slot: [String: (code: String, value: Double)]] = [:]
        var national: [Slot: (code: String, value: Double)] = [:]
        var municipal: [Slot: [String: Double?]] = [:]
        for (k, v) in published {
            let slot = Slot(year: k.year, breakdown: k.breakdown)
            let code = k.region
            switch RegionLevel.of(code) {
            case .kommune where !code.hasPrefix("K-"):
                if register.isValid(code, in: k.year) { municipal[slot, default: [:]][code] = v.value }
            case .fylke:
                let number = code.hasPrefix("EKA") ? String(code.dropFirst(3)) : code
                if let x = v.value, register.isCountyValid(number, in: k.year) { counties[slot, default: [:]][number] = (code, x) }
            case .land where code != "EAKUO":
                if let x = v.value { national[slot] = (code, x) }
            default: break
            }
        }
        var harmonisedSums: [Slot: (sum: Double, complete: Bool)] = [:]
        for h in harmonised where RegionLevel.of(h.key.region) == .kommune && !h.key.region.hasPrefix("K-") {
            let slot = Slot(year: h.key.year, breakdown: h.key.breakdown)
            var acc = harmonisedSums[slot] ?? (0, true)
            if let x = h.value, h.method != .notComputable { acc.sum += x } else { acc.complete = false }
            harmonisedSums[slot] = acc
        }
        func differs(_ a: Double, _ b: Double) -> Bool { abs(a - b) > max(0.5, tolerance * abs(a)) }
        func show(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%g", x) }
        var out: [String] = []
        let slots = Set(counties.keys).union(national.keys).sorted { ($0.year, $0.breakdown) < ($1.year, $1.breakdown) }
        for slot in slots {
            let at = "\(slot.year)\(slot.breakdown.isEmpty ? "" : " [\(slot.breakdown)]")"
            let values = municipal[slot] ?? [:]
            for (number, total) in (counties[slot] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let members = register.codes(validIn: slot.year).filter { $0.hasPrefix(number) }
                guard !members.isEmpty, members.allSatisfy({ values[$0] != nil && values[$0]! != nil }) else { continue }
                let sum = members.reduce(0.0) { $0 + (values[$1]! ?? 0) }
                if differs(total.value, sum) {
                    out.append(
                        "gate \(measure): county \(total.code) \(at): published \(show(total.value)), its \(members.count) municipalities sum to \(show(sum)) (difference \(show(total.value - sum)))"
                    )
                }
            }
            if let total = national[slot] {
                let all = register.codes(validIn: slot.year)
                guard !all.isEmpty, all.allSatisfy({ values[$0] != nil && values[$0]! != nil }) else { continue }
                // The harmonised municipalities when every one could be computed (splits without a
                // share cannot), else the municipalities as published that year.
                let (sum, what): (Double, String)
                if let h = harmonisedSums[slot], h.complete {
                    (sum, what) = (h.sum, "the harmonised municipalities sum to")
                } else {
                    (sum, what) = (all.reduce(0.0) { $0 + (values[$1]! ?? 0) }, "its \(all.count) municipalities as published sum to")
                }
                if differs(total.value, sum) {
                    out.append(
                        "gate \(measure): national total \(total.code) \(at): published \(show(total.value)), \(what) \(show(sum)) (difference \(show(total.value - sum)))"
                    )
                }
            }
        }
        return out
    }
}
