// Why this file is long: merges, renumberings, splits, back-cast series and re-established
// municipalities are one walk over the change graph (docs/HARMONISATION.md).

import Foundation
import Ingest

/// Harmonises series published for many structures to one target structure year
/// (docs/HARMONISATION.md). Pure: no files, no database.
public struct Harmoniser: Sendable {
    public let regions: RegionCatalog
    public let target: Int
    public let splitShares: [String: Double]
    /// Values of the allocation key for pure splits (population in the first year after it).
    public var splitKey: [SeriesKey: StatValue]
    /// Relative tolerance between a published back-cast value and the one computed from parts.
    public var tolerance: Double = 0.005
    /// Harmonise to stable units instead of a structure year (docs/PIPELINE.md, "Stable units").
    public var stable: StableUnits? = nil

    private var partsCache: [Int: [String: [String]]] = [:]
    /// Per data year: each county of that year → the target counties its municipalities end
    /// up in (nil when a municipality cannot be mapped).
    private var countyTargetCache: [Int: [String: Set<String>?]] = [:]

    public init(regions: RegionCatalog, target: Int, splitShares: [SplitShare] = [], splitKey: [SeriesKey: StatValue] = [:]) {
        self.regions = regions
        self.target = target
        var shares: [String: Double] = [:]
        for s in splitShares { shares["\(s.oldCode)>\(s.newCode)@\(s.year)"] = s.share }
        self.splitShares = shares
        self.splitKey = splitKey
    }

    struct Contribution {
        var code: String
        var sourceCode: String
        var share: Double?
        var shareProblem: String?
        var via: MappingPart.Via
        var value: StatValue
        var backcast: Bool
    }

    /// The allocation share of one split step: a declared share, or for a pure split the
    /// successor's share of the key in the split year.
    func share(of step: SplitStep) -> Result<Double, HarmoniseProblem> {
        if let s = splitShares["\(step.oldCode)>\(step.newCode)@\(step.year)"] { return .success(s) }
        guard step.pure else {
            return .failure(
                HarmoniseProblem("no declared share for the partial split of \(step.oldCode) into \(step.newCode) in \(step.year)"))
        }
        var total = 0.0
        var mine: Double? = nil
        for s in step.successors {
            guard let v = splitKey[SeriesKey(s, step.year)]?.value else {
                return .failure(HarmoniseProblem("allocation key missing for \(s) in \(step.year) (split of \(step.oldCode))"))
            }
            total += v
            if s == step.newCode { mine = v }
        }
        guard let m = mine, total > 0 else {
            return .failure(HarmoniseProblem("allocation key is zero for the split of \(step.oldCode) in \(step.year)"))
        }
        return .success(m / total)
    }

    /// Harmonises one measure. `weights` are the raw (published-structure) values of the
    /// declared weight, needed when the rule is `.weightedMean`.
    /// `absentIsZero`: a part with no row at all counts as zero (grant registers list only
    /// municipalities that got something) instead of making the combined value missing.
    public mutating func harmonise(
        _ values: [SeriesKey: StatValue], rule: CombineRule, weights: [SeriesKey: StatValue] = [:], absentIsZero: Bool = false
    ) -> HarmoniseResult {
        var groups: [SeriesKey: [Contribution]] = [:]
        var out: [Harmonised] = []
        var outOfValidity = 0
        var special = 0
        var diagnostics: [Diagnostic] = []
        var countyCells: [(key: SeriesKey, value: StatValue)] = []
        var subtracted: [SeriesKey: Harmonised] = [:]
        for (key, v) in values {
            let published = key.region
            var code = published
            var backcast = false
            if regions.isSetAside(published) {
                special += 1
                continue
            }
            if let register = regions.register, published.utf8.count == 2, RegionLevel.of(published) == .fylke,
                !register.isCountyValid(published, in: key.year)
            {
                // A county code in a year it did not exist (07459 gives 0): not an observation.
                outOfValidity += 1
                continue
            }
            if regions.register != nil, RegionLevel.of(published) == .fylke {
                countyCells.append((key, v))
                continue
            }
            guard RegionLevel.of(published) == .kommune else {
                // The country and KOSTRA groups (and counties without a register) are kept as published.
                out.append(
                    Harmonised(
                        key: key, value: v.value, status: v.status, method: .asPublished, weight: nil, note: nil,
                        lineage: [LineagePart(code: published, year: key.year, share: 1)]))
                continue
            }
            var structureYear = key.year
            if published.hasPrefix("K-") {
                code = String(published.dropFirst(2))
                backcast = true
                if regions.isValid(code, in: target) {
                    structureYear = target
                } else if let last = regions.validity[code]?.compactMap(\.to).max() {
                    structureYear = last
                }
            } else if !regions.isValid(code, in: key.year) {
                outOfValidity += 1
                continue
            } else if regions.register != nil && key.year < regions.firstDataYear {
                out.append(
                    Harmonised(
                        key: SeriesKey(code, key.year, key.breakdown), value: nil, status: nil, method: .notComputable, weight: nil,
                        note:
                            "\(published) \(key.year): the change catalogue starts with the changes of \(regions.firstDataYear + 1), so values before \(regions.firstDataYear) cannot be harmonised",
                        lineage: [LineagePart(code: published, year: key.year, share: 1)]))
                continue
            }
            if backcast, stable == nil, let (re, rest) = regions.reestablishedRest(of: code, year: key.year, target: target) {
                // A back-cast series of the merged municipality (K-1507) in a year the earlier
                // code existed: the re-established code is that code's own value, and the rest
                // is the merged value minus it (docs/PIPELINE.md, "Re-established municipalities").
                let restKey = SeriesKey(rest, key.year, key.breakdown)
                let lineage = [
                    LineagePart(code: published, year: key.year, share: 1), LineagePart(code: re.sameAs, year: key.year, share: -1)
                ]
                let why = "\(published) minus \(re.sameAs) (\(re.code) is re-established on \(re.sameAs)'s territory)"
                if rule == .sum, let own = values[SeriesKey(re.sameAs, key.year, key.breakdown)] {
                    let status = Symbols.strongest(v.status, own.status)
                    if let total = v.value, let x = own.value, !Symbols.isMissing(status) {
                        subtracted[restKey] = Harmonised(
                            key: restKey, value: total - x, status: status, method: .merged, weight: nil, note: why, lineage: lineage)
                    } else {
                        subtracted[restKey] = Harmonised(
                            key: restKey, value: nil, status: status ?? "..", method: .merged, weight: nil,
                            note: "\(why): a part is \(status ?? "missing")", lineage: lineage)
                    }
                } else {
                    let reason =
                        rule == .sum
                        ? "no value for \(re.sameAs) in \(key.year)" : "a rate cannot be divided; it needs the parts of \(rest)"
                    subtracted[restKey] = Harmonised(
                        key: restKey, value: nil, status: nil, method: .notComputable, weight: nil, note: "\(why): \(reason)",
                        lineage: lineage)
                }
                continue
            }
            if let stable {
                // A unit's value in a year is the sum of its members valid that year: exact.
                guard let unit = stable.unit(of: code), stable.years.contains(key.year) else {
                    out.append(
                        Harmonised(
                            key: SeriesKey(code, key.year, key.breakdown), value: nil, status: nil, method: .notComputable, weight: nil,
                            note:
                                "\(published) \(key.year): outside the years the stable units cover (\(stable.years.lowerBound)–\(stable.years.upperBound))",
                            lineage: [LineagePart(code: published, year: key.year, share: 1)]))
                    continue
                }
                let via: MappingPart.Via =
                    unit.members.count == 1
                    ? .same
                    : (stable.parts(of: unit.code, in: key.year).count > 1 ? .merged : .renumbered)
                groups[SeriesKey(unit.code, key.year, key.breakdown), default: []].append(
                    Contribution(code: code, sourceCode: published, share: 1, shareProblem: nil, via: via, value: v, backcast: backcast))
                continue
            }
            switch regions.map(code, year: structureYear, to: target) {
            case .notComputable(let reason):
                out.append(
                    Harmonised(
                        key: SeriesKey(code, key.year, key.breakdown), value: nil, status: nil, method: .notComputable, weight: nil,
                        note: "\(published) \(key.year): \(reason)", lineage: [LineagePart(code: published, year: key.year, share: 1)]))
            case .mapped(let parts):
                for p in parts {
                    var share: Double? = 1
                    var problem: String? = nil
                    for step in p.splits {
                        switch self.share(of: step) {
                        case .success(let s): share = share.map { $0 * s }
                        case .failure(let e): share = nil; problem = e.message
                        }
                    }
                    groups[SeriesKey(p.target, key.year, key.breakdown), default: []].append(
                        Contribution(
                            code: code, sourceCode: published, share: share, shareProblem: problem, via: p.via, value: v, backcast: backcast
                        ))
                }
            }
        }
        for (key, unordered) in groups.sorted(by: { $0.key < $1.key }) {
            // A fixed order of parts: sums must not depend on dictionary order, or reruns would
            // differ in the last bits.
            let contributions = unordered.sorted { ($0.sourceCode, $0.code) < ($1.sourceCode, $1.code) }
            let direct = contributions.filter { !$0.backcast }
            let casts = contributions.filter(\.backcast)
            let computed = direct.isEmpty ? nil : combine(key: key, direct, rule: rule, weights: weights, absentIsZero: absentIsZero)
            if let cast = casts.first {
                var h = Harmonised(
                    key: key, value: cast.value.value, status: cast.value.status,
                    method: cast.code == key.region ? .asPublished : .renumbered, weight: nil,
                    note: "back-cast series \(cast.sourceCode) as published",
                    lineage: [LineagePart(code: cast.sourceCode, year: key.year, share: 1)])
                if rule == .weightedMean,
                    let w = weights[SeriesKey(cast.sourceCode, key.year, key.breakdown)]?.value
                        ?? weights[SeriesKey(cast.sourceCode, key.year)]?.value
                {
                    h.weight = w
                }
                if let c = computed, let a = c.value, let b = h.value {
                    let diff = abs(a - b)
                    if diff > tolerance * max(abs(b), 1e-9) {
                        diagnostics.append(
                            Diagnostic(
                                .warning, code: "back-cast-differs",
                                "\(key.region) \(key.year)\(key.breakdown.isEmpty ? "" : " [\(key.breakdown)]"): published back-cast \(b) differs from \(a) computed from \(direct.map(\.sourceCode).sorted().joined(separator: "+")) by \(String(format: "%.3g", diff))",
                                region: key.region, year: key.year))
                    }
                }
                out.append(h)
            } else if let c = computed {
                out.append(c)
            }
        }
        // The rest of a merged municipality from its back-cast value minus the re-established
        // part, where its own parts gave no value.
        if !subtracted.isEmpty {
            var index: [SeriesKey: Int] = [:]
            for (i, h) in out.enumerated() where subtracted[h.key] != nil { index[h.key] = i }
            for (k, h) in subtracted.sorted(by: { $0.key < $1.key }) {
                guard let i = index[k] else { out.append(h); continue }
                if let a = out[i].value {
                    if let b = h.value, abs(a - b) > tolerance * max(abs(b), 1e-9) {
                        diagnostics.append(
                            Diagnostic(
                                .warning, code: "back-cast-differs",
                                "\(k.region) \(k.year)\(k.breakdown.isEmpty ? "" : " [\(k.breakdown)]"): \(h.note ?? "") gives \(b), its parts give \(a)",
                                region: k.region, year: k.year))
                    }
                } else {
                    out[i] = h
                }
            }
        }
        if stable != nil {
            // Stable units are municipal: county values are kept as published.
            for (key, v) in countyCells {
                out.append(
                    Harmonised(
                        key: key, value: v.value, status: v.status, method: .asPublished, weight: nil, note: nil,
                        lineage: [LineagePart(code: key.region, year: key.year, share: 1)]))
            }
        } else if !countyCells.isEmpty {
            out += counties(countyCells, municipal: out, rule: rule, weights: weights)
        }
        var result = HarmoniseResult(values: out, outOfValidity: outOfValidity, diagnostics: diagnostics)
        result.special = special
        return result
    }

    /// The target counties of a county of `year`: where its municipalities end up.
    mutating func countyTargets(year: Int) -> [String: Set<String>?] {
        if let c = countyTargetCache[year] { return c }
        var out: [String: Set<String>?] = [:]
        guard let register = regions.register else { return [:] }
        for county in register.counties(validIn: year) { out[county] = Set<String>() }
        for code in register.codes(validIn: year) {
            let county = String(code.prefix(2))
            guard case .some(.some(var set)) = out[county] else { continue }
            switch regions.map(code, year: year, to: target) {
            case .notComputable: out[county] = .some(nil)
            case .mapped(let parts):
                for p in parts { set.insert(String(p.target.prefix(2))) }
                out[county] = .some(set)
            }
        }
        countyTargetCache[year] = out
        return out
    }

    /// Counties harmonised like municipalities (docs/PIPELINE.md, "Counties"): a target county
    /// made only of whole counties of the year combines their published values (copied,
    /// renumbered or merged: counts summed, rates weighted); a target county touched by a
    /// county that was divided (Viken 2023 → 31, 32, 33) is computed from the harmonised
    /// municipalities that make it up.
    mutating func counties(
        _ cells: [(key: SeriesKey, value: StatValue)], municipal: [Harmonised], rule: CombineRule,
        weights: [SeriesKey: StatValue]
    ) -> [Harmonised] {
        guard let register = regions.register else { return [] }
        var byKommune: [SeriesKey: Harmonised] = [:]
        for h in municipal where RegionLevel.of(h.key.region) == .kommune && !h.key.region.hasPrefix("K-") { byKommune[h.key] = h }
        // Published county values by (style, target county, year, breakdown).
        struct Group: Hashable, Comparable {
            var prefix: String, county: String, year: Int, breakdown: String
            static func < (a: Group, b: Group) -> Bool {
                (a.prefix, a.county, a.year, a.breakdown) < (b.prefix, b.county, b.year, b.breakdown)
            }
        }
        var groups: [Group: [String: (code: String, value: StatValue)]] = [:]
        var out: [Harmonised] = []
        for (key, v) in cells {
            let prefix = key.region.hasPrefix("EKA") ? "EKA" : ""
            let number = String(key.region.dropFirst(prefix.count))
            guard register.isCountyValid(number, in: key.year) else { continue } // set aside while staging
            guard key.year >= regions.firstDataYear, case .some(.some(let targets)) = countyTargets(year: key.year)[number] else {
                out.append(
                    Harmonised(
                        key: key, value: nil, status: nil, method: .notComputable, weight: nil,
                        note: "\(key.region) \(key.year): its municipalities cannot all be expressed in the \(target) structure",
                        lineage: [LineagePart(code: key.region, year: key.year, share: 1)]))
                continue
            }
            for c in targets {
                groups[Group(prefix: prefix, county: c, year: key.year, breakdown: key.breakdown), default: [:]][number] = (key.region, v)
            }
        }
        for (g, published) in groups.sorted(by: { $0.key < $1.key }) {
            let key = SeriesKey(g.prefix + g.county, g.year, g.breakdown)
            let map = countyTargets(year: g.year)
            // Every county of the year whose municipalities reach the target county.
            let sources = map.filter { $0.value?.contains(g.county) == true }.keys.sorted()
            let whole = sources.allSatisfy { (map[$0] ?? nil) == [g.county] }
            if whole && sources.allSatisfy({ published[$0] != nil }) {
                let parts = sources.map { published[$0]! }
                let lineage = parts.map { LineagePart(code: $0.code, year: g.year, share: 1) }
                let method: Method = sources.count > 1 ? .merged : (sources[0] == g.county ? .asPublished : .renumbered)
                var status: String? = nil
                for p in parts { status = Symbols.strongest(status, p.value.status) }
                if Symbols.isMissing(status) || parts.contains(where: { $0.value.value == nil }) {
                    out.append(
                        Harmonised(
                            key: key, value: nil, status: status ?? "..", method: method, weight: nil,
                            note: parts.count > 1 ? "a part is \(status ?? "missing")" : nil, lineage: lineage))
                    continue
                }
                switch rule {
                case .sum:
                    out.append(
                        Harmonised(
                            key: key, value: parts.reduce(0) { $0 + $1.value.value! }, status: status, method: method, weight: nil,
                            note: nil, lineage: lineage))
                case .weightedMean:
                    func weight(_ code: String) -> Double? {
                        weights[SeriesKey(code, g.year, g.breakdown)]?.value ?? weights[SeriesKey(code, g.year)]?.value
                    }
                    if parts.count == 1 {
                        out.append(
                            Harmonised(
                                key: key, value: parts[0].value.value, status: status, method: method, weight: weight(parts[0].code),
                                note: nil, lineage: lineage))
                        continue
                    }
                    var num = 0.0, den = 0.0
                    var missing: String? = nil
                    for p in parts {
                        guard let w = weight(p.code) else { missing = p.code; break }
                        num += p.value.value! * w
                        den += w
                    }
                    if let missing {
                        out.append(
                            Harmonised(
                                key: key, value: nil, status: nil, method: .notComputable, weight: nil,
                                note: "weight missing for \(missing) in \(g.year)", lineage: lineage));
                        continue
                    }
                    guard den > 0 else {
                        out.append(
                            Harmonised(
                                key: key, value: nil, status: nil, method: .notComputable, weight: nil,
                                note: "weights sum to zero in \(g.year)", lineage: lineage));
                        continue
                    }
                    out.append(
                        Harmonised(key: key, value: num / den, status: status, method: method, weight: den, note: nil, lineage: lineage))
                }
                continue
            }
            // A county was divided: the target county from its harmonised municipalities.
            let divided = sources.filter { (map[$0] ?? nil) != [g.county] }
            let why =
                "computed from the harmonised municipalities of \(g.county) (county \(divided.joined(separator: ", ")) of \(g.year) was divided)"
            let members = register.codes(validIn: target).filter { $0.hasPrefix(g.county) }
            var values: [Harmonised] = []
            var lacking: [String] = []
            for m in members {
                if let h = byKommune[SeriesKey(m, g.year, g.breakdown)], h.method != .notComputable {
                    values.append(h)
                } else {
                    lacking.append(m)
                }
            }
            var lineage: [LineagePart] = []
            for h in values { lineage += h.lineage }
            if !lacking.isEmpty {
                out.append(
                    Harmonised(
                        key: key, value: nil, status: "..", method: .notComputable, weight: nil,
                        note:
                            "\(why); no harmonised value for \(lacking.prefix(5).joined(separator: ", "))\(lacking.count > 5 ? ", …" : "")",
                        lineage: lineage))
                continue
            }
            var status: String? = nil
            for h in values { status = Symbols.strongest(status, h.status) }
            if Symbols.isMissing(status) || values.contains(where: { $0.value == nil }) {
                out.append(
                    Harmonised(
                        key: key, value: nil, status: status ?? "..", method: .merged, weight: nil,
                        note: "\(why); a part is \(status ?? "missing")", lineage: lineage))
                continue
            }
            switch rule {
            case .sum:
                out.append(
                    Harmonised(
                        key: key, value: values.reduce(0) { $0 + $1.value! }, status: status, method: .merged, weight: nil, note: why,
                        lineage: lineage))
            case .weightedMean:
                guard values.allSatisfy({ $0.weight != nil }), case let den = values.reduce(0, { $0 + $1.weight! }), den > 0 else {
                    out.append(
                        Harmonised(
                            key: key, value: nil, status: nil, method: .notComputable, weight: nil,
                            note: "\(why); a municipality has no weight", lineage: lineage))
                    continue
                }
                out.append(
                    Harmonised(
                        key: key, value: values.reduce(0) { $0 + $1.value! * $1.weight! } / den, status: status, method: .merged,
                        weight: den, note: why, lineage: lineage))
            }
        }
        return out
    }

    private mutating func expectedParts(_ region: String, year: Int) -> [String] {
        if let stable { return stable.parts(of: region, in: year) }
        if partsCache[year] == nil { partsCache[year] = regions.parts(year: year, target: target) }
        return partsCache[year]?[region] ?? [region]
    }

    private mutating func combine(
        key: SeriesKey, _ cs: [Contribution], rule: CombineRule, weights: [SeriesKey: StatValue], absentIsZero: Bool
    ) -> Harmonised {
        let lineage = cs.map { LineagePart(code: $0.sourceCode, year: key.year, share: $0.share ?? .nan) }.sorted { $0.code < $1.code }
        let via = cs.map(\.via).max() ?? .same
        var method: Method
        switch via {
        case .same: method = .asPublished
        case .renumbered: method = .renumbered
        case .merged: method = .merged
        case .split: method = .splitAllocated
        }
        func fail(_ why: String, status: String? = nil) -> Harmonised {
            Harmonised(key: key, value: nil, status: status, method: .notComputable, weight: nil, note: why, lineage: lineage)
        }
        if let bad = cs.first(where: { $0.share == nil }) {
            return fail(bad.shareProblem ?? "no allocation share for \(bad.code)")
        }
        // A part that is not in the data makes the value missing rather than too small.
        let have = Set(cs.map(\.code))
        let missing = expectedParts(key.region, year: key.year).filter { !have.contains($0) }
        if !missing.isEmpty && !(absentIsZero && rule == .sum) {
            return Harmonised(
                key: key, value: nil, status: "..", method: method, weight: nil,
                note: "missing part\(missing.count > 1 ? "s" : ""): \(missing.joined(separator: ", ")) in \(key.year)", lineage: lineage)
        }
        // The strongest status of the parts wins; a missing part makes the whole missing.
        var status: String? = nil
        for c in cs { status = Symbols.strongest(status, c.value.status) }
        if Symbols.isMissing(status) || cs.contains(where: { $0.value.value == nil }) {
            return Harmonised(
                key: key, value: nil, status: status ?? "..", method: method, weight: nil,
                note: cs.count > 1 ? "a part is \(status ?? "missing")" : nil, lineage: lineage)
        }
        switch rule {
        case .sum:
            let total = cs.reduce(0.0) { $0 + ($1.value.value ?? 0) * ($1.share ?? 0) }
            return Harmonised(key: key, value: total, status: status, method: method, weight: nil, note: nil, lineage: lineage)
        case .weightedMean:
            if cs.count == 1 {
                // One source code: a renumbering or a split successor; the rate is copied.
                let w =
                    weights[SeriesKey(cs[0].sourceCode, key.year, key.breakdown)]?.value
                    ?? weights[SeriesKey(cs[0].sourceCode, key.year)]?.value
                return Harmonised(
                    key: key, value: cs[0].value.value, status: status, method: method, weight: w.map { $0 * (cs[0].share ?? 1) },
                    note: nil, lineage: lineage)
            }
            var num = 0.0, den = 0.0
            for c in cs {
                guard
                    let w = weights[SeriesKey(c.sourceCode, key.year, key.breakdown)]?.value
                        ?? weights[SeriesKey(c.sourceCode, key.year)]?.value
                else {
                    return fail("weight missing for \(c.sourceCode) in \(key.year)")
                }
                num += (c.value.value ?? 0) * w * (c.share ?? 1)
                den += w * (c.share ?? 1)
            }
            guard den > 0 else { return fail("weights sum to zero in \(key.year)") }
            return Harmonised(key: key, value: num / den, status: status, method: method, weight: den, note: nil, lineage: lineage)
        }
    }
}
