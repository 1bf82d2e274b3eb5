import Testing
@testable import Transform

/// Consistency gates: published county and national totals against their municipalities
/// (docs/PIPELINE.md, "Consistency gates").
@Suite struct GateTests {
    func harmonise(_ input: [SeriesKey: StatValue], target: Int = 2024) -> [Harmonised] {
        var h = Harmoniser(regions: registered, target: target)
        return h.harmonise(input, rule: .sum).values
    }

    @Test func aCountyTotalThatDiffersFromItsMunicipalitiesIsNamed() {
        // Oslo county (03) is one municipality, 0301.
        var input: [SeriesKey: StatValue] = [SeriesKey("0301", 2019): StatValue(680_000), SeriesKey("EKA03", 2019): StatValue(700_000)]
        var gates = ConsistencyGate.check(
            measure: "befolkning", published: input, harmonised: harmonise(input), regions: registered, tolerance: 0.005)
        #expect(gates == ["gate befolkning: county EKA03 2019: published 700000, its 1 municipalities sum to 680000 (difference 20000)"])
        input[SeriesKey("EKA03", 2019)] = StatValue(680_002) // within the tolerance
        gates = ConsistencyGate.check(
            measure: "befolkning", published: input, harmonised: harmonise(input), regions: registered, tolerance: 0.005)
        #expect(gates.isEmpty)
        // Østfold (01) has 18 municipalities in 2019: with one missing there is nothing to compare.
        input = [SeriesKey("0101", 2019): StatValue(31_000), SeriesKey("01", 2019): StatValue(1)]
        #expect(
            ConsistencyGate.check(measure: "b", published: input, harmonised: harmonise(input), regions: registered, tolerance: 0).isEmpty)
    }

    @Test func theNationalTotalIsComparedWithTheHarmonisedMunicipalities() {
        // 2022 → 2024: only renumberings and the Ålesund split (pure; needs a key, given here).
        var input: [SeriesKey: StatValue] = [:]
        for code in shippedRegister.codes(validIn: 2023) { input[SeriesKey(code, 2023)] = StatValue(10) }
        input[SeriesKey("0", 2023)] = StatValue(3_600)
        var h = Harmoniser(
            regions: registered, target: 2024, splitKey: [SeriesKey("1508", 2024): StatValue(3), SeriesKey("1580", 2024): StatValue(1)])
        let gates = ConsistencyGate.check(
            measure: "m", published: input, harmonised: h.harmonise(input, rule: .sum).values, regions: registered, tolerance: 0)
        #expect(gates == ["gate m: national total 0 2023: published 3600, the harmonised municipalities sum to 3560 (difference 40)"])
    }

    @Test func withoutEveryHarmonisedValueTheNationalTotalIsComparedAsPublished() {
        for year in [2019, 2021] {
            var input: [SeriesKey: StatValue] = [:]
            for code in shippedRegister.codes(validIn: year) { input[SeriesKey(code, year, "Kjonn=2")] = StatValue(10) }
            let n = Double(shippedRegister.codes(validIn: year).count) * 10
            input[SeriesKey("EAK", year, "Kjonn=2")] = StatValue(n)
            #expect(
                ConsistencyGate.check(measure: "m", published: input, harmonised: harmonise(input), regions: registered, tolerance: 0.005)
                    .isEmpty)
            input[SeriesKey("EAK", year, "Kjonn=2")] = StatValue(n + 100)
            let gates = ConsistencyGate.check(
                measure: "m", published: input, harmonised: harmonise(input), regions: registered, tolerance: 0.005)
            // Partial splits without shares (2020) and the Ålesund split without a key leave
            // harmonised values not computable: the municipalities as published are summed.
            #expect(
                gates == [
                    "gate m: national total EAK \(year) [Kjonn=2]: published \(Int(n) + 100), its \(Int(n) / 10) municipalities as published sum to \(Int(n)) (difference 100)"
                ])
        }
    }
}
