import Foundation
import Ingest
import Pipeline
import Testing
import TestSupport

/// `etl inspect` names the municipality structure a file's codes fit (docs/PIPELINE.md, "Which structure is this file?").
// Behaviour (in process): the file read into `InspectTable` and its fit against the register;
// the command-line contract (the line `etl inspect` prints) once, through the binary.
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
        let reg = try register(p.dir.appendingPathComponent("pipelines/register"))
        func fit(_ file: String) throws -> String? {
            let path = "pipelines/bad/\(file)"
            let r = inspectInProcess(p.dir.appendingPathComponent(path), options: ReaderOptions(displayName: path))
            #expect(r.error == nil, "\(String(describing: r.error))")
            return r.table.structureFit(reg)
        }
        #expect(try fit("y2019.csv")?.hasPrefix("codes fit 2019") == true)
        #expect(try fit("y2024.csv")?.hasPrefix("codes fit 2024–2026") == true)
        let mixed = try fit("mixed.csv")
        #expect(
            mixed?.contains(
                "356 of 359 codes fit 2020–2023; 3 codes valid only before 2020: 0101, 0104, 0105; 1 code valid in no year: 0199") == true,
            "\(mixed ?? "nil")")
        // What the command prints: the file, then the fit, on standard error.
        let a = try p.inspectCommand("y2019.csv", ["--register", "pipelines/register"])
        #expect(a.status == 0)
        #expect(a.stderr.contains("pipelines/bad/y2019.csv: codes fit 2019"), "\(a.stderr)")
    }

    /// The sample mixes structures: it is described by the latest year most of its codes fit.
    @Test func inspectDescribesAFileOfSeveralStructures() throws {
        let dir = try scratchWithPipelines()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = "pipelines/sample/12209_kostra_nokkeltall.csv"
        let r = inspectInProcess(dir.appendingPathComponent(path), options: ReaderOptions(displayName: path), limit: 0)
        #expect(r.error == nil)
        // With no row printed (`--limit 0`), the header is all the text.
        #expect(r.text.split(separator: "\n").count == 1, "\(r.text)")
        let fit = r.table.structureFit(try register(dir.appendingPathComponent("pipelines/register")))
        #expect(
            fit?.contains(
                "14 of 21 codes fit 2019; 1 code valid only before 2019: 1567; 6 codes valid only after 2019: 1507, 1508, 1580, 3014, 3118, 4624"
            ) == true, "\(fit ?? "nil")")
    }
}
