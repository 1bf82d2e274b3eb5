import Testing
@testable import Transform

/// County-level values harmonised to the target structure's counties (docs/PIPELINE.md, "Counties").
@Suite struct CountyTests {
    /// Declared shares for the 2020 partial splits and a key for the 2024 Ålesund split.
    static let shares = [
        SplitShare(oldCode: "5012", newCode: "5055", year: 2020, share: 0.5),
        SplitShare(oldCode: "5012", newCode: "5056", year: 2020, share: 0.25),
        SplitShare(oldCode: "5012", newCode: "5059", year: 2020, share: 0.25),
        SplitShare(oldCode: "1850", newCode: "1806", year: 2020, share: 0.5),
        SplitShare(oldCode: "1850", newCode: "1875", year: 2020, share: 0.5)
    ]
    static let key: [SeriesKey: StatValue] = [SeriesKey("1508", 2024): StatValue(3), SeriesKey("1580", 2024): StatValue(1)]

    /// Every municipality counts 1 and every county publishes the number of its municipalities.
    static func series(_ years: ClosedRange<Int>, prefix: String = "") -> [SeriesKey: StatValue] {
        var input: [SeriesKey: StatValue] = [:]
        for y in years {
            for code in shippedRegister.codes(validIn: y) { input[SeriesKey(code, y)] = StatValue(1) }
            for c in shippedRegister.counties(validIn: y) {
                input[SeriesKey(prefix + c, y)] = StatValue(Double(shippedRegister.codes(validIn: y).filter { $0.hasPrefix(c) }.count))
            }
        }
        return input
    }

    /// A county series 1994–2024 harmonised to the 2024 counties: every 2024 county has a
    /// value every year, and together they are the country's municipalities of that year.
    @Test func aCountySeries1994To2024IsHarmonisedTo2024Counties() {
        var h = Harmoniser(regions: registered, target: 2024, splitShares: CountyTests.shares, splitKey: CountyTests.key)
        let r = h.harmonise(CountyTests.series(1994...2024, prefix: "EKA"), rule: .sum)
        let counties2024 = shippedRegister.counties(validIn: 2024)
        #expect(counties2024.count == 15)
        for y in 1994...2024 {
            var total = 0.0
            for c in counties2024 {
                let v = value(r, "EKA" + c, y)
                #expect(v?.value != nil, "EKA\(c) \(y): \(v?.note ?? "no value")")
                total += v?.value ?? 0
            }
            #expect(abs(total - Double(shippedRegister.codes(validIn: y).count)) < 1e-9, "\(y)")
            // No county code of another structure is left in the output.
            #expect(
                !r.values.contains {
                    $0.key.year == y && $0.key.region.hasPrefix("EKA") && !counties2024.contains(String($0.key.region.dropFirst(3)))
                })
        }
        // Oslo and Rogaland (2010) were whole counties: as published.
        #expect(value(r, "EKA03", 2010)?.method == .asPublished && value(r, "EKA03", 2010)?.value == 1)
        #expect(value(r, "EKA11", 2010)?.method == .asPublished && value(r, "EKA11", 2010)?.lineage.map(\.code) == ["EKA11"])
        // Viken (30) was divided in 2024: 31, 32 and 33 come from their harmonised municipalities.
        let ostfold = value(r, "EKA31", 2023)
        #expect(ostfold?.method == .merged && ostfold?.note?.contains("county 30 of 2023 was divided") == true)
        #expect(ostfold?.value == Double(shippedRegister.codes(validIn: 2024).filter { $0.hasPrefix("31") }.count))
        // Innlandet 2023 → 34: whole; Oppland 2019 lost Jevnaker and Lunner to Viken: computed.
        #expect(value(r, "EKA34", 2023)?.method == .asPublished)
        #expect(value(r, "EKA34", 2019)?.note?.contains("05") == true)
    }

    @Test func mergedCountiesCombineTheirPublishedValues() {
        // 16 Sør-Trøndelag + 17 Nord-Trøndelag → 50 Trøndelag in 2018.
        let input: [SeriesKey: StatValue] = [SeriesKey("16", 2017): StatValue(30), SeriesKey("17", 2017): StatValue(20)]
        let weight: [SeriesKey: StatValue] = [SeriesKey("16", 2017): StatValue(300), SeriesKey("17", 2017): StatValue(100)]
        var h = Harmoniser(regions: registered, target: 2018)
        let count = value(h.harmonise(input, rule: .sum), "50", 2017)
        #expect(count?.value == 50 && count?.method == .merged && count?.lineage.map(\.code) == ["16", "17"])
        let rate = value(h.harmonise(input, rule: .weightedMean, weights: weight), "50", 2017)
        #expect(rate?.value == (30.0 * 300 + 20 * 100) / 400 && rate?.weight == 400)
        // A missing weight makes the rate not computable, not a mean of the other.
        let noWeight = value(h.harmonise(input, rule: .weightedMean, weights: [SeriesKey("16", 2017): StatValue(300)]), "50", 2017)
        #expect(noWeight?.method == .notComputable && noWeight?.note == "weight missing for 17 in 2017")
        // One part missing makes the whole missing.
        let partial = value(
            h.harmonise([SeriesKey("16", 2017): StatValue(30), SeriesKey("17", 2017): StatValue(nil, status: ":")], rule: .sum), "50", 2017)
        #expect(partial?.value == nil && partial?.status == ":")
    }

    @Test func aCountyOfAnotherYearIsSetAsideAndGoingBackIsNotComputable() {
        var h = Harmoniser(regions: registered, target: 2019)
        let r = h.harmonise([SeriesKey("30", 2019): StatValue(0), SeriesKey("30", 2021): StatValue(5)], rule: .sum)
        #expect(r.outOfValidity == 1)
        #expect(value(r, "30", 2021)?.method == .notComputable)
    }
}
