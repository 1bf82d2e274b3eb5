import Foundation
import GRDB
import Mustache
import Transform

/// What `etl report` wrote.
public struct ReportSummary: Sendable {
    public var pages: Int
    public var bytes: Int
    public var largestPage: (path: String, bytes: Int)
    public var indicators: Int
    public var regions: Int
    public var groups: Int
}

/// Writes the static report: `index.html`, `report.css`, one page per indicator under
/// `indikator/` and one per region or group under `region/` (docs/REPORT.md).
public struct ReportWriter: Sendable {
    let data: ReportData
    let options: ReportOptions
    let f: Formatter
    let library: MustacheLibrary
    let words: [String: String]
    /// Region codes with facts, the years of each indicator and the groups with pages, computed once.
    let regionCodes: [String]
    let yearsByIndicator: [String: ClosedRange<Int>]
    let groupCodesWithPages: [String]
    /// The predecessors' published values by indicator, then region code and breakdown.
    let published: [String: [String: [PublishedValue]]]

    public init(_ db: Database, options: ReportOptions) throws {
        let data = try ReportData.load(db, options: options)
        self.data = data
        var set = Set<String>()
        var years: [String: ClosedRange<Int>] = [:]
        func add(_ indicator: String, _ year: Int) {
            let r = years[indicator]
            years[indicator] = min(r?.lowerBound ?? year, year)...max(r?.upperBound ?? year, year)
        }
        for (indicator, byRegion) in data.facts {
            for (code, facts) in byRegion {
                if facts.contains(where: { $0.method != "not_computable" }) { set.insert(code) }
                for x in facts { add(indicator, x.year) }
            }
        }
        for g in data.groupFacts.values { for (indicator, facts) in g { for x in facts { add(indicator, x.year) } } }
        self.regionCodes = set.sorted()
        self.yearsByIndicator = years
        var published: [String: [String: [PublishedValue]]] = [:]
        for (indicator, values) in options.published {
            for v in values { published[indicator, default: [:]]["\(v.region)|\(v.breakdown)", default: []].append(v) }
        }
        self.published = published
        self.groupCodesWithPages = data.groups.filter { !(data.groupFacts[$0.code] ?? [:]).isEmpty }.map(\.code)
        self.options = options
        self.f = Formatter(options.language)
        self.words = Words.table(options.language)
        var lib = MustacheLibrary()
        for (name, text) in [
            ("header", Templates.header), ("footer", Templates.footer), ("legend", Templates.legend),
            ("index", Templates.index), ("indicator", Templates.indicator), ("region", Templates.region)
        ] {
            try lib.register(text, named: name)
        }
        self.library = lib
    }

    /// The run line of every page: id, time and content hash.
    var runLine: String {
        guard let r = data.run else { return "–" }
        let hash = r.fingerprint.map { String($0.prefix(12)) } ?? "–"
        return "\(words["runId"]!) \(r.id), \(r.finishedAt ?? r.startedAt), \(hash)"
    }

    func base(_ title: String, root: String) -> [String: Any] {
        ["t": words, "pageTitle": title, "root": root, "runLine": runLine]
    }

    /// Years with any fact of an indicator, over all regions and groups.
    func years(of indicator: String) -> ClosedRange<Int>? { yearsByIndicator[indicator] }

    func regionName(_ code: String) -> String {
        if let g = data.groups.first(where: { $0.code == code }) { return g.name }
        return data.regions[code]?.name ?? code
    }

    func breakdownLabel(_ code: String) -> String? {
        code.isEmpty ? nil : (data.breakdownLabels[code] ?? code)
    }

    /// A table cell or chart tooltip: the value with the region, year and lineage.
    func title(_ fact: Fact, indicator: IndicatorInfo) -> String {
        let value = fact.value.map { f.number($0, decimals: indicator.decimals) + " " + indicator.unit } ?? (fact.status ?? "–")
        let head = "\(fact.region) \(regionName(fact.region)), \(fact.year): \(value)"
        return head + " — " + f.lineage(method: fact.method, sources: fact.lineage, status: fact.status, note: fact.note)
    }

    /// A table cell for the templates, escaped here (the templates print it with `{{{…}}}`):
    /// the tables are the bulk of every page, and escaping them once is much of the render time.
    func cellContext(cls: String, title: String, value: String?, symbol: String?) -> [String: Any] {
        var html = value.map(escapeXML) ?? ""
        if let symbol { html += "<abbr title=\"\(escapeXML(f.symbolMeaning(symbol)))\">\(escapeXML(symbol))</abbr>" }
        return ["cls": cls, "title": escapeXML(title), "html": html]
    }

    func cell(_ fact: Fact?, indicator: IndicatorInfo) -> [String: Any] {
        guard let fact else { return cellContext(cls: "gap", title: f.symbolMeaning("."), value: nil, symbol: ".") }
        // The row and the column say region and year: the tooltip is the lineage.
        let lineage = f.lineage(method: fact.method, sources: fact.lineage, status: fact.status, note: fact.note)
        let cls = fact.method == "as_published" ? "" : "m-\(fact.method)"
        if let v = fact.value {
            return cellContext(
                cls: cls, title: lineage, value: f.number(v, decimals: indicator.decimals) + (fact.status == "*" ? "*" : ""), symbol: nil)
        }
        return cellContext(cls: "gap " + cls, title: lineage, value: nil, symbol: fact.status ?? "..")
    }

    // MARK: pages

    func indexPage() -> String {
        let regions = regionCodes
        let indicators: [[String: Any]] = data.indicators.map { ind in
            let facts = data.facts[ind.code] ?? [:]
            let withValues = facts.filter { $0.value.contains { $0.value != nil } }
            let yearsWithValues = Set(withValues.values.flatMap { $0.filter { $0.value != nil }.map(\.year) })
            let sources: [[String: Any]] = ind.sourceTables.enumerated().map { i, table in
                let s = data.sources.first { $0.table == table }
                return [
                    "table": table, "hash": s.map { String($0.contentHash.prefix(12)) } ?? "",
                    "title": s.map { "\($0.id): \($0.title ?? "") \($0.contentHash)" } ?? "",
                    "last": i == ind.sourceTables.count - 1
                ]
            }
            return [
                "code": ind.code, "file": fileSafe(ind.code), "name": ind.label(options.language), "definition": ind.definition,
                "unit": ind.unit, "decimalsText": "\(ind.decimals) \(words["decimals"]!)", "population": ind.population ?? "",
                "sources": sources,
                "years": yearsWithValues.isEmpty ? "–" : "\(yearsWithValues.min()!)–\(yearsWithValues.max()!)",
                "regionCount": "\(withValues.count)"
            ]
        }
        var ctx = base(words["reportTitle"]!, root: "")
        if let r = data.run {
            ctx["run"] = [
                "id": "\(r.id)", "pipeline": r.pipeline, "time": r.finishedAt ?? r.startedAt, "hash": r.fingerprint ?? "–",
                "structureYear": data.structureYear.map(String.init) ?? "–"
            ]
        }
        ctx["indicators"] = indicators
        ctx["regions"] = regions.map { ["code": $0, "name": regionName($0), "file": fileSafe($0)] }
        let groups = groupCodesWithPages
        ctx["hasGroups"] = !groups.isEmpty
        ctx["groups"] = groups.map { ["code": $0, "name": regionName($0), "file": fileSafe($0)] }
        return library.render(ctx, withTemplate: "index") ?? ""
    }

    func indicatorPage(_ ind: IndicatorInfo) -> String {
        let byRegion = data.facts[ind.code] ?? [:]
        let years = self.years(of: ind.code).map { Array($0) } ?? []
        let breakdowns = Array(Set(byRegion.values.flatMap { $0.map(\.breakdown) })).sorted()
        var tables: [[String: Any]] = [], rankings: [[String: Any]] = []
        for (n, b) in breakdowns.enumerated() {
            let label = breakdownLabel(b)
            let suffix = label.map { " (\($0))" } ?? ""
            var rows: [[String: Any]] = []
            var latest: [RankingChart.Bar] = []
            let latestYear = byRegion.values.flatMap { $0.filter { $0.breakdown == b && $0.value != nil }.map(\.year) }.max()
            for region in byRegion.keys.sorted() {
                let facts = byRegion[region]!.filter { $0.breakdown == b }
                guard facts.contains(where: { $0.method != "not_computable" }) else { continue }
                let byYear = Dictionary(facts.map { ($0.year, $0) }, uniquingKeysWith: { a, _ in a })
                rows.append([
                    "code": region, "name": regionName(region), "file": fileSafe(region),
                    "cells": years.map { cell(byYear[$0], indicator: ind) }
                ])
                if let latestYear {
                    let x = byYear[latestYear]
                    latest.append(
                        RankingChart.Bar(
                            label: "\(region) \(regionName(region))", value: x?.value, status: x?.status ?? ".",
                            title: x.map { title($0, indicator: ind) } ?? "\(region) \(latestYear): . (\(f.symbolMeaning(".")))"))
                }
            }
            let heading = words["values"]! + suffix
            tables.append([
                "n": n, "heading": heading, "years": years.map(String.init),
                "caption": "\(ind.label(options.language))\(suffix), \(ind.unit)", "rows": rows
            ])
            if let latestYear, !latest.isEmpty {
                let chart = RankingChart(
                    id: "rank\(n)", title: "\(ind.label(options.language))\(suffix), \(latestYear)",
                    description: "\(words["latestYear"]!) \(latestYear), \(ind.unit)", bars: latest, decimals: ind.decimals, formatter: f)
                rankings.append(["n": n, "heading": "\(words["latestYear"]!) \(latestYear)\(suffix)", "svg": chart.svg()])
            }
        }
        var ctx = base(ind.label(options.language), root: "../")
        ctx["code"] = ind.code
        ctx["name"] = ind.label(options.language)
        ctx["definition"] = ind.definition
        ctx["unit"] = ind.unit
        ctx["sourceTables"] = ind.sourceTables.joined(separator: ", ")
        ctx["years"] = years.isEmpty ? "–" : "\(years.first!)–\(years.last!)"
        ctx["tables"] = tables
        ctx["rankings"] = rankings
        return library.render(ctx, withTemplate: "indicator") ?? ""
    }

    func regionPage(_ code: String) -> String {
        let group = data.comparisonGroup(of: code, preferred: options.groups)
        let reformList = options.catalog.map { reforms(of: code, in: $0) } ?? []
        var charts: [[String: Any]] = []
        var n = 0
        for ind in data.indicators {
            guard let years = self.years(of: ind.code), let facts = data.facts[ind.code]?[code] else { continue }
            let breakdowns = Array(Set(facts.map(\.breakdown))).sorted()
            for b in breakdowns {
                let series = facts.filter { $0.breakdown == b }
                guard series.contains(where: { $0.method != "not_computable" }) else { continue }
                let byYear = Dictionary(series.map { ($0.year, $0) }, uniquingKeysWith: { a, _ in a })
                let groupByYear = Dictionary(
                    (group.flatMap { data.groupFacts[$0.code]?[ind.code] } ?? []).filter { $0.breakdown == b }.map { ($0.year, $0) },
                    uniquingKeysWith: { a, _ in a })
                let points = years.map { y -> ChartPoint in
                    guard let x = byYear[y] else {
                        return ChartPoint(
                            year: y, value: nil, status: ".", method: "not_computable", title: "\(code) \(y): . (\(f.symbolMeaning(".")))")
                    }
                    return ChartPoint(year: y, value: x.value, status: x.status, method: x.method, title: title(x, indicator: ind))
                }
                let band =
                    group.map { g in
                        years.compactMap { y -> BandPoint? in
                            guard let gf = groupByYear[y] else { return nil }
                            return BandPoint(
                                year: y, median: gf.median, low: gf.min, high: gf.max, title: groupTitle(g, gf, year: y, indicator: ind))
                        }
                    } ?? []
                let label = breakdownLabel(b)
                let name = ind.label(options.language)
                let chart = LineChart(
                    id: "c\(n)", title: "\(code) \(regionName(code)): \(name)\(label.map { " (\($0))" } ?? "")",
                    description: chartDescription(points: points, group: group, reforms: reformList, indicator: ind),
                    years: years, points: points, band: band, reforms: reformList, decimals: ind.decimals, formatter: f)
                charts.append([
                    "n": n, "file": fileSafe(ind.code), "name": name, "unit": ind.unit, "code": code, "svg": chart.svg(),
                    "cells": years.map { y -> [String: Any] in
                        var c = cell(byYear[y], indicator: ind); c["year"] = y; return c
                    },
                    "hasGroupRow": !groupByYear.isEmpty,
                    "groupCells": years.map { y -> [String: Any] in
                        guard let gf = groupByYear[y], let g = group else { return cellContext(cls: "", title: "", value: "", symbol: nil) }
                        return cellContext(
                            cls: "", title: groupTitle(g, gf, year: y, indicator: ind),
                            value: gf.median.map { f.number($0, decimals: ind.decimals) } ?? "..", symbol: nil)
                    }
                ])
                if let label { charts[charts.count - 1]["breakdown"] = label }
                let rows = predecessorRows(of: code, series: series, indicator: ind, breakdown: b, years: years)
                if !rows.isEmpty { charts[charts.count - 1]["predecessors"] = rows; charts[charts.count - 1]["hasPredecessors"] = true }
                n += 1
            }
        }
        var ctx = base("\(code) \(regionName(code))", root: "../")
        ctx["code"] = code
        ctx["name"] = regionName(code)
        let isGroup = data.groups.contains { $0.code == code }
        ctx["levelText"] = isGroup ? words["group"]! : (words[data.regions[code]?.level ?? "annet"] ?? words["annet"]!)
        if let group, group.code != code { ctx["group"] = ["name": "\(group.code) \(group.name)", "file": fileSafe(group.code)] }
        ctx["hasReforms"] = !reformList.isEmpty
        ctx["reforms"] = reformList.map { ["text": $0.text] }
        ctx["charts"] = charts
        return library.render(ctx, withTemplate: "region") ?? ""
    }

    /// The codes a region's harmonised series was made from (its facts' lineage), each with
    /// its own values as published, for the years it published them.
    func predecessorRows(of code: String, series: [Fact], indicator: IndicatorInfo, breakdown: String, years: ClosedRange<Int>) -> [[String:
        Any]]
    {
        guard let byCode = published[indicator.code] else { return [] }
        let sources = Set(series.filter { $0.method != "as_published" }.flatMap { $0.lineage.map(\.region) }).subtracting([code])
        var rows: [[String: Any]] = []
        for source in sources.sorted() {
            guard let values = byCode["\(source)|\(breakdown)"], !values.isEmpty else { continue }
            let byYear = Dictionary(values.map { ($0.year, $0) }, uniquingKeysWith: { a, _ in a })
            let cells = years.map { y -> [String: Any] in
                guard let v = byYear[y] else { return cellContext(cls: "none", title: "", value: "", symbol: nil) }
                let lineage = f.lineage(
                    method: "as_published", sources: [LineageSource(region: source, year: y, share: nil)], status: v.status, note: v.note)
                if let x = v.value {
                    return cellContext(
                        cls: "", title: lineage, value: f.number(x, decimals: indicator.decimals) + (v.status == "*" ? "*" : ""),
                        symbol: nil)
                }
                return cellContext(cls: "gap", title: lineage, value: nil, symbol: v.status ?? "..")
            }
            rows.append(["code": source, "name": data.regions[source]?.name ?? source, "cells": cells])
        }
        return rows
    }

    func groupTitle(_ g: GroupInfo, _ gf: GroupFact, year: Int, indicator: IndicatorInfo) -> String {
        let n = { (v: Double?) in v.map { f.number($0, decimals: indicator.decimals) } ?? ".." }
        let en = options.language == .en
        return "\(g.code) \(g.name), \(year): median \(n(gf.median)), min \(n(gf.min)), " + (en ? "max" : "maks") + " \(n(gf.max)); "
            + (en ? "\(gf.withValue) of \(gf.members) members with a value" : "\(gf.withValue) av \(gf.members) medlemmer med verdi")
    }

    /// The chart's description for screen readers: the series in words.
    func chartDescription(points: [ChartPoint], group: GroupInfo?, reforms: [Reform], indicator: IndicatorInfo) -> String {
        let values = points.map { p in "\(p.year): " + (p.value.map { f.number($0, decimals: indicator.decimals) } ?? (p.status ?? "–")) }
            .joined(separator: "; ")
        var s = values
        if let group {
            s += options.language == .en ? ". Band: \(group.name), min–max and median" : ". Bånd: \(group.name), min–maks og median"
        }
        if !reforms.isEmpty { s += ". " + reforms.map(\.text).joined(separator: "; ") }
        return s
    }

    /// A group's own page: its weighted value as the line, its members' median and range as the band.
    func groupPage(_ g: GroupInfo) -> String {
        var charts: [[String: Any]] = []
        var n = 0
        for ind in data.indicators {
            guard let years = self.years(of: ind.code), let facts = data.groupFacts[g.code]?[ind.code], !facts.isEmpty else { continue }
            for b in Array(Set(facts.map(\.breakdown))).sorted() {
                let byYear = Dictionary(facts.filter { $0.breakdown == b }.map { ($0.year, $0) }, uniquingKeysWith: { a, _ in a })
                let points = years.map { y -> ChartPoint in
                    let gf = byYear[y]
                    let t = gf.map { groupTitle(g, $0, year: y, indicator: ind) } ?? "\(g.code) \(y): . (\(f.symbolMeaning(".")))"
                    let weighted = gf?.weighted.map { "\(words["weighted"]!): \(f.number($0, decimals: ind.decimals)). " } ?? ""
                    return ChartPoint(
                        year: y, value: gf?.weighted, status: gf == nil ? "." : (gf?.weighted == nil ? ".." : nil), method: "as_published",
                        title: weighted + t)
                }
                let band = years.compactMap { y -> BandPoint? in
                    byYear[y].map {
                        BandPoint(year: y, median: $0.median, low: $0.min, high: $0.max, title: groupTitle(g, $0, year: y, indicator: ind))
                    }
                }
                let label = breakdownLabel(b)
                let name = ind.label(options.language)
                let chart = LineChart(
                    id: "c\(n)", title: "\(g.code) \(g.name): \(name)\(label.map { " (\($0))" } ?? "")",
                    description: chartDescription(points: points, group: g, reforms: [], indicator: ind),
                    years: years, points: points, band: band, decimals: ind.decimals, formatter: f)
                charts.append([
                    "n": n, "file": fileSafe(ind.code), "name": name, "unit": ind.unit, "code": words["weighted"]!, "svg": chart.svg(),
                    "cells": years.map { y -> [String: Any] in
                        let p = points.first { $0.year == y }!
                        var c =
                            p.value.map { cellContext(cls: "", title: p.title, value: f.number($0, decimals: ind.decimals), symbol: nil) }
                            ?? cellContext(cls: "gap", title: p.title, value: nil, symbol: p.status ?? "..")
                        c["year"] = y
                        return c
                    },
                    "hasGroupRow": true,
                    "groupCells": years.map { y -> [String: Any] in
                        guard let gf = byYear[y] else { return cellContext(cls: "", title: "", value: "", symbol: nil) }
                        return cellContext(
                            cls: "", title: groupTitle(g, gf, year: y, indicator: ind),
                            value: gf.median.map { f.number($0, decimals: ind.decimals) } ?? "..", symbol: nil)
                    }
                ])
                if let label { charts[charts.count - 1]["breakdown"] = label }
                n += 1
            }
        }
        var ctx = base("\(g.code) \(g.name)", root: "../")
        ctx["code"] = g.code
        ctx["name"] = g.name
        let newest = g.members.keys.max()
        let members = newest.flatMap { g.members[$0] } ?? []
        ctx["levelText"] =
            words["group"]! + " (\(g.kind), \(members.count) " + (options.language == .en ? "members" : "medlemmer")
            + (newest.map { " \($0)" } ?? "") + ")"
        ctx["hasReforms"] = false
        ctx["charts"] = charts
        return library.render(ctx, withTemplate: "region") ?? ""
    }

    // MARK: writing

    /// Writes every page into `directory` (created if needed; existing report files replaced).
    public func write(to directory: String) throws -> ReportSummary {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: directory)
        for sub in ["", "indikator", "region"] {
            try fm.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var jobs: [(String, @Sendable () -> String)] = []
        jobs.append(("report.css", { Templates.css }))
        jobs.append(("index.html", { self.indexPage() }))
        for ind in data.indicators { jobs.append(("indikator/\(fileSafe(ind.code)).html", { self.indicatorPage(ind) })) }
        for code in regionCodes { jobs.append(("region/\(fileSafe(code)).html", { self.regionPage(code) })) }
        for g in data.groups where groupCodesWithPages.contains(g.code) {
            jobs.append(("region/\(fileSafe(g.code)).html", { self.groupPage(g) }))
        }
        let results = Results(count: jobs.count)
        let jobList = jobs
        DispatchQueue.concurrentPerform(iterations: jobList.count) { i in
            let (path, render) = jobList[i]
            let text = render()
            do {
                let data = Data(text.utf8)
                try data.write(to: root.appendingPathComponent(path), options: .atomic)
                results.set(i, size: data.count, error: nil)
            } catch {
                results.set(i, size: 0, error: "\(root.appendingPathComponent(path).path): cannot write: \(error.localizedDescription)")
            }
        }
        let (sizes, errors) = results.get()
        if let e = errors.first { throw ReportError.cannotWrite("error: " + e) }
        let largest = sizes.enumerated().max { $0.element < $1.element }.map { (jobList[$0.offset].0, $0.element) } ?? ("", 0)
        return ReportSummary(
            pages: jobList.count - 1, bytes: sizes.reduce(0, +), largestPage: largest,
            indicators: data.indicators.count, regions: regionCodes.count, groups: groupCodesWithPages.count)
    }
}

/// Page sizes and errors collected from the rendering threads.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var sizes: [Int]
    private var errors: [String] = []
    init(count: Int) { sizes = Array(repeating: 0, count: count) }
    func set(_ i: Int, size: Int, error: String?) {
        lock.lock(); defer { lock.unlock() }
        sizes[i] = size
        if let error { errors.append(error) }
    }
    func get() -> ([Int], [String]) {
        lock.lock(); defer { lock.unlock() }
        return (sizes, errors)
    }
}
