import Testing
@testable import Transform

/// Which years' structure a set of codes fits (`etl inspect`; docs/PIPELINE.md, "Which structure is this file?").
@Suite struct StructureFitTests {
    @Test func aFileOfOneYearFitsThatYearsStructure() {
        let f2019 = shippedRegister.fit(codes: Set(shippedRegister.codes(validIn: 2019)))
        #expect(f2019.complete && f2019.years == [2019...2019]) // 1567 Rindal became 5061 in 2019
        #expect(f2019.summary == "codes fit 2019")
        let f2018 = shippedRegister.fit(codes: Set(shippedRegister.codes(validIn: 2019)).subtracting(["5061"]))
        #expect(f2018.summary == "codes fit 2018–2019")
        let f2024 = shippedRegister.fit(codes: Set(shippedRegister.codes(validIn: 2024)))
        #expect(f2024.years == [2024...2026] && f2024.summary == "codes fit 2024–2026")
        var mixed = Set(shippedRegister.codes(validIn: 2021))
        mixed.formUnion(["0101", "0104", "0105", "0199", "2111"])
        let f = shippedRegister.fit(codes: mixed)
        #expect(
            f.summary
                == "356 of 359 codes fit 2020–2023; 3 codes valid only before 2020: 0101, 0104, 0105; 1 code valid in no year: 0199; 1 code that is no kommune (Svalbard, unspecified, groupings): 2111"
        )
    }
}
