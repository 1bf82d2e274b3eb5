import Foundation
import Ingest
import Transform

/// `etl validate`: a pipeline and its files checked without loading anything into a
/// warehouse, every problem found at once.
public enum PipelineCheck {
    /// Loads the pipeline at `path` (a definition's mistakes throw `PipelineError.definition`,
    /// as loading does), then checks the change catalogue against the register and the
    /// structure year, and that every source opens and every selection matches the categories
    /// it has (its readers list them; cells are read but not kept). Gives back the pipeline
    /// and the problems found, one message each.
    public static func check(path: String) throws -> (pipeline: Pipeline, problems: [String]) {
        var problems: [String] = []
        let p = try Pipeline.load(path: path)
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
        return (p, problems)
    }
}
