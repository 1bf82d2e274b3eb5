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
    static func groups(_ settings: GroupSettings?, pipeline: Pipeline, regions: RegionCatalog, structureYear: Int, years: [Int]) throws -> [ComparisonGroup] {
        guard let settings else { return [] }
        var out: [ComparisonGroup] = []
        if settings.national ?? false {
            out.append(ComparisonGroup(code: "EAK", name: "Landet", kind: .national, members: [:]))
        }
        if let path = settings.counties {
            let rows = try csvRows(try resolve(path, pipeline), what: "counties")
            let valid = rows.filter { r in
                (Int(r["valid_from"] ?? "").map { structureYear >= $0 } ?? true) && (Int(r["valid_to"] ?? "").map { structureYear <= $0 } ?? true)
            }
            // Members: codes of the target structure seen anywhere in the catalogue or the data.
            for r in valid {
                guard let code = r["code"], let name = r["name"] else { continue }
                out.append(ComparisonGroup(code: "EKA\(code)", name: name, kind: .county, members: [nil: []]))
            }
        }
        if let path = settings.kostragrupper {
            let file = try resolve(path, pipeline)
            var groups: [String: (name: String, members: [Int?: Set<String>])] = [:]
            for (i, r) in try csvRows(file, what: "kostragrupper").enumerated() {
                guard let ys = r["years"], let g = r["group"], let code = r["kommune"] else {
                    throw DefinitionError(["\(file): row \(i + 1): expected years, group, name and kommune"])
                }
                let bounds = ys.split(separator: "-").compactMap { Int($0) }
                guard let lo = bounds.first, let hi = bounds.last, bounds.count <= 2 else {
                    throw DefinitionError(["\(file): row \(i + 1): years \"\(ys)\" is not YYYY or YYYY-YYYY"])
                }
                var entry = groups[g] ?? (r["name"] ?? g, [:])
                for y in lo...hi {
                    // A member named by the code valid that year, mapped to the target structure.
                    var targets: [String] = [code]
                    if regions.isValid(code, in: y), case .mapped(let parts) = regions.map(code, year: y, to: structureYear) { targets = parts.map(\.target) }
                    for t in targets { entry.members[y, default: []].insert(t) }
                }
                groups[g] = entry
            }
            for (code, g) in groups.sorted(by: { $0.key < $1.key }) {
                out.append(ComparisonGroup(code: code, name: g.name, kind: .kostragruppe, members: g.members))
            }
        }
        for a in settings.adhoc ?? [] {
            out.append(ComparisonGroup(code: a.code, name: a.name, kind: .adhoc, members: [nil: Set(a.members)]))
        }
        return out
    }

    /// Fills county membership from the municipal codes that have values.
    static func withCountyMembers(_ groups: [ComparisonGroup], codes: Set<String>) -> [ComparisonGroup] {
        groups.map { g in
            guard g.kind == .county else { return g }
            var g = g
            let prefix = String(g.code.dropFirst(3))
            g.members = [nil: Set(codes.filter { $0.hasPrefix(prefix) && $0.count == 4 })]
            return g
        }
    }

    static func resolve(_ path: String, _ pipeline: Pipeline) throws -> String {
        switch safePath(path, folder: pipeline.folder) {
        case .success(let p): return p
        case .failure(let e): throw DefinitionError(["\(pipeline.path): error: groups: \(e.description)"])
        }
    }

    /// A small CSV with a header; `#` lines are comments.
    static func csvRows(_ path: String, what: String) throws -> [[String: String]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw RunFailure("\(path): error: \(what) file not found") }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) else { return [] }
        return lines.dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var row: [String: String] = [:]
            for (i, h) in header.enumerated() where i < f.count { row[h] = f[i] }
            return row
        }
    }
}
