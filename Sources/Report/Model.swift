import Foundation
import GRDB
import Transform
import Warehouse

/// What `etl report` shows: chosen from the warehouse by indicator, region and group codes.
public struct ReportOptions: Sendable {
    public var indicators: [String]
    public var regions: [String]
    public var groups: [String]
    public var language: Language
    /// The change catalogue whose reforms are marked on the region charts; nil marks none.
    public var catalog: ChangeCatalog?
    /// The predecessors' values as they published them, by indicator code (shown under the
    /// charts of the regions they became); empty shows none.
    public var published: [String: [PublishedValue]] = [:]

    public init(
        indicators: [String] = [], regions: [String] = [], groups: [String] = [], language: Language = .nb, catalog: ChangeCatalog? = nil
    ) {
        self.indicators = indicators
        self.regions = regions
        self.groups = groups
        self.language = language
        self.catalog = catalog
    }
}

struct IndicatorInfo: Sendable {
    var code: String
    var name: String
    var nameEn: String?
    var unit: String
    var kind: String
    var decimals: Int
    var definition: String
    var population: String?
    var sourceTables: [String]

    func label(_ lang: Language) -> String { lang == .en ? (nameEn ?? name) : name }
}

struct Fact: Sendable {
    var region: String
    var year: Int
    var breakdown: String
    var value: Double?
    var status: String?
    var method: String
    var note: String?
    var lineage: [LineageSource]
}

struct RegionInfo: Sendable {
    var code: String
    var name: String
    var level: String
}

struct GroupInfo: Sendable {
    var code: String
    var name: String
    var kind: String
    /// Members by year.
    var members: [Int: [String]]
}

struct GroupFact: Sendable {
    var year: Int
    var breakdown: String
    var weighted: Double?
    var median: Double?
    var min: Double?
    var max: Double?
    var withValue: Int
    var members: Int
}

struct RunInfo: Sendable {
    var id: Int64
    var pipeline: String
    var startedAt: String
    var finishedAt: String?
    var status: String
    var structureYear: Int?
    var fingerprint: String?
}

struct SourceInfo: Sendable {
    var id: String
    var table: String?
    var title: String?
    var contentHash: String
    var updated: String?
}

/// An indicator value of a region code as published in its own year, before harmonisation.
public struct PublishedValue: Sendable {
    public var region: String
    public var year: Int
    public var breakdown: String
    public var value: Double?
    public var status: String?
    public var note: String?
    public init(region: String, year: Int, breakdown: String, value: Double?, status: String?, note: String?) {
        self.region = region
        self.year = year
        self.breakdown = breakdown
        self.value = value
        self.status = status
        self.note = note
    }
}

/// One change of the municipality structure that made a region what it is ("2020: 0122, 0123,
/// 0124, 0125, 0138 → 3014"), from the change catalogue.
public struct Reform: Sendable, Hashable {
    public var year: Int
    public var from: [String]
    public var to: [String]
    public var text: String { "\(year): \(from.joined(separator: ", ")) → \(to.joined(separator: ", "))" }
}

/// Everything the report shows, read once from the warehouse.
struct ReportData: Sendable {
    var indicators: [IndicatorInfo]
    /// Facts by indicator code, then region code, in year order.
    var facts: [String: [String: [Fact]]]
    var regions: [String: RegionInfo]
    var groups: [GroupInfo]
    /// Group facts by group code, then indicator code.
    var groupFacts: [String: [String: [GroupFact]]]
    var breakdownLabels: [String: String]
    var run: RunInfo?
    var sources: [SourceInfo]
    var structureYear: Int?

    static func load(_ db: Database, options: ReportOptions) throws -> ReportData {
        let wantIndicators = Set(options.indicators), wantRegions = Set(options.regions), wantGroups = Set(options.groups)
        var indicators: [IndicatorInfo] = []
        for r in try Warehouse.indicatorRows(db) {
            let code: String = r[0]
            if !wantIndicators.isEmpty && !wantIndicators.contains(code) { continue }
            let tables: String? = r[8]
            indicators.append(
                IndicatorInfo(
                    code: code, name: r[1], nameEn: r[2], unit: r[3], kind: r[4], decimals: r[5], definition: r[6], population: r[7],
                    sourceTables: (tables ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                        !$0.isEmpty
                    }))
        }
        if !options.indicators.isEmpty {
            let order = Dictionary(uniqueKeysWithValues: options.indicators.enumerated().map { ($0.element, $0.offset) })
            indicators.sort { order[$0.code, default: 0] < order[$1.code, default: 0] }
        }
        let wanted = Set(indicators.map(\.code))

        var regions: [String: RegionInfo] = [:]
        for r in try Warehouse.regionRows(db) {
            regions[r[0]] = RegionInfo(code: r[0], name: r[1], level: r[2]) // the newest period's name wins
        }

        var lineage: [Int64: [LineageSource]] = [:]
        let lineageRows = try Warehouse.lineageCursor(db)
        while let r = try lineageRows.next() {
            lineage[r[0], default: []].append(LineageSource(region: r[1], year: r[2], share: r[3]))
        }

        var facts: [String: [String: [Fact]]] = [:]
        let factRows = try Warehouse.factCursor(db)
        while let r = try factRows.next() {
            let indicator: String = r[1], region: String = r[2]
            guard wanted.contains(indicator), wantRegions.isEmpty || wantRegions.contains(region) else { continue }
            let id: Int64 = r[0]
            facts[indicator, default: [:]][region, default: []].append(
                Fact(
                    region: region, year: r[3], breakdown: r[4], value: r[5], status: r[6], method: r[7], note: r[8],
                    lineage: lineage[id] ?? []))
        }

        var groups: [GroupInfo] = []
        var groupKeys: [Int64: Int] = [:]
        for r in try Warehouse.groupRows(db) {
            let code: String = r[1]
            if !wantGroups.isEmpty && !wantGroups.contains(code) { continue }
            groupKeys[r[0]] = groups.count
            groups.append(GroupInfo(code: code, name: r[2], kind: r[3], members: [:]))
        }
        for r in try Warehouse.groupMemberRows(db) {
            guard let i = groupKeys[r[0]] else { continue }
            groups[i].members[r[1], default: []].append(r[2])
        }
        var groupFacts: [String: [String: [GroupFact]]] = [:]
        let groupRows = try Warehouse.groupFactCursor(db)
        while let r = try groupRows.next() {
            let indicator: String = r[1]
            guard wanted.contains(indicator) else { continue }
            groupFacts[r[0], default: [:]][indicator, default: []].append(
                GroupFact(year: r[2], breakdown: r[3], weighted: r[4], median: r[5], min: r[6], max: r[7], withValue: r[8], members: r[9]))
        }

        // Breakdown labels: the warehouse's, and where it kept only codes (`Kjonn=2`), the
        // sources' own labels from stg_label (`Kvinner`).
        var staged: [String: String] = [:]
        for r in try Warehouse.categoryLabelRows(db) {
            let key = "\(r[0] as String)=\(r[1] as String)".lowercased()
            if staged[key] == nil { staged[key] = r[2] }
        }
        var breakdownLabels: [String: String] = [:]
        for r in try Warehouse.breakdownRows(db) {
            let code: String = r[0], label: String = r[1]
            breakdownLabels[code] = code.isEmpty ? label : Breakdown.label(of: code, labels: staged)
        }

        var run: RunInfo?
        if let r = try Warehouse.publishingRun(db) {
            run = RunInfo(id: r[0], pipeline: r[1], startedAt: r[2], finishedAt: r[3], status: r[4], structureYear: r[5], fingerprint: r[6])
        }
        let sources = try Warehouse.sourceRows(db).map {
            SourceInfo(id: $0[0], table: $0[1], title: $0[2], contentHash: $0[3], updated: $0[4])
        }
        let structureYear = try Warehouse.factsStructureYear(db)
        return ReportData(
            indicators: indicators, facts: facts, regions: regions, groups: groups, groupFacts: groupFacts,
            breakdownLabels: breakdownLabels, run: run, sources: sources, structureYear: structureYear)
    }

    /// The comparison group of a municipality: one of `--group` if it is a member, else its
    /// KOSTRA group, else its county, else the national group (newest membership year).
    func comparisonGroup(of region: String, preferred: [String]) -> GroupInfo? {
        func isMember(_ g: GroupInfo) -> Bool {
            guard let newest = g.members.keys.max() else { return false }
            return g.members[newest]?.contains(region) ?? false
        }
        for code in preferred { if let g = groups.first(where: { $0.code == code }), isMember(g) { return g } }
        for kind in ["kostragruppe", "county", "national", "adhoc"] {
            if let g = groups.first(where: { $0.kind == kind && isMember($0) }) { return g }
        }
        return nil
    }
}

/// The reforms that made `code` what it is, newest first, walking the catalogue back through
/// the codes it came from.
public func reforms(of code: String, in catalog: ChangeCatalog) -> [Reform] {
    var out: [Reform] = []
    var seen: Set<String> = [code]
    var frontier = [code]
    var seenReforms = Set<Reform>()
    while let c = frontier.popLast() {
        // Changes into this code: merges and renumberings (a name change alone is no reform).
        let into = catalog.changes.filter { $0.newCode == c && $0.kind != .name && !($0.kind == .split && $0.oldCode == c) }
        for (year, changes) in Dictionary(grouping: into, by: \.year) {
            // A split of one old code into this and other codes names all its successors.
            var to: Set<String> = [c]
            for ch in changes where ch.kind == .split {
                for other in catalog.changes where other.oldCode == ch.oldCode && other.year == year { to.insert(other.newCode) }
            }
            let r = Reform(year: year, from: Array(Set(changes.map(\.oldCode))).sorted(), to: to.sorted())
            if seenReforms.insert(r).inserted { out.append(r) }
            for ch in changes where seen.insert(ch.oldCode).inserted { frontier.append(ch.oldCode) }
        }
        // A code that was split but kept (`1507` → `1507` + `1580`) is its own reform.
        let splits = catalog.changes.filter { $0.oldCode == c && $0.kind == .split && $0.newCode == c }
        for ch in splits {
            let successors = catalog.changes.filter { $0.oldCode == c && $0.year == ch.year }.map(\.newCode)
            let r = Reform(year: ch.year, from: [c], to: Array(Set(successors)).sorted())
            if seenReforms.insert(r).inserted { out.append(r) }
        }
    }
    return out.sorted { ($0.year, $0.to.joined(), $0.from.joined()) > ($1.year, $1.to.joined(), $1.from.joined()) }
}
