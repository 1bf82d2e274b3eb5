import Foundation
import Testing
@testable import Transform

/// The shipped register (pipelines/register/), read relative to this file.
let shippedRegister: Register = {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../pipelines/register")
    func text(_ name: String) -> String { try! String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) }
    let re = try? String(contentsOf: dir.appendingPathComponent("reestablished.csv"), encoding: .utf8)
    return try! Register.parse(
        kommuner: text("kommuner.csv"), kommunerFile: "kommuner.csv", fylker: text("fylker.csv"), fylkerFile: "fylker.csv",
        reestablished: re, coverage: text("coverage.csv"))
}()

/// The shipped catalogue with the shipped register: validity from the register.
let registered = RegionCatalog(catalog: shippedCatalog.catalog, register: shippedRegister)

@Suite struct RegisterTests {
    /// The register's own table of kommune and fylke counts per year (docs/PIPELINE.md, "The register").
    static let counts: [(years: ClosedRange<Int>, kommuner: Int, fylker: Int)] = [
        (1971...1971, 449, 20), (1972...1973, 444, 19), (1974...1975, 443, 19), (1976...1976, 445, 19), (1977...1987, 454, 19),
        (1988...1991, 448, 19), (1992...1993, 439, 19), (1994...2001, 435, 19), (2002...2004, 434, 19), (2005...2005, 433, 19),
        (2006...2007, 431, 19), (2008...2011, 430, 19), (2012...2012, 429, 19), (2013...2016, 428, 19), (2017...2017, 426, 19),
        (2018...2019, 422, 18), (2020...2023, 356, 11), (2024...2026, 357, 15)
    ]

    @Test func everyYearHasTheKnownNumberOfKommunerAndFylker() {
        #expect(shippedRegister.firstYear == 1971 && shippedRegister.lastYear == 2026)
        for row in RegisterTests.counts {
            for y in row.years {
                #expect(shippedRegister.codes(validIn: y).count == row.kommuner, "kommuner in \(y)")
                #expect(shippedRegister.counties(validIn: y).count == row.fylker, "fylker in \(y)")
            }
        }
    }

    @Test func theFylkerOfAYearAreTheFirstDigitsOfItsKommuner() {
        for y in shippedRegister.firstYear...shippedRegister.lastYear {
            #expect(
                Set(shippedRegister.codes(validIn: y).map { String($0.prefix(2)) }) == Set(shippedRegister.counties(validIn: y)), "\(y)")
        }
    }

    /// Every change: the old code is valid the year before, the new code in the change year, and
    /// an old code that is not also a new code that day ends the year before.
    @Test func everyChangeAgreesWithTheRegister() {
        #expect(shippedRegister.disagreements(with: shippedCatalog.catalog) == [])
        for c in shippedCatalog.catalog.changes {
            #expect(shippedRegister.isValid(c.oldCode, in: c.year - 1), "\(c.oldCode) in \(c.year - 1)")
            #expect(shippedRegister.isValid(c.newCode, in: c.year), "\(c.newCode) in \(c.year)")
        }
        // The check can fail: a change the register contradicts is named.
        let wrong = ChangeCatalog(changes: [
            CodeChange(oldCode: "0301", oldName: "Oslo", newCode: "3199", newName: "Nowhere", date: "2020-01-01", kind: .renumber)
        ])
        let problems = shippedRegister.disagreements(with: wrong)
        #expect(problems.contains { $0.contains("3199 is not valid in 2020") })
        #expect(problems.contains { $0.contains("0301 is still valid in 2020") })
    }

    /// Each year's codes are the previous year's codes with that year's changes applied.
    @Test func changesTakeEachYearToTheNext() {
        let changes = shippedCatalog.catalog.changes
        for y in 1994...2024 {
            let rows = changes.filter { $0.year == y && $0.kind != .name }
            var set = Set(shippedRegister.codes(validIn: y - 1))
            let news = Set(rows.map(\.newCode))
            for r in rows where !news.contains(r.oldCode) { set.remove(r.oldCode) }
            set.formUnion(news)
            #expect(set == Set(shippedRegister.codes(validIn: y)), "\(y)")
        }
    }

    @Test func validityComesFromTheRegister() {
        let r = registered
        #expect(r.isValid("0102", in: 1991) && !r.isValid("0102", in: 2019)) // Sarpsborg until 1991
        #expect(r.isValid("0301", in: 1971) && r.isValid("0301", in: 2026))
        #expect(!r.isValid("0199", in: 2019) && !r.isKnown("0199"))
        #expect(!r.isValid("3199", in: 2024) && !r.isKnown("3199"))
        #expect(r.isValid("1507", in: 2020) && !r.isValid("1507", in: 2024))
        #expect(r.name(of: "5001", in: 2023) == "Trondheim - Tråante" && r.name(of: "5001", in: 2019) == "Trondheim")
        // Without a register, an unknown code is taken as valid (the old behaviour).
        #expect(shippedCatalog.isValid("0199", in: 2019))
    }

    @Test func specialCodesAreClassifiedNotKommuner() {
        for code in ["2111", "2121", "2211", "2311", "9999", "0716u", "0716u Re (2002-2019)", "21", "99"] {
            #expect(shippedRegister.special(code) != nil, "\(code)")
        }
        // `nn99` is SSB's unspecified kommune of a county only when its label says so.
        #expect(shippedRegister.special("0399", name: "Uoppgitt kommune Oslo") != nil)
        #expect(shippedRegister.special("0199", name: "Nowhere") == nil)
        for code in ["0301", "0199", "3199", "1580", "03", "30"] {
            #expect(shippedRegister.special(code) == nil, "\(code)")
        }
        #expect(shippedRegister.special("2111") == "Svalbard")
    }

    @Test func neverValidCodesGetSuggestionsByNumberAndName() {
        let s = shippedRegister.suggestions(for: "0199", name: "Nowhere", year: 2019)
        #expect(s.byNumber.first?.hasPrefix("0138 ") == true || s.byNumber.first?.hasPrefix("0211 ") == true, "\(s.byNumber)")
        #expect(s.byNumber.count == 3)
        let h = shippedRegister.suggestions(for: "3199", name: "Haldn", year: 2024)
        #expect(h.byName.first == "3101 Halden", "\(h.byName)")
        #expect(h.byNumber.allSatisfy { shippedRegister.isValid(String($0.prefix(4)), in: 2024) })
    }

    @Test func structureYearsRunFrom1994ToTheNewestInTheRegister() {
        #expect(registered.coveredYears == 1994...2026)
        #expect(registered.structureProblem(2005) == nil && registered.structureProblem(2026) == nil)
        #expect(
            registered.structureProblem(1990)
                == "structure year 1990 is outside the years the register and change catalogue cover (1994–2026)")
        #expect(registered.structureProblem(2030)?.contains("1994–2026") == true)
        #expect(registered.newestYear == 2024)
    }

    /// Every code valid in a covered year maps to codes valid in every later target structure.
    @Test func everyCodeMapsIntoEveryLaterStructure() {
        for year in 1993...2024 {
            for target in [2005, 2013, 2019, 2020, 2024] where target >= year {
                for code in registered.knownCodes(validIn: year) {
                    guard case .mapped(let parts) = registered.map(code, year: year, to: target) else {
                        Issue.record("\(code) \(year) → \(target) not mapped"); continue
                    }
                    #expect(!parts.isEmpty)
                    for p in parts { #expect(shippedRegister.isValid(p.target, in: target), "\(code) \(year) → \(p.target) in \(target)") }
                }
            }
        }
    }

    @Test func earlierReformsAreInTheChangeGraph() {
        #expect(registered.map("1842", year: 2004, to: 2005) == .mapped([MappingPart(target: "1804", splits: [], via: .merged)]))
        #expect(registered.map("1804", year: 2004, to: 2005) == .mapped([MappingPart(target: "1804", splits: [], via: .merged)]))
        #expect(registered.map("1556", year: 2007, to: 2024).mappedTargets == ["1505"])
        #expect(registered.map("1723", year: 2011, to: 2024).mappedTargets == ["5053"])
        #expect(registered.map("1915", year: 2012, to: 2024).mappedTargets == ["5503"])
        // Going back across the 2005 merge cannot divide Bodø.
        guard case .notComputable = registered.map("1804", year: 2010, to: 2004) else { Issue.record("expected not computable"); return }
    }
}

extension MappingResult {
    var mappedTargets: [String] {
        if case .mapped(let ps) = self { return ps.map(\.target) }
        return []
    }
}
