import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Transform

/// Checks a pipeline and its files without loading anything, reporting every problem at once.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline definition and its files without loading; every problem is reported at once.")

    @Argument(help: "Pipeline definition (default: pipelines/sample.yml).")
    var pipeline: String?

    func run() throws {
        let path = pipeline ?? defaultPipeline()
        var problems: [String] = []
        let p: Pipeline
        do { p = try Pipeline.load(path: path) } catch PipelineError.definition(let problems) {
            for x in problems { eprint(errorLine(x)) }; eprint("\(problems.count) problem\(problems.count == 1 ? "" : "s") found");
            throw Exit.usage
        } // any other error goes to `report`: one line, its exit status
        if let d = FileManager.default.contents(atPath: p.catalogPath) {
            do {
                let catalog = try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: p.catalogPath)
                // The register and the catalogue must agree (docs/PIPELINE.md, "The register").
                let (regions, _) = try p.regionCatalog(catalog, catalogPath: p.catalogPath, exceptions: BorderException.known)
                if case .year(let y) = p.definition.harmonisation?.structure_year, let problem = regions.structureProblem(y) {
                    problems.append("\(p.place("harmonisation.structure_year")): error: \(problem)")
                }
            } catch PipelineError.definition(let more) { problems += more } catch { problems.append("\(error)") }
        }
        // Every source must open, and every selection must match the categories it has
        // (its readers list them; cells are read but not kept).
        for s in p.definition.sources {
            let path = p.sourcePath(s)
            var sink = CategorySink()
            do {
                _ = try readFile(path: path, options: ReaderOptions(source: s, displayName: path), into: &sink)
                let dims = SourceDimension.from(schemas: sink.schemas, roleOverrides: s.dimensions ?? [:])
                problems += SelectionCheck.problems(p, sourceId: s.id, dimensions: dims, file: path)
            } catch let e as ReadError { problems.append(e.description) } catch {
                problems.append("\(error)".contains("error:") ? "\(error)" : "\(path): error: \(error)")
            }
        }
        for x in problems { eprint(errorLine(x)) }
        if !problems.isEmpty { eprint("\(problems.count) problem\(problems.count == 1 ? "" : "s") found"); throw Exit.usage }
        eprint(
            "\(path): ok (\(p.definition.sources.count) sources, \(p.definition.measures.count) measures, \(p.indicators.count) indicators)"
        )
    }
}
