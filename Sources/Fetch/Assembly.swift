import Foundation

/// Checking responses and putting split responses back together.
public enum Assembly {
    /// A parsed JSON-stat 2.0 dataset, values dense.
    struct Dataset {
        var root: [String: Any]
        var ids: [String]
        var sizes: [Int]
        /// Category codes per dimension, in position order.
        var categories: [[String]]
        /// One entry per cell (NSNull where the value is missing).
        var values: [Any]
        /// Status symbols by cell index.
        var status: [Int: String]
    }

    /// Cells a dataset may have before it is refused (a guard against absurd `size`s).
    static let maxCells = 200_000_000

    /// Parses and checks a JSON-stat 2.0 dataset: class, id/size, categories, and `value` of the right length.
    static func parseDataset(_ data: Data) throws -> Dataset {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch {
            throw FetchError.assembly("not valid JSON (\(data.count) bytes; cut short?)")
        }
        guard let root = any as? [String: Any] else { throw FetchError.assembly("not a JSON object") }
        guard let cls = root["class"] as? String else { throw FetchError.assembly("no `class`; expected a JSON-stat 2.0 dataset") }
        guard cls == "dataset" else { throw FetchError.assembly("class is \"\(cls)\", expected \"dataset\"") }
        guard let ids = root["id"] as? [String], !ids.isEmpty else { throw FetchError.assembly("no `id` list") }
        guard let sizeNums = root["size"] as? [NSNumber], sizeNums.count == ids.count else {
            throw FetchError.assembly("`size` missing or not as long as `id` (\(ids.count))")
        }
        let sizes = sizeNums.map(\.intValue)
        guard sizes.allSatisfy({ $0 >= 0 }) else { throw FetchError.assembly("negative `size`") }
        var total = 1
        for s in sizes {
            let (r, o) = total.multipliedReportingOverflow(by: s)
            guard !o, r <= maxCells else { throw FetchError.assembly("`size` \(sizes) is more than \(maxCells) cells") }
            total = r
        }
        guard let dims = root["dimension"] as? [String: Any] else { throw FetchError.assembly("no `dimension` object") }
        var categories: [[String]] = []
        for (n, id) in ids.enumerated() {
            guard let d = dims[id] as? [String: Any], let cat = d["category"] as? [String: Any] else {
                throw FetchError.assembly("dimension \(id) has no `category`")
            }
            var codes: [String]
            if let list = cat["index"] as? [String] {
                codes = list
            } else if let obj = cat["index"] as? [String: Any] {
                codes = Array(repeating: "", count: sizes[n])
                for (k, v) in obj {
                    guard let p = (v as? NSNumber)?.intValue, p >= 0, p < sizes[n], codes[p].isEmpty else {
                        throw FetchError.assembly(
                            "dimension \(id): category \(k) has position \(v), outside 0..<\(sizes[n]) or taken twice")
                    }
                    codes[p] = k
                }
            } else if let labels = cat["label"] as? [String: Any], labels.count == 1 {
                codes = Array(labels.keys)
            } else {
                throw FetchError.assembly("dimension \(id) has no `category.index`")
            }
            guard codes.count == sizes[n] else {
                throw FetchError.assembly("dimension \(id) has \(codes.count) categories but size \(sizes[n])")
            }
            categories.append(codes)
        }
        var values: [Any]
        if let list = root["value"] as? [Any] {
            guard list.count == total else {
                throw FetchError.assembly("`value` has \(list.count) entries, expected \(total) (product of size \(sizes))")
            }
            values = list
        } else if let obj = root["value"] as? [String: Any] {
            values = Array(repeating: NSNull(), count: total)
            for (k, v) in obj {
                guard let i = Int(k), i >= 0, i < total else { throw FetchError.assembly("`value` key \"\(k)\" outside 0..<\(total)") }
                values[i] = v
            }
        } else {
            throw FetchError.assembly("no `value`")
        }
        var status: [Int: String] = [:]
        if let s = root["status"] as? String {
            for i in 0..<total { status[i] = s }
        } else if let list = root["status"] as? [Any] {
            if list.count == 1, let s = list[0] as? String {
                for i in 0..<total { status[i] = s }
            } else {
                guard list.count == total else { throw FetchError.assembly("`status` has \(list.count) entries, expected \(total)") }
                for (i, v) in list.enumerated() { if let s = v as? String { status[i] = s } }
            }
        } else if let obj = root["status"] as? [String: Any] {
            for (k, v) in obj {
                guard let i = Int(k), i >= 0, i < total else { throw FetchError.assembly("`status` key \"\(k)\" outside 0..<\(total)") }
                if let s = v as? String { status[i] = s }
            }
        }
        return Dataset(root: root, ids: ids, sizes: sizes, categories: categories, values: values, status: status)
    }

    /// Checks one JSON-stat 2.0 dataset response.
    public static func validateJSONStat(_ data: Data) throws { _ = try parseDataset(data) }

    /// Merges datasets that are parts of one query split along some dimensions into one JSON-stat 2.0
    /// dataset: each dimension's categories are the union in order of appearance, values and statuses
    /// are placed by their codes and flattened row-major again. Other fields come from the first part.
    public static func mergeJSONStat(_ parts: [Data]) throws -> Data {
        guard !parts.isEmpty else { throw FetchError.assembly("nothing to merge") }
        if parts.count == 1 { try validateJSONStat(parts[0]); return parts[0] }
        var sets: [Dataset] = []
        for (i, p) in parts.enumerated() {
            do { sets.append(try parseDataset(p)) } catch FetchError.assembly(let message) {
                throw FetchError.assembly("part \(i + 1) of \(parts.count): \(message)")
            }
        }
        let ids = sets[0].ids
        for (i, s) in sets.enumerated() where s.ids != ids {
            throw FetchError.assembly("part \(i + 1) has dimensions \(s.ids), part 1 has \(ids)")
        }
        // Union of categories, in order of first appearance.
        var merged: [[String]] = Array(repeating: [], count: ids.count)
        var position: [[String: Int]] = Array(repeating: [:], count: ids.count)
        for s in sets {
            for d in 0..<ids.count {
                for c in s.categories[d] where position[d][c] == nil {
                    position[d][c] = merged[d].count
                    merged[d].append(c)
                }
            }
        }
        let sizes = merged.map(\.count)
        var total = 1
        for s in sizes {
            let (r, o) = total.multipliedReportingOverflow(by: s)
            guard !o, r <= maxCells else { throw FetchError.assembly("merged size \(sizes) is more than \(maxCells) cells") }
            total = r
        }
        var strides = Array(repeating: 1, count: ids.count)
        if ids.count > 1 { for d in stride(from: ids.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * sizes[d + 1] } }
        var values: [Any] = Array(repeating: NSNull(), count: total)
        var status: [String: String] = [:]
        var filled = [Bool](repeating: false, count: total)
        for (n, s) in sets.enumerated() {
            let map: [[Int]] = (0..<ids.count).map { d in s.categories[d].map { position[d][$0]! } }
            let count = s.values.count
            guard count > 0 else { continue }
            var coord = Array(repeating: 0, count: ids.count)
            for i in 0..<count {
                var m = 0
                for d in 0..<ids.count { m += map[d][coord[d]] * strides[d] }
                if filled[m] { throw FetchError.assembly("parts overlap: cell \(m) appears in part \(n + 1) and an earlier part") }
                filled[m] = true
                values[m] = s.values[i]
                if let st = s.status[i] { status[String(m)] = st }
                // Advance the odometer, last dimension fastest.
                var d = ids.count - 1
                while d >= 0 {
                    coord[d] += 1
                    if coord[d] < s.sizes[d] { break }
                    coord[d] = 0
                    d -= 1
                }
            }
        }
        var root = sets[0].root
        root["id"] = ids
        root["size"] = sizes
        root["value"] = values
        if status.isEmpty { root.removeValue(forKey: "status") } else { root["status"] = status }
        var dims = root["dimension"] as? [String: Any] ?? [:]
        for (d, id) in ids.enumerated() {
            var dim = dims[id] as? [String: Any] ?? [:]
            var cat = dim["category"] as? [String: Any] ?? [:]
            cat["index"] = merged[d]
            for key in ["label", "unit", "note", "child", "coordinates"] {
                var union: [String: Any] = [:]
                var any = false
                for s in sets {
                    let sc = ((s.root["dimension"] as? [String: Any])?[id] as? [String: Any])?["category"] as? [String: Any]
                    if let m = sc?[key] as? [String: Any] {
                        any = true
                        for (k, v) in m where union[k] == nil { union[k] = v }
                    }
                }
                if any { cat[key] = union }
            }
            dim["category"] = cat
            dims[id] = dim
        }
        root["dimension"] = dims
        do { return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]) } catch {
            throw FetchError.assembly("could not write the merged dataset: \(error)")
        }
    }

    /// Checks a CSV response: not empty, and a header line first.
    public static func validateCSV(_ data: Data) throws {
        let body = stripBOM(data)
        guard !body.isEmpty else { throw FetchError.assembly("empty CSV") }
        let header = firstLine(body)
        guard !header.allSatisfy({ $0 == 0x20 || $0 == 0x09 }), !header.isEmpty else { throw FetchError.assembly("CSV has no header line") }
        if body.first == UInt8(ascii: "{") || body.first == UInt8(ascii: "<") {
            throw FetchError.assembly("expected CSV, got JSON or HTML/XML")
        }
    }

    /// Joins CSV parts of one split query, keeping the first part's header only. Parts must have the same header.
    public static func concatCSV(_ parts: [Data]) throws -> Data {
        guard let first = parts.first else { throw FetchError.assembly("nothing to join") }
        try validateCSV(first)
        var out = first
        let header = trimmedEOL(firstLine(stripBOM(first)))
        let eol: [UInt8] = firstLine(first).suffix(2).elementsEqual([0x0D, 0x0A]) ? [0x0D, 0x0A] : [0x0A]
        for (i, p) in parts.enumerated().dropFirst() {
            try validateCSV(p)
            let body = stripBOM(p)
            let h = firstLine(body)
            guard trimmedEOL(h) == header else {
                throw FetchError.assembly(
                    "part \(i + 1) has a different CSV header from part 1 (split along a heading dimension?); fetch json-stat2 instead")
            }
            if let last = out.last, last != 0x0A { out.append(contentsOf: eol) }
            out.append(body.subdata(in: body.startIndex + h.count..<body.endIndex))
        }
        return out
    }

    /// Checks a KLASS change-list response (JSON with `codeChanges`, or CSV whose header names `oldCode`).
    public static func validateKlass(_ data: Data, format: FetchSpec.Format) throws {
        if format == .csv {
            try validateCSV(data)
            let header = String(decoding: firstLine(stripBOM(data)), as: UTF8.self).lowercased()
            guard header.contains("oldcode") else { throw FetchError.assembly("KLASS CSV header does not name oldCode") }
            return
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw FetchError.assembly("not valid JSON (\(data.count) bytes; cut short?)")
        }
        guard root["codeChanges"] is [Any] else { throw FetchError.assembly("no `codeChanges` list; expected a KLASS change list") }
    }

    static func stripBOM(_ d: Data) -> Data {
        d.starts(with: [0xEF, 0xBB, 0xBF]) ? d.subdata(in: d.startIndex + 3..<d.endIndex) : d
    }

    /// The first line including its line end.
    static func firstLine(_ d: Data) -> Data {
        guard let nl = d.firstIndex(of: 0x0A) else { return d }
        return d.subdata(in: d.startIndex..<nl + 1)
    }

    static func trimmedEOL(_ d: Data) -> Data {
        var e = d.endIndex
        while e > d.startIndex, d[e - 1] == 0x0A || d[e - 1] == 0x0D { e -= 1 }
        return d.subdata(in: d.startIndex..<e)
    }
}
