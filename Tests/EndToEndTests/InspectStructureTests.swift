import Foundation
import Testing
import TestSupport

/// `etl inspect` names the municipality structure a file's codes fit (docs/PIPELINE.md, "Which structure is this file?").
// Command-line contract (process): `etl inspect` (its logic is in the command line).
@Suite struct InspectStructureTests {
    @Test func inspectNamesTheStructureYearsOfAFile() throws {
        let p = try SmallPipeline()
        defer { p.remove() }
        try p.write(GeographyTests.csv(try GeographyTests.codes(validIn: 2019).map { ($0, 2019, 1) }), "y2019.csv")
        try p.write(GeographyTests.csv(try GeographyTests.codes(validIn: 2024).map { ($0, 2024, 1) }), "y2024.csv")
        try p.write(
            GeographyTests.csv(
                try GeographyTests.codes(validIn: 2021).map { ($0, 2021, 1) }
                    + [
                        ("0101 Halden (-2019)", 2019, 1), ("0104 Moss (-2019)", 2019, 1), ("0105 Sarpsborg (-2019)", 2019, 1),
                        ("0199 Nowhere", 2019, 1)
                    ]), "mixed.csv")
        let a = try p.inspect("y2019.csv", ["--register", "pipelines/register"])
        #expect(a.status == 0)
        #expect(a.stderr.contains("pipelines/bad/y2019.csv: codes fit 2019"), "\(a.stderr)")
        let b = try p.inspect("y2024.csv", ["--register", "pipelines/register"])
        #expect(b.stderr.contains("pipelines/bad/y2024.csv: codes fit 2024–2026"), "\(b.stderr)")
        let c = try p.inspect("mixed.csv", ["--register", "pipelines/register"])
        #expect(
            c.stderr.contains(
                "356 of 359 codes fit 2020–2023; 3 codes valid only before 2020: 0101, 0104, 0105; 1 code valid in no year: 0199"),
            "\(c.stderr)")
    }

    /// The sample mixes structures: it is described by the latest year most of its codes fit.
    @Test func inspectDescribesAFileOfSeveralStructures() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try etl(["inspect", "pipelines/sample/12209_kostra_nokkeltall.csv", "--limit", "0"], in: dir)
        #expect(r.status == 0)
        #expect(
            r.stderr.contains(
                "14 of 21 codes fit 2019; 1 code valid only before 2019: 1567; 6 codes valid only after 2019: 1507, 1508, 1580, 3014, 3118, 4624"
            ), "\(r.stderr)")
    }
}
