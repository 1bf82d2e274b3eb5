import Foundation
import Ingest
import Testing
@testable import Transform

/// The staging rules for one cell, checked over generated inputs and over every code of the
/// shipped register, without files or a database.
@Suite struct CellRulesTests {
    @Test func periodsAreYearsOrRefused() {
        for y in [1800, 1971, 2019, 2024, 2200] {
            for suffix in ["", "M01", "K4", "H1", "-2020"] {
                #expect(CellRules.leadingYear("\(y)\(suffix)") == y)
            }
        }
        for bad in ["", "19", "201", "År 2019", "20x9", "two thousand"] {
            #expect(CellRules.leadingYear(bad) == nil, "\(bad)")
            #expect(
                CellRules.shapeProblem(
                    region: "0301", level: .kommune, period: bad, year: CellRules.leadingYear(bad), maxYear: 2027, value: 1)
                    == .period("period \"\(bad)\" is not a year (expected YYYY)"))
        }
        #expect(
            CellRules.shapeProblem(region: "0301", level: .kommune, period: "2031", year: 2031, maxYear: 2027, value: 1)
                == .period("year 2031 is in the future"))
        #expect(
            CellRules.shapeProblem(region: "0301", level: .kommune, period: "1799", year: 1799, maxYear: 2027, value: 1)?.message.contains(
                "not a year") == true)
    }

    @Test func onlyKnownShapesOfCodesAndFiniteValuesPass() {
        for (code, level) in [("0301", RegionLevel.kommune), ("K-3118", .kommune), ("03", .fylke), ("EAK", .land), ("EKG08", .kostragruppe)]
        {
            #expect(
                CellRules.shapeProblem(region: code, level: level, period: "2020", year: 2020, maxYear: 2027, value: 1) == nil, "\(code)")
        }
        #expect(
            CellRules.shapeProblem(region: "Oslo", level: .annet, period: "2020", year: 2020, maxYear: 2027, value: 1)?.message.hasPrefix(
                "unknown region code \"Oslo\"") == true)
        for v in [Double.nan, .infinity, -.infinity] {
            #expect(
                CellRules.shapeProblem(region: "0301", level: .kommune, period: "2020", year: 2020, maxYear: 2027, value: v)
                    == .value("value is not a finite number"))
        }
        // A missing value (a symbol) is not a problem of shape.
        #expect(CellRules.shapeProblem(region: "0301", level: .kommune, period: "2020", year: 2020, maxYear: 2027, value: nil) == nil)
    }

    /// Every kommune code of the register, in every year: valid exactly in its years, set aside
    /// (never refused) in the others.
    @Test func everyRegisterCodeIsValidExactlyInItsYears() {
        let years = shippedRegister.firstYear...shippedRegister.lastYear
        var all = Set<String>()
        for y in years { all.formUnion(shippedRegister.codes(validIn: y)) }
        #expect(all.count > 800)
        for y in stride(from: years.lowerBound, through: years.upperBound, by: 5) {
            let valid = Set(shippedRegister.codes(validIn: y))
            for code in all {
                let v = CellRules.verdict(code, year: y, level: .kommune, regions: registered, name: nil)
                #expect(v == (valid.contains(code) ? .valid : .outOfValidity), "\(code) in \(y)")
            }
        }
    }

    @Test func codesOfNoYearAreRefusedAndSpecialCodesSetAside() {
        #expect(CellRules.verdict("0199", year: 2019, level: .kommune, regions: registered, name: nil) == .neverValid)
        #expect(
            CellRules.neverValidMessage("0199", year: 2019, name: nil, regions: registered)
                .hasPrefix("unknown region code \"0199\": no kommune had this code in any year 1971–2026; nearest codes valid in 2019: "))
        for special in ["2111", "9999"] {
            #expect(CellRules.verdict(special, year: 2019, level: .kommune, regions: registered, name: nil) == .special, "\(special)")
        }
        #expect(CellRules.verdict("29", year: 2019, level: .fylke, regions: registered, name: nil) == .neverValid)
    }
}
