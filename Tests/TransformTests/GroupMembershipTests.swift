import Foundation
import Ingest
import Testing
@testable import Transform

/// Group membership is a pure function of the group files' rows, the catalogue and the values.
@Suite struct GroupMembershipTests {
    @Test func countiesAreThoseValidInTheStructureYear() {
        let rows = [
            GroupMembership.County(code: "30", name: "Viken", validFrom: 2020, validTo: 2023),
            GroupMembership.County(code: "31", name: "Østfold", validFrom: 2024, validTo: nil),
            GroupMembership.County(code: "03", name: "Oslo", validFrom: nil, validTo: nil)
        ]
        #expect(GroupMembership.counties(rows, structureYear: 2024).map(\.code) == ["EKA31", "EKA03"])
        #expect(GroupMembership.counties(rows, structureYear: 2021).map(\.code) == ["EKA30", "EKA03"])
    }

    /// Every kommune code valid in a year, put in a group for that year, makes exactly the codes
    /// it maps to in the target structure members of the group for that year.
    @Test(arguments: [2017, 2019, 2020, 2023])
    func kostraMembersAreMappedToTheTargetStructure(_ year: Int) {
        let codes = shippedRegister.codes(validIn: year)
        let rows = codes.map { GroupMembership.KostraMember(years: year...year, group: "EKG99", name: "All", kommune: $0) }
        let groups = GroupMembership.kostragrupper(rows, regions: registered, structureYear: 2024)
        #expect(groups.count == 1)
        let members = groups[0].members(in: year)
        var expected = Set<String>()
        for c in codes {
            if case .mapped(let parts) = registered.map(c, year: year, to: 2024) {
                expected.formUnion(parts.map(\.target))
            } else {
                expected.insert(c)
            }
        }
        #expect(members == expected)
        #expect(
            members.isSubset(of: Set(shippedRegister.codes(validIn: 2024))), "\(members.subtracting(shippedRegister.codes(validIn: 2024)))")
    }

    @Test func theCountryIsTheMunicipalitiesWithAValue() {
        func v(_ r: String, _ y: Int, _ x: Double?, _ m: Method = .asPublished) -> IndicatorValue {
            IndicatorValue(
                indicator: "i", key: SeriesKey(r, y), value: x, numerator: nil, denominatorValue: nil, weight: nil, status: nil, method: m,
                note: nil, lineage: [])
        }
        let values = [
            v("0301", 2020, 1), v("3118", 2020, nil), v("K-3118", 2019, 5), v("03", 2020, 9), v("1508", 2019, nil, .notComputable),
            v("3118", 2021, 2)
        ]
        let (codes, national) = GroupMembership.municipalities(in: values)
        #expect(codes == ["0301", "3118"])
        #expect(national == [2020: ["0301"], 2021: ["3118"]])
        let filled = GroupMembership.withCountyMembers(
            [ComparisonGroup(code: "EKA31", name: "Østfold", kind: .county, members: [nil: []])], codes: ["3118", "0301", "3101"])
        #expect(filled[0].members(in: 2020) == ["3118", "3101"])
    }
}

/// Breakdown kinds for every combination of the dimensions the views single out.
@Suite struct BreakdownTests {
    @Test func kindsFollowTheDimensionNamedAlone() {
        #expect(Breakdown.kind(of: "") == .total)
        let single: [(String, Breakdown.Kind)] = [
            ("alder", .age), ("Alder", .age), ("kjonn", .sex), ("kjønn", .sex), ("tjeneste", .service),
            ("art", .service), ("region2", .other), ("\u{1}measure", .other)
        ]
        for (dim, kind) in single {
            #expect(Breakdown.kind(of: "\(dim)=1") == kind, "\(dim)")
            for (other, _) in single where other != dim {
                #expect(Breakdown.kind(of: "\(dim)=1;\(other)=2") == .other, "\(dim) with \(other)")
            }
        }
    }

    @Test func labelsComeFromTheSourcesElseTheCodes() {
        let labels = ["kjonn=2": "Kvinner", "alder=080-089": "80-89 år"]
        #expect(Breakdown.label(of: "", labels: labels) == "I alt")
        #expect(Breakdown.label(of: "kjonn=2;alder=080-089", labels: labels) == "Kvinner, 80-89 år")
        #expect(Breakdown.label(of: "Kjonn=1", labels: labels) == "1")
        // A category code may itself hold `=`: the label is everything after the pair's first `=`.
        #expect(Breakdown.label(of: "alder=80=89", labels: [:]) == "80=89")
    }
}
