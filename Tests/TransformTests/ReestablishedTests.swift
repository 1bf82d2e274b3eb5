import Foundation
import Testing
@testable import Transform

/// 1580 Haram (2024) is re-established on exactly the territory of 1534 Haram (until 2019);
/// 1508 Ålesund is the rest of 1507 (docs/PIPELINE.md, "Re-established municipalities").
@Suite struct ReestablishedTests {
    static let fivePredecessors: [(String, Double)] = [("1504", 9000), ("1523", 700), ("1529", 800), ("1534", 472), ("1546", 300)]

    @Test func theRegisterMarksHaram() {
        #expect(
            shippedRegister.reestablished == [
                Reestablishment(
                    code: "1580", from: 2024, sameAs: "1534", sameAsTo: 2019,
                    note: "Haram re-established on the territory 1534 Haram had until 2019")
            ])
    }

    @Test func theEarlierCodeMapsToTheReestablishedOneExactly() {
        #expect(registered.map("1534", year: 2019, to: 2024) == .mapped([MappingPart(target: "1580", splits: [], via: .renumbered)]))
        #expect(registered.map("1534", year: 2015, to: 2024) == .mapped([MappingPart(target: "1580", splits: [], via: .renumbered)]))
        for code in ["1504", "1523", "1529", "1546"] {
            #expect(
                registered.map(code, year: 2019, to: 2024) == .mapped([MappingPart(target: "1508", splits: [], via: .merged)]), "\(code)")
        }
        // Values published for 1507 (2020–2023) still need the split.
        guard case .mapped(let parts) = registered.map("1507", year: 2021, to: 2024) else { Issue.record("not mapped"); return }
        #expect(Set(parts.map(\.target)) == ["1508", "1580"] && parts.allSatisfy { $0.via == .split })
        // Going back, 1580 is 1534 exactly; 1508 cannot be divided into its four parts.
        #expect(registered.map("1580", year: 2024, to: 2019) == .mapped([MappingPart(target: "1534", splits: [], via: .renumbered)]))
        #expect(registered.map("1580", year: 2024, to: 2020) == .mapped([MappingPart(target: "1507", splits: [], via: .merged)]))
        guard case .notComputable = registered.map("1508", year: 2024, to: 2019) else { Issue.record("expected not computable"); return }
        // Without the mark, the walk goes 1534 → 1507 → split.
        let unmarked = RegionCatalog(catalog: shippedCatalog.catalog)
        guard case .mapped(let split) = unmarked.map("1534", year: 2019, to: 2024) else { Issue.record("not mapped"); return }
        #expect(split.count == 2)
    }

    @Test func haramsValuesBefore2020AreHaramsOwn() {
        var input: [SeriesKey: StatValue] = [:]
        for year in 2015...2019 {
            for (c, v) in ReestablishedTests.fivePredecessors { input[SeriesKey(c, year)] = StatValue(v + Double(year - 2015)) }
        }
        for year in 2020...2023 { input[SeriesKey("1507", year)] = StatValue(11_000) }
        input[SeriesKey("1508", 2024)] = StatValue(9_700)
        input[SeriesKey("1580", 2024)] = StatValue(1_300)
        var h = Harmoniser(
            regions: registered, target: 2024,
            splitKey: [SeriesKey("1508", 2024): StatValue(68_000), SeriesKey("1580", 2024): StatValue(9_000)])
        let r = h.harmonise(input, rule: .sum)
        for year in 2015...2019 {
            let haram = value(r, "1580", year)
            #expect(haram?.value == 472 + Double(year - 2015), "\(year)")
            #expect(haram?.method == .renumbered)
            #expect(haram?.lineage.map(\.code) == ["1534"])
            let alesund = value(r, "1508", year)
            #expect(alesund?.value == (9000 + 700 + 800 + 300) + 4 * Double(year - 2015))
            #expect(alesund?.method == .merged)
            #expect(alesund?.lineage.map(\.code) == ["1504", "1523", "1529", "1546"])
        }
        // 2020–2023: only 1507 exists; the split key allocates it.
        let est = value(r, "1580", 2021)
        #expect(est?.method == .splitAllocated)
        #expect(abs((est?.value ?? 0) - 11_000 * 9_000 / 77_000) < 1e-9)
    }

    @Test func ratesForTheRestAreRecomputedFromItsParts() {
        var rate: [SeriesKey: StatValue] = [:], weight: [SeriesKey: StatValue] = [:]
        for (c, w) in ReestablishedTests.fivePredecessors {
            rate[SeriesKey(c, 2019)] = StatValue(c == "1534" ? 50 : 20)
            weight[SeriesKey(c, 2019)] = StatValue(w)
        }
        var h = Harmoniser(regions: registered, target: 2024)
        let r = h.harmonise(rate, rule: .weightedMean, weights: weight)
        #expect(value(r, "1580", 2019)?.value == 50)
        #expect(value(r, "1508", 2019)?.value == 20)
        #expect(abs((value(r, "1508", 2019)?.weight ?? 0) - 10_800) < 1e-9)
        // A missing part makes the rest missing, never the four-part value with a hole.
        rate[SeriesKey("1529", 2019)] = nil
        var h2 = Harmoniser(regions: registered, target: 2024)
        let r2 = h2.harmonise(rate, rule: .weightedMean, weights: weight)
        #expect(value(r2, "1508", 2019)?.value == nil)
        #expect(value(r2, "1508", 2019)?.note?.contains("1529") == true)
    }

    @Test func aPipelineCanDeclareMore() {
        // Without the register's mark, a pipeline's declaration does the same.
        let mark = Reestablishment(code: "1580", from: 2024, sameAs: "1534", sameAsTo: 2019)
        let r = RegionCatalog(catalog: shippedCatalog.catalog, reestablished: [mark])
        #expect(r.map("1534", year: 2019, to: 2024) == .mapped([MappingPart(target: "1580", splits: [], via: .renumbered)]))
        #expect(r.map("1523", year: 2019, to: 2024) == .mapped([MappingPart(target: "1508", splits: [], via: .merged)]))
        #expect(RegionCatalog(catalog: shippedCatalog.catalog).map("1534", year: 2019, to: 2024).mappedTargets.count == 2)
    }

    /// A source that publishes 2015–2019 only as the merged municipality's back-cast series
    /// (K-1507) and 1534 on its own: 1508 is the merged value minus 1534, with the
    /// subtraction in its lineage; a rate cannot be divided that way.
    @Test func theRestIsTheMergedValueMinusTheReestablishedPart() {
        let input: [SeriesKey: StatValue] = [SeriesKey("K-1507", 2019): StatValue(11_272), SeriesKey("1534", 2019): StatValue(472)]
        var h = Harmoniser(regions: registered, target: 2024)
        let r = h.harmonise(input, rule: .sum)
        let rest = value(r, "1508", 2019)
        #expect(rest?.value == 10_800 && rest?.method == .merged)
        #expect(rest?.lineage == [LineagePart(code: "K-1507", year: 2019, share: 1), LineagePart(code: "1534", year: 2019, share: -1)])
        #expect(rest?.note == "K-1507 minus 1534 (1580 is re-established on 1534's territory)")
        #expect(value(r, "1580", 2019)?.value == 472 && value(r, "1580", 2019)?.method == .renumbered)
        // Without 1534's value there is nothing to subtract.
        var h2 = Harmoniser(regions: registered, target: 2024)
        let r2 = h2.harmonise([SeriesKey("K-1507", 2019): StatValue(11_272)], rule: .sum)
        #expect(
            value(r2, "1508", 2019)?.method == .notComputable
                && value(r2, "1508", 2019)?.note?.contains("no value for 1534 in 2019") == true)
        // A rate: recomputed from the parts when they exist, else not computable with a note.
        var h3 = Harmoniser(regions: registered, target: 2024)
        let rate = h3.harmonise(
            [SeriesKey("K-1507", 2019): StatValue(25), SeriesKey("1534", 2019): StatValue(50)], rule: .weightedMean,
            weights: [SeriesKey("K-1507", 2019): StatValue(11_272), SeriesKey("1534", 2019): StatValue(472)])
        #expect(value(rate, "1508", 2019)?.method == .notComputable)
        #expect(value(rate, "1508", 2019)?.note?.contains("a rate cannot be divided; it needs the parts of 1508") == true)
        // With the four parts present, their sum is kept.
        var parts = input
        for (c, v) in ReestablishedTests.fivePredecessors where c != "1534" { parts[SeriesKey(c, 2019)] = StatValue(v) }
        var h4 = Harmoniser(regions: registered, target: 2024)
        let r4 = h4.harmonise(parts, rule: .sum)
        #expect(value(r4, "1508", 2019)?.lineage.map(\.code) == ["1504", "1523", "1529", "1546"])
        #expect(r4.warnings == []) // 11 272 − 472 = 9 000 + 700 + 800 + 300
        parts[SeriesKey("K-1507", 2019)] = StatValue(12_000)
        var h5 = Harmoniser(regions: registered, target: 2024)
        #expect(
            h5.harmonise(parts, rule: .sum).warnings == [
                "1508 2019: K-1507 minus 1534 (1580 is re-established on 1534's territory) gives 11528.0, its parts give 10800.0"
            ])
    }
}
