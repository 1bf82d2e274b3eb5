import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// A pipeline definition file, decoded and resolved against its folder.
public struct PipelineDefinition: Codable, Sendable {
    public var name: String
    public var description: String?
    public var warehouse: String?
    public var catalog: String?
    /// The folder of the kommune and fylke register (`kommuner.csv`, `fylker.csv`, `reestablished.csv`).
    public var register: String?
    public var indicators: String?
    public var max_rejects: Int?
    public var harmonisation: HarmonisationSettings?
    public var groups: GroupSettings?
    public var fetch: FetchDefaults?
    public var sources: [SourceDefinition]
    public var measures: [String: MeasureDefinition]
}
