import Foundation
import Transform

/// Comparison groups declared in a pipeline.
public struct GroupSettings: Codable, Sendable {
    /// The whole country: every municipality with a value.
    public var national: Bool?
    /// Counties from a county list (`code,name,valid_from,valid_to`), by the first two digits
    /// of the municipality code in the target structure.
    public var counties: String?
    /// KOSTRA group membership per year (`years,group,name,kommune`).
    public var kostragrupper: String?
    /// Groups declared here, e.g. the municipalities of a trial.
    public var adhoc: [AdhocGroup]?

    public struct AdhocGroup: Codable, Sendable {
        public var code: String
        public var name: String
        public var members: [String]
    }
}

enum GroupLoader {
    /// Builds the comparison groups for a structure year.
    static func groups(_ settings: GroupSettings?, pipeline: Pipeline, regions: RegionCatalog, structureYear: Int, years: [Int]) throws
        -> [ComparisonGroup]
    {
        guard let settings else { return [] }
        var out: [ComparisonGroup] = []
        if settings.national ?? false {
            out.append(ComparisonGroup(code: "EAK", name: "Landet", kind: .national, members: [:]))
        }
        if let path = settings.counties {
            let rows = try csvRows(try resolve(path, pipeline), what: "counties")
            let counties = rows.compactMap { r -> GroupMembership.County? in
                guard let code = r["code"], let name = r["name"] else { return nil }
                return GroupMembership.County(
                    code: code, name: name, validFrom: Int(r["valid_from"] ?? ""), validTo: Int(r["valid_to"] ?? ""))
            }
            // Members are the target structure's codes with values, filled in after deriving.
            out += GroupMembership.counties(counties, structureYear: structureYear)
        }
        if let path = settings.kostragrupper {
            let file = try resolve(path, pipeline)
            var rows: [GroupMembership.KostraMember] = []
            for (i, r) in try csvRows(file, what: "kostragrupper").enumerated() {
                guard let ys = r["years"], let g = r["group"], let code = r["kommune"] else {
                    throw PipelineError.definition(["\(file): row \(i + 1): expected years, group, name and kommune"])
                }
                let bounds = ys.split(separator: "-").compactMap { Int($0) }
                guard let lo = bounds.first, let hi = bounds.last, bounds.count <= 2 else {
                    throw PipelineError.definition(["\(file): row \(i + 1): years \"\(ys)\" is not YYYY or YYYY-YYYY"])
                }
                rows.append(GroupMembership.KostraMember(years: lo...hi, group: g, name: r["name"] ?? g, kommune: code))
            }
            out += GroupMembership.kostragrupper(rows, regions: regions, structureYear: structureYear)
        }
        for a in settings.adhoc ?? [] {
            out.append(ComparisonGroup(code: a.code, name: a.name, kind: .adhoc, members: [nil: Set(a.members)]))
        }
        return out
    }

    static func resolve(_ path: String, _ pipeline: Pipeline) throws -> String {
        switch safePath(path, folder: pipeline.folder) {
        case .success(let p): return p
        case .failure(let e): throw PipelineError.definition(["\(pipeline.path): error: groups: \(e.description)"])
        }
    }

    /// A small CSV with a header; `#` lines are comments.
    static func csvRows(_ path: String, what: String) throws -> [[String: String]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.run("\(path): error: \(what) file not found")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard
            let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map({
                $0.trimmingCharacters(in: .whitespaces)
            })
        else { return [] }
        return lines.dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var row: [String: String] = [:]
            for (i, h) in header.enumerated() where i < f.count { row[h] = f[i] }
            return row
        }
    }
}
