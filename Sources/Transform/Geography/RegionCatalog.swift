import Ingest

/// Every code with its validity periods and names, and the change graph, built from a
/// change catalogue. With a register (docs/PIPELINE.md, "The register") validity and names
/// come from it; without one, codes never named in the catalogue are taken as unchanged.
public struct RegionCatalog: Sendable {
    public let catalog: ChangeCatalog
    public let exceptions: [BorderException]
    public let register: Register?
    /// Municipalities re-established on an earlier code's territory (the register's and the pipeline's).
    public let reestablished: [Reestablishment]
    /// Territorial changes by year (exceptions and name-only rows removed; self-rows kept).
    private var forward: [Int: [String: [String]]] = [:]
    private var backward: [Int: [String: [String]]] = [:]
    public private(set) var validity: [String: [Validity]] = [:]
    public let years: [Int]

    public init(
        catalog: ChangeCatalog, exceptions: [BorderException] = BorderException.known, register: Register? = nil,
        reestablished extra: [Reestablishment] = []
    ) {
        self.catalog = catalog
        self.exceptions = exceptions
        self.register = register
        var re = register?.reestablished ?? []
        for r in extra where !re.contains(where: { $0.code == r.code && $0.from == r.from }) { re.append(r) }
        self.reestablished = re
        let excluded = Set(exceptions.map { "\($0.oldCode)>\($0.newCode)@\($0.year)" })
        let rows = catalog.changes.filter { !excluded.contains("\($0.oldCode)>\($0.newCode)@\($0.year)") }
        for (year, group) in Dictionary(grouping: rows, by: \.year) {
            var f: [String: [String]] = [:]
            var b: [String: [String]] = [:]
            for r in group {
                f[r.oldCode, default: []].append(r.newCode)
                b[r.newCode, default: []].append(r.oldCode)
            }
            // A code mapped only to itself changed at most its name.
            for (old, news) in f where news == [old] && b[old] == [old] {
                f[old] = nil
                b[old] = nil
            }
            forward[year] = f
            backward[year] = b
        }
        years = forward.keys.sorted()
        // Validity: in each change year a code that maps away (not to itself) ends, and a
        // code mapped into (not from itself) begins. Codes are reused, so a code may have
        // several periods.
        var events: [String: [(year: Int, start: Bool, name: String)]] = [:]
        for r in rows {
            let y = r.year
            if let news = forward[y]?[r.oldCode], !news.contains(r.oldCode) {
                events[r.oldCode, default: []].append((y, false, r.oldName))
            }
            if let olds = backward[y]?[r.newCode], !olds.contains(r.newCode) {
                events[r.newCode, default: []].append((y, true, r.newName))
            }
        }
        // The newest name of each code in each period, name-only changes included.
        var namings: [String: [(year: Int, name: String)]] = [:]
        for r in catalog.changes {
            namings[r.oldCode, default: []].append((r.year - 1, r.oldName))
            namings[r.newCode, default: []].append((r.year, r.newName))
        }
        for (code, ns) in namings {
            var seen = Set<String>()
            let evs = (events[code] ?? []).filter { seen.insert("\($0.year)\($0.start)").inserted }
                .sorted { ($0.year, $0.start ? 1 : 0) < ($1.year, $1.start ? 1 : 0) }
            var periods: [Validity] = []
            var openFrom: Int? = nil
            var isOpen = evs.first.map { !$0.start } ?? true
            func nameIn(_ from: Int?, _ to: Int?) -> String {
                let inside = ns.filter { n in n.year >= (from ?? Int.min) && n.year <= (to ?? Int.max) }
                return inside.max { $0.year < $1.year }?.name ?? ns.last?.name ?? code
            }
            for e in evs {
                if e.start {
                    if !isOpen { openFrom = e.year; isOpen = true }
                } else if isOpen {
                    periods.append(Validity(from: openFrom, to: e.year - 1, name: nameIn(openFrom, e.year - 1)))
                    isOpen = false
                }
            }
            if isOpen { periods.append(Validity(from: openFrom, to: nil, name: nameIn(openFrom, nil))) }
            validity[code] = periods
        }
        if let register { validity = register.kommuner }
    }

    /// Whether the register (or, without one, the catalogue) names the code at all.
    public func isKnown(_ code: String) -> Bool { validity[code] != nil }

    /// Whether a code is valid in a year: as the register says; without a register, codes the
    /// catalogue never names are taken as always valid.
    public func isValid(_ code: String, in year: Int) -> Bool {
        guard let periods = validity[code] else { return register == nil }
        return periods.contains { $0.contains(year) }
    }

    /// The structure years that can be targets: from the first change the catalogue describes
    /// to the newest year of the register (or of the catalogue, without a register).
    public var coveredYears: ClosedRange<Int> {
        let first = years.first ?? newestYear
        return first...max(first, register?.lastYear ?? newestYear)
    }

    /// The first year whose values can be harmonised: the year before the first change the
    /// catalogue describes (earlier years may be separated from it by changes it does not list).
    public var firstDataYear: Int { (years.first ?? newestYear) - 1 }

    /// Why a structure year cannot be a target, or nil when it can.
    public func structureProblem(_ year: Int) -> String? {
        let r = coveredYears
        guard !r.contains(year) else { return nil }
        return "structure year \(year) is outside the years the register and change catalogue cover (\(r.lowerBound)–\(r.upperBound))"
    }

    /// What a code that is no kommune of any structure is (Svalbard, `9999`, `0716u`), with a register.
    public func special(_ code: String) -> String? { register?.special(code) }

    /// With a register: a code that is no kommune or fylke of any year and that staging kept
    /// (Svalbard, `9999`, `nn99 Uoppgitt`, `0716u`): never harmonised.
    public func isSetAside(_ code: String) -> Bool {
        guard let register else { return false }
        if register.isKnown(code) || register.fylker[code] != nil || code.hasPrefix("K-") { return false }
        return register.special(code) != nil || RegionLevel.of(code) == .kommune
    }

    /// The name of a code in a year, where the catalogue knows it.
    public func name(of code: String, in year: Int) -> String? {
        validity[code]?.first { $0.contains(year) }?.name ?? validity[code]?.last?.name
    }

    /// The newest structure year the catalogue describes.
    public var newestYear: Int { years.last ?? 0 }

    /// Every code the catalogue (or the register) knows that is valid in a year.
    public func knownCodes(validIn year: Int) -> [String] {
        if let register, year >= register.firstYear && year <= register.lastYear { return register.codes(validIn: year) }
        return validity.keys.filter { isValid($0, in: year) }.sorted()
    }

    /// The re-establishment starting a code in a year, if any.
    func reestablishment(of code: String, in year: Int) -> Reestablishment? {
        reestablished.first { $0.code == code && $0.from == year }
    }

    /// For a back-cast series of a merged municipality (K-1507) in a year when the earlier code
    /// of a re-established one still existed (2019): the re-establishment and the target code of
    /// the rest of the merged territory (1508), or nil.
    public func reestablishedRest(of merged: String, year: Int, target: Int) -> (Reestablishment, String)? {
        guard let formed = formation(of: merged) else { return nil }
        for re in reestablished where year <= re.sameAsTo && target >= re.from && formed.from.contains(re.sameAs) {
            guard let successors = forward[re.from]?[merged], successors.contains(re.code) else { continue }
            let rest = successors.filter { $0 != re.code }
            guard rest.count == 1, case .mapped(let parts) = map(rest[0], year: re.from, to: target), parts.count == 1 else { continue }
            return (re, parts[0].target)
        }
        return nil
    }

    /// The codes a municipality was formed from in the year it began (empty when it was not formed by a merge).
    func formation(of code: String) -> (year: Int, from: [String])? {
        for y in years.reversed() {
            if let olds = backward[y]?[code], olds.count > 1 || olds != [code] { return (y, olds) }
        }
        return nil
    }

    /// Maps a code valid in `year` to the structure of `target`, walking the change graph
    /// forwards (renumberings, merges, splits) or backwards (a later split going back is a merge).
    public func map(_ code: String, year: Int, to target: Int) -> MappingResult {
        if year == target { return .mapped([MappingPart(target: code, splits: [], via: .same)]) }
        if year < target {
            // Each path remembers the codes it went through, and its method at each: a
            // re-established municipality takes exactly the paths through its earlier code.
            var frontier: [(part: MappingPart, seen: [String: MappingPart.Via])] = [
                (MappingPart(target: code, splits: [], via: .same), [code: .same])
            ]
            for y in years where y > year && y <= target {
                guard let f = forward[y] else { continue }
                var next: [(part: MappingPart, seen: [String: MappingPart.Via])] = []
                for (p, seen) in frontier {
                    guard var news = f[p.target] else { next.append((p, seen)); continue }
                    func add(_ part: MappingPart) {
                        var s = seen
                        s[part.target] = part.via
                        next.append((part, s))
                    }
                    if news.count > 1, !reestablished.isEmpty, let formed = formation(of: p.target) {
                        let res = news.compactMap { self.reestablishment(of: $0, in: y) }.filter { formed.from.contains($0.sameAs) }
                        if let re = res.first(where: { seen[$0.sameAs] != nil }), let via = seen[re.sameAs] {
                            // The path went through the earlier code: the territory is the re-established one.
                            add(MappingPart(target: re.code, splits: p.splits, via: max(via, .renumbered)))
                            continue
                        }
                        if !res.isEmpty && formed.from.contains(where: { seen[$0] != nil }) {
                            // Another part of the merge: it is in the rest, never in a re-established code.
                            let rest = news.filter { n in !res.contains { $0.code == n } }
                            if rest.count == 1 {
                                add(MappingPart(target: rest[0], splits: p.splits, via: max(p.via, .merged)))
                                continue
                            }
                            if !rest.isEmpty { news = rest }
                        }
                    }
                    if news.count == 1 {
                        let merged = (backward[y]?[news[0]]?.count ?? 1) > 1
                        let via: MappingPart.Via = merged ? .merged : (news[0] == p.target ? .same : .renumbered)
                        add(MappingPart(target: news[0], splits: p.splits, via: max(p.via, via)))
                    } else {
                        let pure = news.allSatisfy { backward[y]?[$0] == [p.target] }
                        for n in news {
                            let step = SplitStep(oldCode: p.target, newCode: n, year: y, successors: news, pure: pure)
                            add(MappingPart(target: n, splits: p.splits + [step], via: .split))
                        }
                    }
                }
                frontier = next
            }
            return .mapped(frontier.map(\.part))
        }
        // Backwards: each step must find the one predecessor the code is (a part of).
        var current = code
        var via = MappingPart.Via.same
        var skipAfter = Int.max
        for y in years.reversed() where y <= year && y > target && y <= skipAfter {
            if let re = reestablishment(of: current, in: y), target <= re.sameAsTo {
                // A re-established municipality is its earlier code, exactly.
                current = re.sameAs
                via = max(via, .renumbered)
                skipAfter = re.sameAsTo
                continue
            }
            guard let olds = backward[y]?[current] else { continue }
            if olds.count > 1 {
                return .notComputable(
                    "\(current) was formed in \(y) from \(olds.sorted().joined(separator: ", ")) and cannot be divided back into the \(target) structure"
                )
            }
            let old = olds[0]
            let successors = forward[y]?[old] ?? [current]
            via = max(via, successors.count > 1 ? .merged : (old == current ? via : .renumbered))
            current = old
        }
        return .mapped([MappingPart(target: current, splits: [], via: via)])
    }

    /// For a year and target structure: each target code with the codes valid in that year
    /// that make it up (codes the catalogue does not know are their own single part).
    public func parts(year: Int, target: Int) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for code in knownCodes(validIn: year) {
            if case .mapped(let ps) = map(code, year: year, to: target) {
                for p in ps { out[p.target, default: []].append(code) }
            }
        }
        return out
    }
}
