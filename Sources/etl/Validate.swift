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
        let (p, problems): (Pipeline, [String])
        do { (p, problems) = try PipelineCheck.check(path: path) } catch PipelineError.definition(let problems) {
            for x in problems { eprint(errorLine(x)) }; eprint("\(problems.count) problem\(problems.count == 1 ? "" : "s") found");
            throw Exit.usage
        } // any other error goes to `report`: one line, its exit status
        for x in problems { eprint(errorLine(x)) }
        if !problems.isEmpty { eprint("\(problems.count) problem\(problems.count == 1 ? "" : "s") found"); throw Exit.usage }
        eprint(
            "\(path): ok (\(p.definition.sources.count) sources, \(p.definition.measures.count) measures, \(p.indicators.count) indicators)"
        )
    }
}
