import Foundation
import Testing
@testable import Transform

/// The shipped catalogue (pipelines/kommuneendringer.csv), read relative to this file so
/// the tests run from a fresh clone.
let shippedCatalog: RegionCatalog = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../pipelines/kommuneendringer.csv")
    let text = try! String(contentsOf: url, encoding: .utf8)
    return RegionCatalog(catalog: try! ChangeCatalog.parseCSV(text, file: url.path))
}()

func value(_ r: HarmoniseResult, _ region: String, _ year: Int, _ breakdown: String = "") -> Harmonised? {
    r.values.first { $0.key == SeriesKey(region, year, breakdown) }
}

/// docs/HARMONISATION.md §3's worked example: the five parts of Indre Østfold in 2019.
let indreParts: [(String, Double, Double, Double)] = [
    ("0122", 80, 200, 40.0), ("0123", 60, 200, 30.0), ("0124", 180, 600, 30.0), ("0125", 150, 500, 30.0), ("0138", 50, 250, 20.0)
]

@Suite struct RegionCatalogTests {
    @Test func validityPeriodsComeFromTheChangeGraph() {
        let r = shippedCatalog
        #expect(r.isValid("0124", in: 2019))
        #expect(!r.isValid("0124", in: 2020))
        #expect(r.isValid("3014", in: 2020) && r.isValid("3014", in: 2023))
        #expect(!r.isValid("3014", in: 2019) && !r.isValid("3014", in: 2024))
        #expect(r.isValid("3118", in: 2024) && !r.isValid("3118", in: 2023))
        #expect(r.isValid("1567", in: 2018) && !r.isValid("1567", in: 2019))
        #expect(r.isValid("5061", in: 2019))
        #expect(r.isValid("1507", in: 2020) && !r.isValid("1507", in: 2024) && !r.isValid("1507", in: 2019))
        // A code the catalogue never names is taken as unchanged.
        #expect(r.isValid("0301", in: 2015) && r.isValid("0301", in: 2024))
        #expect(r.name(of: "3014", in: 2021) == "Indre Østfold")
        #expect(r.newestYear == 2024)
    }

    @Test func nameOnlyChangesAreNotTerritorialChanges() {
        // 5025 Røros became "Røros - Rosse" in 2023: same code, same territory.
        guard case .mapped(let parts) = shippedCatalog.map("5025", year: 2022, to: 2024) else { Issue.record("not mapped"); return }
        #expect(parts == [MappingPart(target: "5025", splits: [], via: .same)])
        #expect(shippedCatalog.name(of: "5025", in: 2024) == "Røros - Rosse")
    }

    @Test func chainsComposeAcrossReforms() {
        guard case .mapped(let parts) = shippedCatalog.map("0124", year: 2019, to: 2024) else { Issue.record("not mapped"); return }
        #expect(parts.map(\.target) == ["3118"])
        #expect(parts[0].via == .merged)
        guard case .mapped(let p2) = shippedCatalog.map("3014", year: 2021, to: 2024) else { Issue.record("not mapped"); return }
        #expect(p2 == [MappingPart(target: "3118", splits: [], via: .renumbered)])
    }

    @Test func stokkeBorderAdjustmentIsNotASplit() {
        guard case .mapped(let parts) = shippedCatalog.map("0720", year: 2016, to: 2017) else { Issue.record("not mapped"); return }
        #expect(parts.map(\.target) == ["0710"])
        #expect(parts[0].splits.isEmpty)
        // Tønsberg keeps its code and territory in 2017.
        guard case .mapped(let t) = shippedCatalog.map("0704", year: 2016, to: 2017) else { Issue.record("not mapped"); return }
        #expect(t == [MappingPart(target: "0704", splits: [], via: .same)])
        // Without the exception, KLASS's rows would make it a split.
        let raw = RegionCatalog(catalog: shippedCatalog.catalog, exceptions: [])
        guard case .mapped(let s) = raw.map("0720", year: 2016, to: 2017) else { Issue.record("not mapped"); return }
        #expect(Set(s.map(\.target)) == ["0704", "0710"])
    }

    @Test func goingBackAcrossAMergeIsNotComputable() {
        guard case .notComputable(let why) = shippedCatalog.map("3014", year: 2021, to: 2019) else {
            Issue.record("expected not computable"); return
        }
        #expect(why.contains("0122") && why.contains("2020"))
        // A renumbering goes back fine: 3118 (2024) is 3014 in the 2020 structure.
        #expect(shippedCatalog.map("3118", year: 2024, to: 2020) == .mapped([MappingPart(target: "3014", splits: [], via: .renumbered)]))
        // A later split, going back, is a merge.
        #expect(shippedCatalog.map("1580", year: 2024, to: 2020) == .mapped([MappingPart(target: "1507", splits: [], via: .merged)]))
    }

    @Test func historyReadsAsAChain() {
        let lines = CatalogHistory.describe(code: "0124", regions: shippedCatalog)
        #expect(
            lines.contains {
                $0.contains("0124 Askim → 3014 Indre Østfold (2020") && $0.contains("→ 3118 Indre Østfold (2024, renumbered)")
            })
    }
}

@Suite struct HarmoniserTests {
    func harmoniser(target: Int = 2024, shares: [SplitShare] = [], key: [SeriesKey: StatValue] = [:]) -> Harmoniser {
        Harmoniser(regions: shippedCatalog, target: target, splitShares: shares, splitKey: key)
    }

    @Test func mergedCountIsTheSumOfItsParts() {
        var h = harmoniser()
        var input: [SeriesKey: StatValue] = [:]
        for (c, users, _, _) in indreParts { input[SeriesKey(c, 2019)] = StatValue(users) }
        let r = h.harmonise(input, rule: .sum)
        let v = value(r, "3118", 2019)
        #expect(v?.value == 520)
        #expect(v?.method == .merged)
        #expect(Set(v?.lineage.map(\.code) ?? []) == ["0122", "0123", "0124", "0125", "0138"])
    }

    @Test func ratioIsRecomputedFromHarmonisedParts() {
        var h = harmoniser()
        var num: [SeriesKey: StatValue] = [:], den: [SeriesKey: StatValue] = [:]
        for (c, users, pop, _) in indreParts { num[SeriesKey(c, 2019)] = StatValue(users); den[SeriesKey(c, 2019)] = StatValue(pop) }
        let def = IndicatorDefinition(
            code: "andel", name: "andel", unit: "prosent", kind: .ratio, numerator: "n", denominator: "d", scale: 100, definition: "")
        let values = IndicatorEngine.ratio(
            def, numerator: h.harmonise(num, rule: .sum).values, denominator: h.harmonise(den, rule: .sum).values)
        let v = values.first { $0.key == SeriesKey("3118", 2019) }
        #expect(abs((v?.value ?? 0) - 29.714285714) < 1e-6)
        #expect(v?.numerator == 520 && v?.denominatorValue == 1750)
    }

    @Test func publishedRateIsWeightedByTheDeclaredWeightNotAveraged() {
        var h = harmoniser()
        var rate: [SeriesKey: StatValue] = [:], weight: [SeriesKey: StatValue] = [:]
        for (c, _, pop, r) in indreParts { rate[SeriesKey(c, 2019)] = StatValue(r); weight[SeriesKey(c, 2019)] = StatValue(pop) }
        let v = value(h.harmonise(rate, rule: .weightedMean, weights: weight), "3118", 2019)
        #expect(abs((v?.value ?? 0) - 29.714285714) < 1e-6)
        #expect(v?.value != 30.0) // the plain mean of the five rates
        #expect(v?.weight == 1750)
    }

    @Test func missingWeightMakesTheRateNotComputable() {
        var h = harmoniser()
        var rate: [SeriesKey: StatValue] = [:], weight: [SeriesKey: StatValue] = [:]
        for (c, _, pop, r) in indreParts {
            rate[SeriesKey(c, 2019)] = StatValue(r)
            if c != "0125" { weight[SeriesKey(c, 2019)] = StatValue(pop) }
        }
        let v = value(h.harmonise(rate, rule: .weightedMean, weights: weight), "3118", 2019)
        #expect(v?.method == .notComputable)
        #expect(v?.value == nil)
        #expect(v?.note == "weight missing for 0125 in 2019")
    }

    @Test(arguments: [":", "..", "."])
    func suppressedOrMissingPartMakesTheMergedValueMissing(symbol: String) {
        var h = harmoniser()
        var input: [SeriesKey: StatValue] = [:]
        for (c, users, _, _) in indreParts { input[SeriesKey(c, 2019)] = c == "0125" ? StatValue(nil, status: symbol) : StatValue(users) }
        let v = value(h.harmonise(input, rule: .sum), "3118", 2019)
        #expect(v?.value == nil)
        #expect(v?.status == symbol)
    }

    @Test func strongestStatusWins() {
        var h = harmoniser()
        var input: [SeriesKey: StatValue] = [:]
        for (c, users, _, _) in indreParts { input[SeriesKey(c, 2019)] = StatValue(users) }
        input[SeriesKey("0122", 2019)] = StatValue(nil, status: "..")
        input[SeriesKey("0123", 2019)] = StatValue(nil, status: ":")
        #expect(value(h.harmonise(input, rule: .sum), "3118", 2019)?.status == ":")
    }

    @Test func absentPartMakesTheSumMissingNotTooSmall() {
        var h = harmoniser()
        var input: [SeriesKey: StatValue] = [:]
        for (c, users, _, _) in indreParts where c != "0138" { input[SeriesKey(c, 2019)] = StatValue(users) }
        let v = value(h.harmonise(input, rule: .sum), "3118", 2019)
        #expect(v?.value == nil)
        #expect(v?.status == "..")
        #expect(v?.note?.contains("0138") == true)
    }

    @Test func cellsOutsideTheirValidityAreSetAside() {
        var h = harmoniser()
        var input: [SeriesKey: StatValue] = [:]
        for (c, users, _, _) in indreParts { input[SeriesKey(c, 2019)] = StatValue(users) }
        // A KOSTRA table lists 3014 in 2019 as `.`, and 07459 lists 3118 in 2019 as 0.
        input[SeriesKey("3014", 2019)] = StatValue(nil, status: ".")
        input[SeriesKey("3118", 2019)] = StatValue(0)
        let r = h.harmonise(input, rule: .sum)
        #expect(value(r, "3118", 2019)?.value == 520)
        #expect(r.outOfValidity == 2)
    }

    @Test func bjornafjordenIsMergedFromFusaAndOs() {
        var h = harmoniser()
        let r = h.harmonise([SeriesKey("1241", 2018): StatValue(300), SeriesKey("1243", 2018): StatValue(900)], rule: .sum)
        #expect(value(r, "4624", 2018)?.value == 1200)
        #expect(value(r, "4624", 2018)?.method == .merged)
    }

    @Test func rindalIsRenumberedIn2019() {
        var h = harmoniser()
        let r = h.harmonise([SeriesKey("1567", 2018): StatValue(150)], rule: .sum)
        #expect(value(r, "5061", 2018)?.value == 150)
        #expect(value(r, "5061", 2018)?.method == .renumbered)
    }

    @Test func alesundSplitIsAllocatedByTheKeyOfTheFirstYearAfter() {
        // Population 2024: 1508 has 68 000, 1580 has 9 000 (docs/HARMONISATION.md §4).
        let key: [SeriesKey: StatValue] = [SeriesKey("1508", 2024): StatValue(68_000), SeriesKey("1580", 2024): StatValue(9_000)]
        var h = harmoniser(key: key)
        let r = h.harmonise([SeriesKey("1507", 2022): StatValue(770)], rule: .sum)
        #expect(abs((value(r, "1508", 2022)?.value ?? 0) - 770 * 68.0 / 77.0) < 1e-9)
        #expect(abs((value(r, "1580", 2022)?.value ?? 0) - 770 * 9.0 / 77.0) < 1e-9)
        #expect(value(r, "1580", 2022)?.method == .splitAllocated)
        #expect(abs((value(r, "1580", 2022)?.lineage.first?.share ?? 0) - 9.0 / 77.0) < 1e-12)
        // Rates are copied to both successors.
        var h2 = harmoniser(key: key)
        let rates = h2.harmonise(
            [SeriesKey("1507", 2022): StatValue(31.5)], rule: .weightedMean, weights: [SeriesKey("1507", 2022): StatValue(3000)])
        #expect(value(rates, "1508", 2022)?.value == 31.5 && value(rates, "1580", 2022)?.value == 31.5)
        #expect(value(rates, "1580", 2022)?.method == .splitAllocated)
    }

    @Test func splitWithoutAKeyIsNotComputable() {
        var h = harmoniser()
        let r = h.harmonise([SeriesKey("1507", 2022): StatValue(770)], rule: .sum)
        #expect(value(r, "1508", 2022)?.method == .notComputable)
        #expect(value(r, "1508", 2022)?.note?.contains("allocation key missing") == true)
    }

    @Test(arguments: [("5012", ["5055", "5056", "5059"]), ("1850", ["1806", "1875"])])
    func partialSplitsNeedDeclaredShares(old: String, successors: [String]) {
        // Without a declared table the successors' contributions are not computable.
        var h = harmoniser()
        let r = h.harmonise([SeriesKey(old, 2019): StatValue(100)], rule: .sum)
        for s in successors {
            #expect(value(r, s, 2019)?.method == .notComputable)
            #expect(value(r, s, 2019)?.note?.contains("no declared share for the partial split of \(old)") == true)
        }
        // With declared shares, each successor's own predecessors plus the allocated part.
        let shares = successors.enumerated().map {
            SplitShare(oldCode: old, newCode: $0.element, year: 2020, share: $0.offset == 0 ? 0.5 : 0.5 / Double(successors.count - 1))
        }
        var h2 = harmoniser(shares: shares)
        var input: [SeriesKey: StatValue] = [SeriesKey(old, 2019): StatValue(100)]
        var expected: [String: Double] = [:]
        for (i, s) in successors.enumerated() {
            expected[s] = 100 * shares[i].share
            for p in shippedCatalog.parts(year: 2019, target: 2024)[s] ?? [] where p != old {
                input[SeriesKey(p, 2019)] = StatValue(1000)
                expected[s, default: 0] += 1000
            }
        }
        let r2 = h2.harmonise(input, rule: .sum)
        for s in successors {
            #expect(abs((value(r2, s, 2019)?.value ?? -1) - expected[s]!) < 1e-9, "successor \(s)")
            #expect(value(r2, s, 2019)?.method == .splitAllocated)
        }
    }

    @Test func valueThatCannotBeMappedIsKeptAsNotComputable() {
        var h = harmoniser(target: 2019)
        let r = h.harmonise([SeriesKey("3014", 2021): StatValue(42)], rule: .sum)
        let v = value(r, "3014", 2021)
        #expect(v?.method == .notComputable)
        #expect(v?.value == nil)
        #expect(v?.lineage.first?.code == "3014")
    }

    @Test func olderTargetStructures() {
        var h = harmoniser(target: 2020)
        let r = h.harmonise(
            [SeriesKey("3118", 2024): StatValue(5), SeriesKey("1508", 2024): StatValue(60), SeriesKey("1580", 2024): StatValue(9)],
            rule: .sum)
        #expect(value(r, "3014", 2024)?.value == 5)
        #expect(value(r, "3014", 2024)?.method == .renumbered)
        #expect(value(r, "1507", 2024)?.value == 69)
        #expect(value(r, "1507", 2024)?.method == .merged)
    }

    @Test func backCastSeriesIsKeptAsPublishedAndCompared() {
        var h = harmoniser()
        var input: [SeriesKey: StatValue] = [:]
        for (c, users, _, _) in indreParts { input[SeriesKey(c, 2019)] = StatValue(users) }
        input[SeriesKey("K-3118", 2019)] = StatValue(530)
        let r = h.harmonise(input, rule: .sum)
        let v = value(r, "3118", 2019)
        #expect(v?.value == 530)
        #expect(v?.method == .asPublished)
        #expect(r.warnings.count == 1)
        #expect(r.warnings.first?.contains("520") == true)
        // Equal within tolerance: no warning.
        input[SeriesKey("K-3118", 2019)] = StatValue(520)
        var h2 = harmoniser()
        #expect(h2.harmonise(input, rule: .sum).warnings.isEmpty)
    }

    @Test func dataAlreadyInTheTargetStructureIsUnchanged() {
        var h = harmoniser()
        let codes = shippedCatalog.knownCodes(validIn: 2024)
        var input: [SeriesKey: StatValue] = [:]
        for (i, c) in codes.enumerated() { input[SeriesKey(c, 2024)] = StatValue(Double(i + 1), status: i % 7 == 0 ? "*" : nil) }
        let r = h.harmonise(input, rule: .sum)
        #expect(r.values.count == codes.count)
        for v in r.values {
            #expect(v.method == .asPublished)
            #expect(input[v.key]?.value == v.value && input[v.key]?.status == v.status)
        }
    }
}

/// Invariants over the whole catalogue (docs/HARMONISATION.md §8).
@Suite struct CatalogProperties {
    static let years = Array(2016...2024)
    static let targets = [2016, 2017, 2018, 2019, 2020, 2024]

    /// Declared shares for every partial split and population keys for every pure split.
    static func splitSupport() -> ([SplitShare], [SeriesKey: StatValue]) {
        var shares: [SplitShare] = []
        var key: [SeriesKey: StatValue] = [:]
        for y in shippedCatalog.years {
            let rows = shippedCatalog.catalog.changes.filter { $0.year == y && $0.kind == .split }
            for (old, group) in Dictionary(grouping: rows, by: \.oldCode)
            where !shippedCatalog.exceptions.contains(where: { $0.oldCode == old && $0.year == y }) {
                for (i, r) in group.enumerated() {
                    shares.append(SplitShare(oldCode: old, newCode: r.newCode, year: y, share: 1.0 / Double(group.count)))
                    key[SeriesKey(r.newCode, y)] = StatValue(Double(1000 * (i + 1)))
                }
            }
        }
        // Pure splits use the key; drop their declared shares so the key path is exercised.
        shares.removeAll { $0.oldCode == "1507" }
        return (shares, key)
    }

    @Test(arguments: targets)
    func nothingIsLostAndForwardTotalsAreKept(target: Int) {
        let (shares, key) = Self.splitSupport()
        for year in Self.years {
            let codes = shippedCatalog.knownCodes(validIn: year)
            var input: [SeriesKey: StatValue] = [:]
            var total = 0.0
            for (i, c) in codes.enumerated() {
                let v = Double((i * 37) % 101 + 1)
                input[SeriesKey(c, year)] = StatValue(v)
                total += v
            }
            var h = Harmoniser(regions: shippedCatalog, target: target, splitShares: shares, splitKey: key)
            let r = h.harmonise(input, rule: .sum)
            let harmonised = r.values.compactMap(\.value).reduce(0, +)
            let unmappable = r.values.filter { $0.method == .notComputable }.flatMap(\.lineage).compactMap {
                input[SeriesKey($0.code, year)]?.value
            }.reduce(0, +)
            #expect(
                r.values.allSatisfy { $0.method != .notComputable || $0.note?.contains("cannot be divided back") == true },
                "only merges undone by going back may be unmappable (\(year) → \(target))")
            #expect(
                abs(harmonised + unmappable - total) < 1e-6 * total,
                "year \(year) to structure \(target): \(harmonised) + \(unmappable) != \(total)")
            if year <= target { #expect(unmappable == 0, "forward harmonisation \(year) → \(target) loses nothing") }
        }
    }

    @Test(arguments: targets)
    func everyValidCodeMapsWithSharesSummingToOne(target: Int) {
        let (shares, key) = Self.splitSupport()
        let h = Harmoniser(regions: shippedCatalog, target: target, splitShares: shares, splitKey: key)
        for year in Self.years where year <= target {
            for code in shippedCatalog.knownCodes(validIn: year) {
                guard case .mapped(let parts) = shippedCatalog.map(code, year: year, to: target) else {
                    Issue.record("\(code) in \(year) does not map to \(target)"); continue
                }
                #expect(!parts.isEmpty)
                var sum = 0.0
                for p in parts {
                    var s = 1.0
                    for step in p.splits {
                        guard case .success(let x) = h.share(of: step) else { Issue.record("no share for \(step)"); continue }
                        s *= x
                    }
                    sum += s
                    #expect(shippedCatalog.isValid(p.target, in: target), "\(code) \(year) → \(p.target) is not valid in \(target)")
                }
                #expect(abs(sum - 1) < 1e-9, "\(code) in \(year): shares sum to \(sum)")
            }
        }
    }
}
