import Testing
@testable import Transform

@Suite struct GroupTests {
    let ratio = IndicatorDefinition(
        code: "andel", name: "andel", unit: "prosent", kind: .ratio, numerator: "n", denominator: "d", scale: 100, definition: "")

    func value(_ region: String, _ year: Int, num: Double?, den: Double?) -> IndicatorValue {
        let v: Double? = (num != nil && den != nil) ? num! / den! * 100 : nil
        return IndicatorValue(
            indicator: "andel", key: SeriesKey(region, year), value: v, numerator: num, denominatorValue: den, weight: den,
            status: v == nil ? ":" : nil, method: .asPublished, note: nil, lineage: [])
    }

    @Test func plainMeanAndWeightedValueDifferAndBothAreRight() {
        // A small municipality with a high share and a large one with a low share.
        let values = [
            value("5061", 2022, num: 9, den: 10), value("0301", 2022, num: 300, den: 1000), value("3118", 2022, num: 60, den: 100)
        ]
        let g = ComparisonGroup(code: "T", name: "trial", kind: .adhoc, members: [nil: ["5061", "0301", "3118"]])
        let out = GroupEngine.aggregate(ratio, values: values, groups: [g])
        #expect(out.count == 1)
        let r = out[0]
        #expect(abs(r.mean! - (90 + 30 + 60) / 3) < 1e-12) // 60
        #expect(abs(r.weighted! - 369.0 / 1110.0 * 100) < 1e-12) // 33.24
        #expect(r.median == 60 && r.min == 30 && r.max == 90)
        #expect(r.count == 3 && r.members == 3)
    }

    @Test func memberWithoutAValueReducesTheCountNotTheMean() {
        let values = [
            value("5061", 2021, num: 9, den: 10), value("0301", 2021, num: 300, den: 1000), value("3118", 2021, num: nil, den: 100)
        ]
        let g = ComparisonGroup(code: "T", name: "trial", kind: .adhoc, members: [nil: ["5061", "0301", "3118", "4624"]])
        let r = GroupEngine.aggregate(ratio, values: values, groups: [g])[0]
        #expect(r.count == 2)
        #expect(r.members == 4)
        #expect(r.mean == 60)
        #expect(abs(r.weighted! - 309.0 / 1010.0 * 100) < 1e-12)
    }

    @Test func publishedRatesAreWeightedByTheirWeight() {
        let rate = IndicatorDefinition(code: "r", name: "r", unit: "prosent", kind: .rate, measure: "m", weight: "w", definition: "")
        let values = [
            IndicatorValue(
                indicator: "r", key: SeriesKey("0301", 2020), value: 20, numerator: nil, denominatorValue: nil, weight: 300, status: nil,
                method: .asPublished, note: nil, lineage: []),
            IndicatorValue(
                indicator: "r", key: SeriesKey("5061", 2020), value: 40, numerator: nil, denominatorValue: nil, weight: 100, status: nil,
                method: .asPublished, note: nil, lineage: [])
        ]
        let r = GroupEngine.aggregate(
            rate, values: values, groups: [ComparisonGroup(code: "EAK", name: "Landet", kind: .national, members: [:])])[0]
        #expect(r.mean == 30)
        #expect(r.weighted == 25)
    }

    @Test func kostraGroupMembershipChangesByYear() {
        let values = [value("0301", 2019, num: 1, den: 2), value("0301", 2020, num: 1, den: 4)]
        let g = ComparisonGroup(code: "EKG16", name: "g", kind: .kostragruppe, members: [2019: ["0301"], 2020: []])
        let out = GroupEngine.aggregate(ratio, values: values, groups: [g])
        #expect(out.map(\.year) == [2019])
    }
}
