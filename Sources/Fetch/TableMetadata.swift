import Foundation

/// What the fetcher needs from a PxWebApi v2 metadata response (JSON-stat 2.0 with an empty `value`):
/// the dimensions in order with their codes, which is time and which is contents, and `updated`.
public struct TableMetadata: Sendable, Equatable {
    public struct Dimension: Sendable, Equatable {
        public var id: String
        public var label: String?
        /// Category codes in position order.
        public var codes: [String]
        /// The API may leave the dimension out of a selection (it is then summed or dropped).
        public var elimination: Bool
        public var role: Role
        /// Code lists the table offers for this dimension (ids), when the metadata lists them.
        public var codelists: [String]?
    }

    public enum Role: String, Sendable { case time, metric, geo, other }

    public var table: String
    public var label: String?
    public var updated: String?
    public var dimensions: [Dimension]

    public func dimension(_ id: String) -> Dimension? { dimensions.first { $0.id == id } }

    /// Parses a metadata response; errors say what was expected.
    public static func parse(_ data: Data, table: String) throws -> TableMetadata {
        let root: [String: Any]
        do {
            guard let r = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw FetchError.metadata("not a JSON object")
            }
            root = r
        } catch let e as FetchError { throw e } catch { throw FetchError.metadata("not valid JSON (\(data.count) bytes; cut short?)") }
        if let cls = root["class"] as? String, cls != "dataset" { throw FetchError.metadata("class is \"\(cls)\", expected \"dataset\"") }
        guard let ids = root["id"] as? [String], !ids.isEmpty else { throw FetchError.metadata("no `id` list of dimensions") }
        guard let dims = root["dimension"] as? [String: Any] else { throw FetchError.metadata("no `dimension` object") }
        let role = root["role"] as? [String: Any] ?? [:]
        let timeIds = Set(role["time"] as? [String] ?? [])
        let metricIds = Set(role["metric"] as? [String] ?? [])
        let geoIds = Set(role["geo"] as? [String] ?? [])
        var out: [Dimension] = []
        for id in ids {
            guard let d = dims[id] as? [String: Any], let cat = d["category"] as? [String: Any] else {
                throw FetchError.metadata("dimension \(id) has no `category`")
            }
            let codes: [String]
            if let list = cat["index"] as? [String] {
                codes = list
            } else if let obj = cat["index"] as? [String: Any] {
                // Sort by position; SSB once sent positions outside `size`, so positions only order.
                codes = obj.compactMap { k, v in (v as? NSNumber).map { (k, $0.intValue) } }.sorted { $0.1 < $1.1 }.map(\.0)
            } else if let labels = cat["label"] as? [String: Any], labels.count == 1 {
                codes = Array(labels.keys)
            } else {
                throw FetchError.metadata("dimension \(id) has no `category.index`")
            }
            let ext = d["extension"] as? [String: Any]
            let elimination = (ext?["elimination"] as? NSNumber)?.boolValue ?? false
            let lists = (ext?["codelists"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            let r: Role =
                timeIds.contains(id) || (timeIds.isEmpty && id == "Tid")
                ? .time
                : metricIds.contains(id) || (metricIds.isEmpty && id == "ContentsCode")
                    ? .metric
                    : geoIds.contains(id) ? .geo : .other
            out.append(Dimension(id: id, label: d["label"] as? String, codes: codes, elimination: elimination, role: r, codelists: lists))
        }
        let updated = root["updated"] as? String ?? ((root["extension"] as? [String: Any])?["px"] as? [String: Any])?["updated"] as? String
        return TableMetadata(table: table, label: root["label"] as? String, updated: updated, dimensions: out)
    }

    /// Codes of a PxWebApi v2 code list response (`{"id": …, "values": [{"code": …, "label": …}]}`).
    public static func parseCodeList(_ data: Data) throws -> [String] {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw FetchError.metadata("code list is not a JSON object")
        }
        guard let values = root["values"] as? [[String: Any]] else { throw FetchError.metadata("code list has no `values` list") }
        let codes = values.compactMap { $0["code"] as? String }
        if codes.isEmpty { throw FetchError.metadata("code list has no codes") }
        return codes
    }
}
