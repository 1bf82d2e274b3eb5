import Foundation
import Ingest
import Testing
@testable import Transform

/// Plausibility warnings are a pure function of an indicator's values: checked here against a
/// brute-force count over generated series, without files or a database.
@Suite struct PlausibilityTests {
    func definition(unit: String, maxJump: Double? = nil) -> IndicatorDefinition {
        IndicatorDefinition(code: "x", name: "X", unit: unit, kind: .rate, measure: "m", weight: "w", definition: "test", maxJump: maxJump)
    }

    func value(_ region: String, _ year: Int, _ v: Double?) -> IndicatorValue {
        IndicatorValue(
            indicator: "x", key: SeriesKey(region, year), value: v, numerator: nil, denominatorValue: nil, weight: nil,
            status: v == nil ? ".." : nil, method: .asPublished, note: nil, lineage: [])
    }

    /// A deterministic series of values for 20 regions over 10 years, some missing.
    func series(seed: UInt64) -> [IndicatorValue] {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var out: [IndicatorValue] = []
        for r in 0..<20 {
            for y in 2015..<2025 {
                let u = next()
                out.append(value(String(format: "%04d", 301 + r), y, u < 0.1 ? nil : u * 130))
            }
        }
        return out
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func everyPerCentAbove100IsWarnedOnceWithItsRegionAndYear(_ seed: UInt64) {
        let values = series(seed: seed)
        let warned = Plausibility.check(definition(unit: "prosent"), values).filter { $0.code == "percent-above-100" }
        let expected = values.filter { ($0.value ?? 0) > 100 }
        #expect(warned.count == expected.count)
        #expect(Set(warned.map { "\($0.region!) \($0.year!)" }) == Set(expected.map { "\($0.key.region) \($0.key.year)" }))
        #expect(warned.allSatisfy { $0.indicator == "x" && $0.severity == .warning })
        // Not a per cent: no such warning, whatever the values.
        #expect(Plausibility.check(definition(unit: "personer"), values).allSatisfy { $0.code != "percent-above-100" })
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func jumpsAboveTheFactorBetweenConsecutiveYearsAreWarned(_ seed: UInt64) {
        let values = series(seed: seed)
        let factor = 1.8
        let warned = Plausibility.check(definition(unit: "personer", maxJump: factor), values).filter { $0.code == "max-jump" }
        var expected = 0
        let byRegion = Dictionary(grouping: values, by: \.key.region)
        for (_, vs) in byRegion {
            let sorted = vs.sorted { $0.key.year < $1.key.year }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                guard let x = a.value, let y = b.value, x > 0, y > 0 else { continue }
                if y / x > factor || x / y > factor { expected += 1 }
            }
        }
        #expect(warned.count == expected)
        #expect(Plausibility.check(definition(unit: "personer"), values).allSatisfy { $0.code != "max-jump" })
    }

    @Test func emptyAndAllMissingIndicatorsAreWarned() {
        #expect(Plausibility.check(definition(unit: "prosent"), []).map(\.code) == ["indicator-empty"])
        let missing = [value("0301", 2020, nil), value("0301", 2021, nil)]
        #expect(Plausibility.check(definition(unit: "prosent"), missing).map(\.code) == ["indicator-all-missing"])
    }

    @Test func theOriginIsAppendedToEachValueWarning() {
        let d = Plausibility.check(definition(unit: "prosent"), [value("0301", 2017, 135)]) { v in " (at \(v.key.region))" }
        #expect(d.map(\.description) == ["x 0301 2017: 135.0 per cent is above 100 (at 0301)"])
    }
}
