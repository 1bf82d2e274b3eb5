import Foundation

/// Who belongs to which comparison group (docs/INDICATORS.md §3): counties by the first two
/// digits of the target structure's codes, KOSTRA groups by the codes valid in each year mapped
/// to the target structure, and the country by the municipalities with a value. Pure: the
/// pipeline reads the group files and hands their rows here.
public enum GroupMembership {
    /// One row of a county list (`code,name,valid_from,valid_to`).
    public struct County: Sendable, Equatable {
        public var code: String
        public var name: String
        public var validFrom: Int?
        public var validTo: Int?
        public init(code: String, name: String, validFrom: Int?, validTo: Int?) {
            self.code = code
            self.name = name
            self.validFrom = validFrom
            self.validTo = validTo
        }
    }

    /// One row of a KOSTRA group list (`years,group,name,kommune`): a municipality, as coded in
    /// those years, in a group.
    public struct KostraMember: Sendable, Equatable {
        public var years: ClosedRange<Int>
        public var group: String
        public var name: String
        public var kommune: String
        public init(years: ClosedRange<Int>, group: String, name: String, kommune: String) {
            self.years = years
            self.group = group
            self.name = name
            self.kommune = kommune
        }
    }

    /// The counties valid in the structure year (`EKA` + number), members still to be filled
    /// from the data (`withCountyMembers`).
    public static func counties(_ rows: [County], structureYear: Int) -> [ComparisonGroup] {
        rows.filter { (($0.validFrom.map { structureYear >= $0 }) ?? true) && (($0.validTo.map { structureYear <= $0 }) ?? true) }
            .map { ComparisonGroup(code: "EKA\($0.code)", name: $0.name, kind: .county, members: [nil: []]) }
    }

    /// KOSTRA groups by year: each member is named by the code valid that year and mapped to
    /// the target structure (0124 Askim in EKG08 in 2019 makes 3118 a member for 2019).
    public static func kostragrupper(_ rows: [KostraMember], regions: RegionCatalog, structureYear: Int) -> [ComparisonGroup] {
        var groups: [String: (name: String, members: [Int?: Set<String>])] = [:]
        for r in rows {
            var entry = groups[r.group] ?? (r.name, [:])
            for y in r.years {
                var targets: [String] = [r.kommune]
                if regions.isValid(r.kommune, in: y), case .mapped(let parts) = regions.map(r.kommune, year: y, to: structureYear) {
                    targets = parts.map(\.target)
                }
                for t in targets { entry.members[y, default: []].insert(t) }
            }
            groups[r.group] = entry
        }
        return groups.sorted { $0.key < $1.key }.map {
            ComparisonGroup(code: $0.key, name: $0.value.name, kind: .kostragruppe, members: $0.value.members)
        }
    }

    /// Counties' members: the municipal codes with values whose first two digits are the county's.
    public static func withCountyMembers(_ groups: [ComparisonGroup], codes: Set<String>) -> [ComparisonGroup] {
        groups.map { g in
            guard g.kind == .county else { return g }
            var g = g
            let prefix = String(g.code.dropFirst(3))
            g.members = [nil: Set(codes.filter { $0.hasPrefix(prefix) && $0.count == 4 })]
            return g
        }
    }

    /// The municipalities of the target structure that have a computable value in any indicator
    /// (`codes`), and per year those with a number (`national`, the country's members for
    /// counts of registers that list only non-zero rows).
    public static func municipalities<S: Sequence>(in values: S) -> (codes: Set<String>, national: [Int: Set<String>])
    where S.Element == IndicatorValue {
        var codes = Set<String>()
        var national: [Int: Set<String>] = [:]
        for v in values where RegionLevel.of(v.key.region) == .kommune && v.method != .notComputable && !v.key.region.hasPrefix("K-") {
            codes.insert(v.key.region)
            if v.value != nil { national[v.key.year, default: []].insert(v.key.region) }
        }
        return (codes, national)
    }
}
