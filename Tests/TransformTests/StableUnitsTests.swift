import Testing
@testable import Transform

/// Stable units: the smallest groups of codes comparable over the covered years (docs/PIPELINE.md, "Stable units").
@Suite struct StableUnitsTests {
    let units = StableUnits(regions: registered, years: 2015...2024)

    @Test func unitsAreDerivedFromTheirMembers() {
        let alesund = units.unit(of: "1534")
        #expect(
            alesund
                == StableUnits.Unit(
                    code: "S-1508+1580", name: "Ålesund + Haram", members: ["1504", "1507", "1508", "1523", "1529", "1534", "1546", "1580"])
        )
        #expect(units.unit(of: "0124")?.code == "S-3118" && units.unit(of: "0124")?.name == "Indre Østfold")
        #expect(units.unit(of: "0301") == StableUnits.Unit(code: "0301", name: "Oslo", members: ["0301"]))
        // Stokke's border adjustment to Tønsberg (2017) joins nothing: Stokke is in Sandefjord's unit.
        #expect(units.unit(of: "0720")?.members == ["0706", "0710", "0719", "0720", "3804", "3907"])
        #expect(units.unit(of: "0704")?.members == ["0704", "0716", "3803", "3905"])
        #expect(units.parts(of: "S-1508+1580", in: 2021) == ["1507"])
        #expect(units.parts(of: "S-1508+1580", in: 2024) == ["1508", "1580"])
    }

    /// Every code valid in a covered year is in exactly one unit.
    @Test func everyCodeOfEveryYearIsInExactlyOneUnit() {
        for y in 2015...2024 {
            var seen: [String: String] = [:]
            for code in shippedRegister.codes(validIn: y) {
                let u = units.unit(of: code)
                #expect(u?.members.contains(code) == true, "\(code) \(y)")
                seen[code] = u?.code
            }
            #expect(Set(units.units.values.flatMap { units.parts(of: $0.code, in: y) }) == Set(shippedRegister.codes(validIn: y)), "\(y)")
        }
    }

    /// Harmonised to stable units every value is exact: no allocation, and each year's units
    /// add up to the country.
    @Test func everyValueIsExact() {
        var input: [SeriesKey: StatValue] = [:]
        for y in 2015...2024 { for code in shippedRegister.codes(validIn: y) { input[SeriesKey(code, y)] = StatValue(1) } }
        var h = Harmoniser(regions: registered, target: 2024)
        h.stable = units
        let r = h.harmonise(input, rule: .sum)
        #expect(!r.values.contains { $0.method == .splitAllocated || $0.method == .notComputable || $0.value == nil })
        for y in 2015...2024 {
            let total = r.values.filter { $0.key.year == y }.reduce(0) { $0 + ($1.value ?? 0) }
            #expect(total == Double(shippedRegister.codes(validIn: y).count), "\(y)")
        }
        #expect(value(r, "S-1508+1580", 2021)?.method == .renumbered && value(r, "S-1508+1580", 2021)?.value == 1)
        #expect(value(r, "S-1508+1580", 2019)?.method == .merged && value(r, "S-1508+1580", 2019)?.value == 5)
        #expect(value(r, "S-1508+1580", 2024)?.value == 2)
        #expect(value(r, "0301", 2019)?.method == .asPublished)
    }
}
