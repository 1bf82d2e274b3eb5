import Foundation
import Ingest
import Testing
@testable import Transform

/// Selecting and summing a measure, against a brute-force sum over generated rows.
@Suite struct MeasureSelectionTests {
    func row(_ region: String, _ year: Int, _ breakdown: String, _ value: Double?, _ status: String? = nil) -> StagedRow {
        StagedRow(region: region, period: String(year), breakdown: breakdown, value: value, status: status, location: "1:1")
    }

    /// Age groups 0–4 for 3 regions × 3 years; a selection of some groups sums exactly those.
    @Test(arguments: [["1", "2"], ["0", "3", "4"], ["2"]])
    func aSelectionSumsExactlyItsCategories(_ chosen: [String]) {
        var rows: [StagedRow] = []
        var expected: [SeriesKey: Double] = [:]
        var x = 1.0
        for r in ["0301", "3118", "1508"] {
            for y in 2019...2021 {
                for age in 0...4 {
                    x += 1
                    rows.append(row(r, y, "alder=\(age);kjonn=0", x))
                    if chosen.contains(String(age)) { expected[SeriesKey(r, y, "kjonn=0"), default: 0] += x }
                }
            }
        }
        let result = MeasureSelection.sum(
            rows, measure: "m", source: "s", file: "f.csv", select: ["alder": .codes(chosen)],
            expected: chosen.count, isCount: true, absentIsZero: false)
        #expect(result.values.mapValues(\.value) == expected.mapValues { Optional($0) })
        #expect(result.diagnostics.isEmpty)
    }

    @Test func aMissingCategoryOrSymbolMakesTheSumMissingNeverTooSmall() {
        let rows = [
            row("0301", 2020, "alder=1", 5), row("0301", 2020, "alder=2", 7), // complete
            row("3118", 2020, "alder=1", 5), // alder=2 absent
            row("1508", 2020, "alder=1", 5), row("1508", 2020, "alder=2", nil, ":")
        ]
        let r = MeasureSelection.sum(
            rows, measure: "m", source: "s", file: "f.csv", select: ["alder": .codes(["1", "2"])],
            expected: 2, isCount: true, absentIsZero: false)
        #expect(r.values[SeriesKey("0301", 2020)] == StatValue(12, status: nil))
        #expect(r.values[SeriesKey("3118", 2020)] == StatValue(nil, status: ".."))
        #expect(r.values[SeriesKey("1508", 2020)] == StatValue(nil, status: ":"))
        // A register that lists only non-zero rows: the absent category is zero.
        let z = MeasureSelection.sum(
            rows, measure: "m", source: "s", file: "f.csv", select: ["alder": .codes(["1", "2"])],
            expected: 2, isCount: true, absentIsZero: true)
        #expect(z.values[SeriesKey("3118", 2020)] == StatValue(5, status: nil))
    }

    @Test func negativeCountsAndEmptyMeasuresAreWarned() {
        let r = MeasureSelection.sum(
            [row("0301", 2020, "", -3)], measure: "m", source: "s", file: "f.csv", select: [:], expected: 1, isCount: true,
            absentIsZero: false)
        #expect(r.diagnostics.map(\.code) == ["negative-count"])
        #expect(r.diagnostics.first?.region == "0301" && r.diagnostics.first?.year == 2020)
        let rate = MeasureSelection.sum(
            [row("0301", 2020, "", -3)], measure: "m", source: "s", file: "f.csv", select: [:], expected: 1, isCount: false,
            absentIsZero: false)
        #expect(rate.diagnostics.isEmpty)
        #expect(
            MeasureSelection.sum([], measure: "m", source: "s", file: "f.csv", select: [:], expected: 1, isCount: true, absentIsZero: false)
                .diagnostics.map(\.code) == ["measure-empty"])
    }
}
