import Foundation
import GRDB

/// A scratch folder with a copy of the repository's `pipelines/`, removed by the caller.
public func scratchWithPipelines() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("etl-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("pipelines"), to: dir.appendingPathComponent("pipelines"))
    return dir
}

/// Opens a warehouse read-only, as a statistician's query would.
public func openWarehouse(_ url: URL) throws -> DatabaseQueue {
    var c = Configuration()
    c.readonly = true
    return try DatabaseQueue(path: url.path, configuration: c)
}

/// Writes a small pipeline definition: the top-level keys, a list of sources and measures, and
/// any further YAML verbatim. Tests describe only what they vary.
public struct PipelineBuilder: Sendable {
    public struct Source: Sendable {
        public var id: String
        public var path: String
        /// Further keys of the source, one `key: value` per entry.
        public var keys: [String]
        public init(id: String, path: String, keys: [String] = []) { self.id = id; self.path = path; self.keys = keys }
    }

    public struct Measure: Sendable {
        public var name: String
        /// The measure's keys, one `key: value` per entry (`source: data`, `contents: "…"`).
        public var keys: [String]
        public init(_ name: String, _ keys: [String]) { self.name = name; self.keys = keys }
    }

    public var name: String
    public var warehouse: String
    public var catalog: String = "kommuneendringer.csv"
    public var indicators: String
    public var maxRejects: Int? = nil
    public var sources: [Source] = []
    public var measures: [Measure] = []
    /// YAML appended at the end (groups, harmonisation, …), indented as top level.
    public var extra: String = ""

    public init(name: String, warehouse: String, indicators: String) {
        self.name = name
        self.warehouse = warehouse
        self.indicators = indicators
    }

    /// The definition as YAML text.
    public var yaml: String {
        var y = "name: \(name)\nwarehouse: \(warehouse)\ncatalog: \(catalog)\nindicators: \(indicators)\n"
        if let maxRejects { y += "max_rejects: \(maxRejects)\n" }
        y += "sources:\n"
        for s in sources {
            y += "  - id: \(s.id)\n    path: \(s.path)\n"
            for k in s.keys { y += "    \(k)\n" }
        }
        if measures.isEmpty {
            y += "measures: {}\n"
        } else {
            y += "measures:\n"
            for m in measures {
                y += "  \(m.name):\n"
                for k in m.keys { y += "    \(k)\n" }
            }
        }
        return y + extra
    }

    /// Writes the definition to `url`.
    public func write(to url: URL) throws { try Data(yaml.utf8).write(to: url) }
}
