import GRDB
import Transform
import Warehouse

/// `etl report`: the former municipalities' own figures as published, computed from the staged
/// cells with the warehouse's pipeline (its measures and formulas). The report shows them
/// beside the harmonised series; the command line hands them to the Report module.
public enum PublishedPredecessors {
    public enum Outcome: Sendable {
        /// The values by indicator code, for every predecessor code the warehouse has.
        case values([String: [IndicatorValue]])
        /// The warehouse's facts were published by another pipeline (its name, if it has
        /// one): its staged cells cannot be read with this pipeline's definitions.
        case otherPipeline(owner: String?)
    }

    /// The predecessors' values as published, when `pipeline` is the one that built the warehouse.
    public static func read(_ db: Database, pipeline: Pipeline) throws -> Outcome {
        let owner = try Warehouse.factsPipeline(db)
        guard let owner, owner == pipeline.definition.name else { return .otherPipeline(owner: owner) }
        let codes = try Warehouse.predecessorCodes(db)
        return .values(try AsPublished.indicators(db, pipeline: pipeline, codes: codes))
    }
}
