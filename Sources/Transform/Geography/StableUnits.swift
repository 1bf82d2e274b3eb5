/// The smallest groups of kommune codes that stay comparable over a span of years
/// (docs/PIPELINE.md, "Stable units"): codes joined by any change of territory in the span
/// (a merge, a split, a renumbering) form one unit, so a unit's territory is the same in every
/// year and its value in a year is exactly the sum of its members valid that year. No share is
/// ever needed. Border adjustments declared as exceptions join nothing.
public struct StableUnits: Sendable {
    public struct Unit: Sendable, Hashable {
        /// The member code itself for a code that never changed; else `S-` and the newest members (`S-1508+1580`).
        public var code: String
        /// The newest members' names (`Ålesund + Haram`).
        public var name: String
        /// Every member code, sorted.
        public var members: [String]
    }

    public let years: ClosedRange<Int>
    public let units: [String: Unit]
    private let unitOf: [String: String]
    private let regions: RegionCatalog

    public init(regions: RegionCatalog, years: ClosedRange<Int>) {
        self.years = years
        self.regions = regions
        // Union–find over every code valid in the span.
        var parent: [String: String] = [:]
        func find(_ c: String) -> String {
            var r = c
            while let p = parent[r], p != r { r = p }
            var x = c
            while let p = parent[x], p != r { parent[x] = r; x = p }
            return r
        }
        func union(_ a: String, _ b: String) {
            let ra = find(a), rb = find(b)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        for y in years { for c in regions.knownCodes(validIn: y) where parent[c] == nil { parent[c] = c } }
        let excluded = Set(regions.exceptions.map { "\($0.oldCode)>\($0.newCode)@\($0.year)" })
        for c in regions.catalog.changes
        where c.year > years.lowerBound && c.year <= years.upperBound && c.kind != .name
            && !excluded.contains("\(c.oldCode)>\(c.newCode)@\(c.year)")
        {
            if parent[c.oldCode] == nil { parent[c.oldCode] = c.oldCode }
            if parent[c.newCode] == nil { parent[c.newCode] = c.newCode }
            union(c.oldCode, c.newCode)
        }
        var members: [String: [String]] = [:]
        for c in parent.keys { members[find(c), default: []].append(c) }
        var units: [String: Unit] = [:], unitOf: [String: String] = [:]
        for (_, ms) in members {
            let sorted = ms.sorted()
            let newest = sorted.filter { regions.isValid($0, in: years.upperBound) }
            let code = sorted.count == 1 ? sorted[0] : "S-" + (newest.isEmpty ? sorted : newest).joined(separator: "+")
            let name = (newest.isEmpty ? sorted : newest).map { regions.name(of: $0, in: years.upperBound) ?? $0 }.joined(separator: " + ")
            units[code] = Unit(code: code, name: name, members: sorted)
            for m in sorted { unitOf[m] = code }
        }
        self.units = units
        self.unitOf = unitOf
    }

    /// The unit a code belongs to (nil for a code not valid in the span).
    public func unit(of code: String) -> Unit? { unitOf[code].flatMap { units[$0] } }

    /// The members of a unit valid in a year: the parts its value is the sum of.
    public func parts(of unit: String, in year: Int) -> [String] {
        (units[unit]?.members ?? [unit]).filter { regions.isValid($0, in: year) }
    }
}
