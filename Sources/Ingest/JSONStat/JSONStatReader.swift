// Why this file is long: one streaming reader: the dataset, collection and bundle shapes, every
// validator rule and the cell walk share one state, so they stay together (the byte scanner is
// JSONScanner.swift).

/// What a user may choose when reading JSON-stat.
public struct JSONStatOptions: Sendable {
    /// Re-rank `category.index` positions that are unique but gapped or outside `[0, size)`
    /// (SSB's metadata_14216.json has `{"0801": 159, "0802": 160}` for size 2), with a warning,
    /// instead of rejecting the file. Duplicate positions are an error either way.
    public var lenientIndex: Bool
    /// Display name used in locations instead of the path.
    public var displayName: String?
    /// The most cells a dataset may declare (product of `size`); larger files are refused
    /// before anything is allocated.
    public var maxCells: Int

    public init(lenientIndex: Bool = false, displayName: String? = nil, maxCells: Int = 50_000_000) {
        self.lenientIndex = lenientIndex
        self.displayName = displayName
        self.maxCells = maxCells
    }
}

/// Reads JSON-stat (docs/FORMATS.md, "JSON-stat"), streaming: a 2.0 `dataset`, a 2.0 `collection` with
/// embedded datasets, or a 1.x bundle (top-level members that are datasets, with `id`, `size`
/// and `role` inside `dimension`).
///
/// Two passes over the file: the first builds a small tree of everything except the contents
/// of `value` and `status`, which it only validates, counts and locates; the second streams
/// `value` (and `status` in step, through a second cursor) and emits one cell per position,
/// row-major over `id`/`size`. Memory is bounded by the metadata, not by the number of cells.
///
/// Errors name the rule they break with the JSON-stat validator's codes
/// (`VALUE_LEN_MISMATCH: …`), the JSON path (`dimension.Tid.category.index`) and line:column.
/// Problems the validator calls warnings are collected in `warnings` and in the schema's
/// `metadata["warnings"]` instead of rejecting the file.
public final class JSONStatReader {
    public let path: String
    public let options: JSONStatOptions
    /// Warnings from the last `read` (rule code first, like errors).
    public private(set) var warnings: [ReadError] = []
    private var file: String { options.displayName ?? path }

    public init(path: String, options: JSONStatOptions = JSONStatOptions()) throws {
        self.path = path
        self.options = options
        // Fail early on a missing or unreadable file.
        _ = try JSONByteReader(path: path, name: options.displayName ?? path)
    }

    /// Whether the file's first non-blank byte (after a UTF-8 BOM) is `{`.
    public static func looksLikeJSON(path: String) -> Bool {
        guard let (bytes, _) = try? ChunkedFile.head(path: path, count: 4096) else { return false }
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        return i < bytes.count && bytes[i] == 0x7B
    }

    public func read<S: CellSink>(into sink: inout S) throws {
        warnings = []
        let reader = try JSONByteReader(path: path, name: file)
        let root = try parseDocument(reader)
        var context = Context(reader: reader, file: file, options: options)
        let refs = try context.locateDatasets(root)
        context.documentWarningCount = context.warnings.count
        var prepared: [PreparedDataset] = []
        for ref in refs { prepared.append(try context.prepare(ref)) }
        warnings = context.warnings
        let statusReader = try JSONByteReader(path: path, name: file, capacity: 1 << 16)
        for p in prepared {
            try CellEmitter(dataset: p, valueReader: reader, statusReader: statusReader, file: file).emit(into: &sink)
        }
    }

    /// Parses everything but `value`/`status` contents into a tree, checking the syntax of all.
    private func parseDocument(_ reader: JSONByteReader) throws -> JSONNode {
        try reader.skipBOM()
        let c = try reader.skipWhitespace()
        if c < 0 {
            throw ReadError(
                SourceLocation(file: file, line: 1), "PARSE_ERROR: the file is empty; expected a JSON-stat document (a JSON object)")
        }
        guard c == JSONByte.openBrace else {
            throw reader.syntaxError(
                "expected a JSON object ('{') at the start of a JSON-stat document, found \(JSONByteReader.describe(byte: c))")
        }
        let root = try JSONTreeParser(reader: reader, deferValues: true).parseValue()
        let after = try reader.skipWhitespace()
        if after >= 0 {
            throw reader.syntaxError(
                "unexpected \(JSONByteReader.describe(byte: after)) after the end of the JSON document; expected the end of the file")
        }
        return root
    }
}

// MARK: - First pass: locate, validate and describe datasets

/// A dataset inside the document and the JSON path prefix of its members.
struct DatasetRef {
    var node: JSONNode
    /// `""`, `"oecd."` (bundle member) or `"link.item[0]."` (collection item).
    var prefix: String
    var format: String
}

/// Where a dataset's cell values come from.
enum ValueSource {
    /// No cells: an empty `value` (a metadata response) or a cube with a zero size.
    case none
    case dense(offset: Int, count: Int)
    case sparse(offset: Int, ascending: Bool)
}

/// Where a dataset's statuses come from.
enum StatusSource {
    case none
    /// One status for every cell (a string, or an array of one).
    case constant(String?)
    case dense(offset: Int)
    case sparse(offset: Int, ascending: Bool)
}

struct PreparedDataset {
    var schema: DatasetSchema
    /// Category codes by dimension (in `id` order) and position.
    var codes: [[String]]
    var sizes: [Int]
    var product: Int
    var prefix: String
    var value: ValueSource
    var status: StatusSource
}

struct Context {
    let reader: JSONByteReader
    let file: String
    let options: JSONStatOptions
    var warnings: [ReadError] = []
    /// Warnings about the whole document (found while locating datasets).
    var documentWarningCount = 0
    static let maxCollectionDepth = 8

    init(reader: JSONByteReader, file: String, options: JSONStatOptions) {
        self.reader = reader
        self.file = file
        self.options = options
    }

    private var parser: JSONTreeParser { JSONTreeParser(reader: reader, deferValues: false) }

    /// An error at a JSON path, with the line and column of `node`.
    func error(_ path: String, _ node: JSONNode?, _ message: String) -> ReadError {
        var loc = SourceLocation(file: file, path: path.isEmpty ? nil : path)
        if let node {
            let (line, column) = reader.lineColumn(of: node.offset)
            loc.line = line
            loc.column = column
        }
        return ReadError(loc, message)
    }

    mutating func warn(_ path: String, _ node: JSONNode?, _ message: String) {
        warnings.append(error(path, node, message))
    }

    // MARK: Document classes

    mutating func locateDatasets(_ root: JSONNode) throws -> [DatasetRef] {
        let classNode = root["class"]
        if let classNode, classNode.string == nil {
            throw error(
                "class", classNode,
                "STRUCTURAL_VIOLATION: class must be a string (\"dataset\" or \"collection\"), found \(classNode.typeName)")
        }
        switch classNode?.string {
        case "dataset":
            try checkVersion(root, required: true)
            return [DatasetRef(node: root, prefix: "", format: "json-stat 2.0 dataset")]
        case "collection":
            try checkVersion(root, required: true)
            var refs: [DatasetRef] = []
            var linkOnly: [String] = []
            try collectItems(root, prefix: "", depth: 0, into: &refs, linkOnly: &linkOnly)
            if refs.isEmpty {
                let first = linkOnly.first.map { " (first: \($0))" } ?? ""
                throw error(
                    "link.item", root["link"]?["item"],
                    "the collection embeds no dataset: its \(linkOnly.count) dataset item(s) only link by href\(first); download those datasets and read them one by one"
                )
            }
            return refs
        case "bundle", nil:
            return try bundleMembers(root, explicitClass: classNode != nil)
        case "dimension":
            throw error(
                "class", classNode,
                "STRUCTURAL_VIOLATION: class \"dimension\" describes one dimension and has no values; expected class \"dataset\" or \"collection\""
            )
        case let other?:
            throw error(
                "class", classNode,
                "STRUCTURAL_VIOLATION: unknown class \"\(other)\"; expected \"dataset\" or \"collection\" (JSON-stat 2.0) or a 1.x bundle")
        }
    }

    /// `version` must be "2.0" (or a later 2.x) for classes; bundles may omit it.
    private func checkVersion(_ root: JSONNode, required: Bool) throws {
        guard let v = root["version"] else {
            if required {
                throw error("version", nil, "STRUCTURAL_VIOLATION: version missing; expected \"version\": \"2.0\" beside \"class\"")
            }
            return
        }
        guard let s = v.string else {
            throw error("version", v, "STRUCTURAL_VIOLATION: version must be a string such as \"2.0\", found \(v.typeName)")
        }
        let known = s.hasPrefix("2.") || (!required && s.hasPrefix("1."))
        if !known {
            throw error("version", v, "STRUCTURAL_VIOLATION: unknown JSON-stat version \"\(s)\"; expected \"2.0\"")
        }
    }

    private mutating func collectItems(
        _ node: JSONNode, prefix: String, depth: Int, into refs: inout [DatasetRef], linkOnly: inout [String]
    ) throws {
        guard let link = node["link"] else { return }
        guard let itemNode = link["item"] else { return }
        guard let items = itemNode.elements else {
            throw error(
                prefix + "link.item", itemNode, "STRUCTURAL_VIOLATION: link.item must be an array of items, found \(itemNode.typeName)")
        }
        for (i, item) in items.enumerated() {
            let p = prefix + "link.item[\(i)]."
            guard item.members != nil else {
                throw error(String(p.dropLast()), item, "STRUCTURAL_VIOLATION: a collection item must be an object, found \(item.typeName)")
            }
            switch item["class"]?.string {
            case "dataset":
                if item["dimension"] != nil || item["value"] != nil {
                    refs.append(DatasetRef(node: item, prefix: p, format: "json-stat 2.0 collection"))
                } else {
                    linkOnly.append(item["href"]?.string ?? String(p.dropLast()))
                }
            case "collection":
                if depth + 1 >= Context.maxCollectionDepth {
                    warn(
                        String(p.dropLast()), item,
                        "RECURSION_LIMIT: collections nested deeper than \(Context.maxCollectionDepth) levels; the items below were not read"
                    )
                } else {
                    try collectItems(item, prefix: p, depth: depth + 1, into: &refs, linkOnly: &linkOnly)
                }
            default:
                continue
            }
        }
    }

    /// Top-level members that are datasets (objects with a `dimension`).
    private mutating func bundleMembers(_ root: JSONNode, explicitClass: Bool) throws -> [DatasetRef] {
        let reserved: Set<String> = ["version", "class", "href", "label", "note", "source", "updated", "error", "extension", "link"]
        var refs: [DatasetRef] = []
        for m in root.members ?? [] where !reserved.contains(m.key) {
            if m.value.members != nil && m.value["dimension"] != nil {
                refs.append(DatasetRef(node: m.value, prefix: m.key + ".", format: "json-stat 1.x bundle"))
            }
        }
        if refs.isEmpty {
            if root["dimension"] != nil || root["value"] != nil {
                throw error(
                    "class", nil,
                    "STRUCTURAL_VIOLATION: class missing; a dataset needs \"version\": \"2.0\" and \"class\": \"dataset\" (or, in JSON-stat 1.x, to sit inside a bundle)"
                )
            }
            let keys = (root.members ?? []).prefix(5).map { "\"\($0.key)\"" }.joined(separator: ", ")
            throw error(
                "", root,
                "STRUCTURAL_VIOLATION: not a JSON-stat document: no class, and no top-level member is a dataset (an object with \"dimension\"); found the keys \(keys.isEmpty ? "(none)" : keys)"
            )
        }
        try checkVersion(root, required: false)
        warn(
            root["version"] != nil ? "version" : "", root,
            "BUNDLE_DEPRECATED: pre-2.0 bundle response detected (\(refs.count) dataset(s)); JSON-stat 2.0 uses class \"collection\"")
        return refs
    }

    // MARK: One dataset

    mutating func prepare(_ ref: DatasetRef) throws -> PreparedDataset {
        let ds = ref.node
        let p = ref.prefix
        let warningsBefore = warnings.count
        let documentWarnings = warnings.prefix(documentWarningCount)
        guard ds.members != nil else {
            throw error(String(p.dropLast()), ds, "STRUCTURAL_VIOLATION: a dataset must be an object, found \(ds.typeName)")
        }
        guard let rawDim = ds["dimension"] else {
            throw error(p + "dimension", ds, "STRUCTURAL_VIOLATION: dimension missing; expected an object with one member per dimension id")
        }
        let dimNode = try parser.resolve(rawDim)
        guard dimNode.members != nil else {
            throw error(p + "dimension", dimNode, "STRUCTURAL_VIOLATION: dimension must be an object, found \(dimNode.typeName)")
        }
        // JSON-stat 1.x keeps id, size and role inside `dimension`.
        let legacy = ds["id"] == nil && dimNode["id"] != nil
        let idPath = p + (legacy ? "dimension.id" : "id")
        let sizePath = p + (legacy ? "dimension.size" : "size")
        let idNode = legacy ? dimNode["id"] : ds["id"]
        let sizeNode = legacy ? dimNode["size"] : ds["size"]

        // id
        guard let idNode else { throw error(idPath, ds, "STRUCTURAL_VIOLATION: id missing; expected an array of dimension ids") }
        guard let idElements = idNode.elements else {
            throw error(idPath, idNode, "STRUCTURAL_VIOLATION: id must be an array of dimension ids, found \(idNode.typeName)")
        }
        var ids: [String] = []
        var idSet = Set<String>()
        for (i, e) in idElements.enumerated() {
            guard let s = e.string else {
                throw error("\(idPath)[\(i)]", e, "STRUCTURAL_VIOLATION: a dimension id must be a string, found \(e.typeName)")
            }
            guard idSet.insert(s).inserted else {
                throw error("\(idPath)[\(i)]", e, "STRUCTURAL_VIOLATION: dimension id \"\(s)\" appears twice in id")
            }
            ids.append(s)
        }
        if ids.isEmpty { throw error(idPath, idNode, "STRUCTURAL_VIOLATION: id is empty; expected at least one dimension") }

        // size
        guard let sizeNode else {
            throw error(sizePath, ds, "STRUCTURAL_VIOLATION: size missing; expected an array with one size per dimension id")
        }
        guard let sizeElements = sizeNode.elements else {
            throw error(sizePath, sizeNode, "STRUCTURAL_VIOLATION: size must be an array of integers, found \(sizeNode.typeName)")
        }
        if sizeElements.count != ids.count {
            throw error(
                sizePath, sizeNode,
                "ID_SIZE_LEN_MISMATCH: size has \(sizeElements.count) entries but id has \(ids.count) dimension ids [\(ids.joined(separator: ", "))]; expected one size per id"
            )
        }
        var sizes: [Int] = []
        for (i, e) in sizeElements.enumerated() {
            guard case .number(let v, let raw) = e.kind, v >= 0, v == v.rounded(.towardZero) else {
                throw error(
                    "\(sizePath)[\(i)]", e,
                    "STRUCTURAL_VIOLATION: size[\(i)] (dimension \(ids[i])) must be a non-negative integer, found \(e.typeName)")
            }
            if v > Double(options.maxCells) {
                throw error(
                    "\(sizePath)[\(i)]", e,
                    "CUBE_SIZE_OVERFLOW: size[\(i)] (dimension \(ids[i])) is \(raw), more than the limit of \(options.maxCells) cells (JSONStatOptions.maxCells)"
                )
            }
            sizes.append(Int(v))
        }
        var product = 1
        for s in sizes {
            let (r, overflow) = product.multipliedReportingOverflow(by: s)
            if overflow || r > options.maxCells {
                throw error(
                    sizePath, sizeNode,
                    "CUBE_SIZE_OVERFLOW: product of size [\(sizes.map(String.init).joined(separator: ", "))] is more than the limit of \(options.maxCells) cells (JSONStatOptions.maxCells); refusing to read"
                )
            }
            product = r
        }

        // dimension keys
        let dimKeys = (dimNode.members ?? []).map(\.key).filter { !(legacy && ($0 == "id" || $0 == "size" || $0 == "role")) }
        let keySet = Set(dimKeys)
        if keySet != idSet {
            let missing = ids.filter { !keySet.contains($0) }
            let extra = dimKeys.filter { !idSet.contains($0) }
            var parts: [String] = []
            if !missing.isEmpty { parts.append("no entry for \(missing.map { "\"\($0)\"" }.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("\(extra.map { "\"\($0)\"" }.joined(separator: ", ")) not in id") }
            throw error(
                p + "dimension", dimNode,
                "DIM_KEY_ID_MISMATCH: the keys of dimension must equal id [\(ids.joined(separator: ", "))]; found \(parts.joined(separator: "; "))"
            )
        }

        // role
        var roles: [String: DimensionRole] = [:]
        let rolePath = p + (legacy && ds["role"] == nil ? "dimension.role" : "role")
        if let roleNode = try (ds["role"] ?? (legacy ? dimNode["role"] : nil)).map({ try parser.resolve($0) }) {
            guard let entries = roleNode.members else {
                throw error(
                    rolePath, roleNode,
                    "STRUCTURAL_VIOLATION: role must be an object such as {\"time\": [\"Tid\"]}, found \(roleNode.typeName)")
            }
            for (key, list) in entries {
                guard let names = list.elements else {
                    throw error(
                        "\(rolePath).\(key)", list,
                        "STRUCTURAL_VIOLATION: role.\(key) must be an array of dimension ids, found \(list.typeName)")
                }
                for (i, n) in names.enumerated() {
                    guard let name = n.string, idSet.contains(name) else {
                        throw error(
                            "\(rolePath).\(key)[\(i)]", n,
                            "ROLE_ID_UNKNOWN: role.\(key) names \(n.typeName), which is not a dimension id; expected one of [\(ids.joined(separator: ", "))]"
                        )
                    }
                    let role: DimensionRole?
                    switch key {
                    case "time": role = .time
                    case "geo": role = .geo
                    case "metric": role = .metric
                    default: role = nil
                    }
                    if let role, roles[name] == nil { roles[name] = role }
                }
            }
        }

        // dimensions
        var dims: [Dimension] = []
        var codes: [[String]] = []
        var metadata: [String: String] = [:]
        for (k, id) in ids.enumerated() {
            let dpath = p + "dimension." + id
            guard let dim = dimNode[id], dim.members != nil else {
                throw error(
                    dpath, dimNode[id],
                    "STRUCTURAL_VIOLATION: dimension \(id) must be an object with label and category, found \(dimNode[id]?.typeName ?? "nothing")"
                )
            }
            let role = roles[id] ?? Context.fallbackRole(id)
            var (dimension, dimCodes) = try prepareDimension(dim, id: id, size: sizes[k], role: role, path: dpath)
            // Category footnotes: {"code": ["text", …]}.
            if let notes = dim["category"]?["note"]?.members {
                for (code, node) in notes {
                    if dimension.categories[code] != nil, let t = Context.noteText(node) { dimension.categories[code]?.note = t }
                }
            }
            if let unit = dim["category"]?["unit"] {
                metadata["unit.\(id)"] = unit.jsonText
                if role == .metric && metadata["unit"] == nil { metadata["unit"] = unit.jsonText }
            }
            if let note = dim["note"], let text = Context.noteText(note) { metadata["note.\(id)"] = text }
            if let ext = dim["extension"] { metadata["extension.\(id)"] = ext.jsonText }
            dims.append(dimension)
            codes.append(dimCodes)
        }

        // value and status
        let value = try valueSource(ds["value"], prefix: p, ds: ds, product: product, sizes: sizes)
        var status = StatusSource.none
        if case .none = value {
        } else {
            status = try statusSource(ds["status"], prefix: p, product: product)
        }

        // schema
        var schema = DatasetSchema(dimensions: dims)
        schema.label = ds["label"]?.string
        schema.updated = ds["updated"]?.string
        schema.source = ds["source"]?.string
        if let note = try ds["note"].map({ try parser.resolve($0) }), let text = Context.noteText(note) { metadata["note"] = text }
        if let ext = try ds["extension"].map({ try parser.resolve($0) }) {
            metadata["extension"] = ext.jsonText
            if let table = ext["px"]?["tableid"] {
                switch table.kind {
                case .string(let s): metadata["tableid"] = s
                case .number(_, let raw): metadata["tableid"] = raw
                default: break
                }
            }
        }
        if let href = ds["href"]?.string { metadata["href"] = href }
        if let link = try ds["link"].map({ try parser.resolve($0) }) { metadata["link"] = link.jsonText }
        metadata["format"] = ref.format
        let mine = (documentWarnings + warnings[warningsBefore...]).map(\.description)
        if !mine.isEmpty { metadata["warnings"] = mine.joined(separator: "\n") }
        schema.metadata = metadata
        return PreparedDataset(schema: schema, codes: codes, sizes: sizes, product: product, prefix: p, value: value, status: status)
    }

    static func fallbackRole(_ id: String) -> DimensionRole {
        switch id {
        case "Tid": return .time
        case "KOKkommuneregion0000", "Region": return .geo
        case "ContentsCode": return .metric
        default: return .other
        }
    }

    /// A note as text: an array of strings joined by newlines, or a string.
    static func noteText(_ node: JSONNode) -> String? {
        if let s = node.string { return s }
        if let a = node.elements {
            let parts = a.compactMap(\.string)
            return parts.isEmpty ? nil : parts.joined(separator: "\n")
        }
        return nil
    }

    /// Reads one dimension's categories in position order and checks them.
    private mutating func prepareDimension(_ dim: JSONNode, id: String, size n: Int, role: DimensionRole, path: String) throws -> (
        Dimension, [String]
    ) {
        guard let cat = dim["category"] else {
            throw error(path + ".category", dim, "STRUCTURAL_VIOLATION: category missing; expected an object with index and label")
        }
        guard cat.members != nil else {
            throw error(
                path + ".category", cat, "STRUCTURAL_VIOLATION: category must be an object with index and label, found \(cat.typeName)")
        }
        let cpath = path + ".category"
        // Labels.
        var labels: [(key: String, value: String)] = []
        if let labelNode = cat["label"] {
            guard let members = labelNode.members else {
                throw error(
                    cpath + ".label", labelNode,
                    "STRUCTURAL_VIOLATION: category.label must be an object {id: text}, found \(labelNode.typeName)")
            }
            for m in members {
                guard let s = m.value.string else {
                    throw error(
                        "\(cpath).label.\(m.key)", m.value,
                        "STRUCTURAL_VIOLATION: a category label must be a string, found \(m.value.typeName)")
                }
                labels.append((m.key, s))
            }
        }
        // Index.
        var codes: [String] = []
        let ipath = cpath + ".index"
        if let indexNode = cat["index"] {
            switch indexNode.kind {
            case .array(let elements):
                if elements.count != n {
                    throw error(
                        ipath, indexNode,
                        "INDEX_COUNT_MISMATCH: category.index lists \(elements.count) categories, expected \(n) = the size of dimension \(id)"
                    )
                }
                var seen = Set<String>()
                for (i, e) in elements.enumerated() {
                    guard let s = e.string else {
                        throw error("\(ipath)[\(i)]", e, "STRUCTURAL_VIOLATION: a category id must be a string, found \(e.typeName)")
                    }
                    guard seen.insert(s).inserted else {
                        throw error(
                            "\(ipath)[\(i)]", e,
                            "INDEX_POSITIONS_INVALID: category \"\(s)\" appears twice in category.index; expected each id once")
                    }
                    codes.append(s)
                }
            case .object(let members):
                if members.count != n {
                    throw error(
                        ipath, indexNode,
                        "INDEX_COUNT_MISMATCH: category.index lists \(members.count) categories, expected \(n) = the size of dimension \(id)"
                    )
                }
                var positioned: [(position: Int, code: String)] = []
                positioned.reserveCapacity(n)
                var outside: (String, String)? = nil
                for m in members {
                    guard case .number(let v, let raw) = m.value.kind, v == v.rounded(.towardZero), abs(v) < 1e15 else {
                        throw error(
                            "\(ipath).\(m.key)", m.value,
                            "INDEX_POSITIONS_INVALID: the position of category \"\(m.key)\" must be an integer, found \(m.value.typeName)")
                    }
                    let position = Int(v)
                    if (position < 0 || position >= n) && outside == nil { outside = (m.key, raw) }
                    positioned.append((position, m.key))
                }
                positioned.sort { $0.position < $1.position }
                for i in positioned.indices.dropFirst() where positioned[i].position == positioned[i - 1].position {
                    throw error(
                        ipath, indexNode,
                        "INDEX_POSITIONS_INVALID: categories \"\(positioned[i - 1].code)\" and \"\(positioned[i].code)\" both have position \(positioned[i].position); positions must be unique"
                    )
                }
                if let (code, raw) = outside {
                    if options.lenientIndex {
                        warn(
                            ipath, indexNode,
                            "INDEX_POSITIONS_INVALID: category \"\(code)\" has position \(raw), outside [0, \(n - 1)] for size \(n); positions were re-ranked in order (lenientIndex)"
                        )
                    } else {
                        throw error(
                            ipath, indexNode,
                            "INDEX_POSITIONS_INVALID: category \"\(code)\" has position \(raw), outside [0, \(n - 1)] for size \(n); expected a permutation of 0…\(n - 1) (the lenientIndex option re-ranks unique gapped positions)"
                        )
                    }
                }
                codes = positioned.map(\.code)
            default:
                throw error(
                    ipath, indexNode,
                    "STRUCTURAL_VIOLATION: category.index must be an array of ids or an object {id: position}, found \(indexNode.typeName)")
            }
        } else {
            guard labels.count == 1 else {
                throw error(
                    ipath, cat,
                    "STRUCTURAL_VIOLATION: category.index missing; it may be left out only when label has exactly one category, found \(labels.count) labels"
                )
            }
            if n != 1 {
                throw error(
                    ipath, cat, "INDEX_COUNT_MISMATCH: dimension \(id) has one category (label only, no index), expected \(n) = its size")
            }
            codes = [labels[0].key]
        }
        let codeSet = Set(codes)
        // Labels must name categories; incomplete labels are a warning.
        var categories: [String: CategoryLabel] = [:]
        categories.reserveCapacity(codes.count)
        var labelled = 0
        for (key, text) in labels {
            guard codeSet.contains(key) else {
                throw error(
                    "\(cpath).label.\(key)", cat["label"],
                    "LABEL_KEY_UNKNOWN: category.label has \"\(key)\", which is not in category.index of dimension \(id)")
            }
            labelled += 1
            if role == .geo {
                let (name, from, to) = RegionLabel.splitValidity(text)
                categories[key] = CategoryLabel(name: name, validFrom: from, validTo: to)
            } else {
                categories[key] = CategoryLabel(name: text)
            }
        }
        if !labels.isEmpty && labelled < codes.count {
            warn(
                cpath + ".label", cat["label"],
                "LABEL_KEY_INCOMPLETE: category.label covers \(labelled) of \(codes.count) categories of dimension \(id); the others are labelled with their id"
            )
        }
        for code in codes where categories[code] == nil { categories[code] = CategoryLabel(name: code) }
        // Keys of unit, coordinates and note must name categories.
        for (member, rule) in [("unit", "UNIT_KEY_UNKNOWN"), ("coordinates", "COORD_KEY_UNKNOWN"), ("note", "NOTE_KEY_UNKNOWN")] {
            guard let node = cat[member] else { continue }
            guard let members = node.members else {
                throw error(
                    "\(cpath).\(member)", node,
                    "STRUCTURAL_VIOLATION: category.\(member) must be an object keyed by category id, found \(node.typeName)")
            }
            for m in members where !codeSet.contains(m.key) {
                throw error(
                    "\(cpath).\(member).\(m.key)", m.value,
                    "\(rule): category.\(member) has \"\(m.key)\", which is not in category.index of dimension \(id)")
            }
        }
        if role == .metric {
            let unitCount = cat["unit"]?.members?.count ?? 0
            if unitCount == 0 {
                warn(cpath + ".unit", cat, "METRIC_UNIT_MISSING: metric dimension \(id) has no category.unit")
            }
        }
        if let child = cat["child"] { try checkHierarchy(child, codes: codeSet, path: cpath + ".child", id: id) }
        return (Dimension(id: id, label: dim["label"]?.string, role: role, categories: categories), codes)
    }

    /// `category.child`: parents and children must be categories, and the tree must be acyclic.
    private func checkHierarchy(_ child: JSONNode, codes: Set<String>, path: String, id: String) throws {
        guard let members = child.members else {
            throw error(path, child, "STRUCTURAL_VIOLATION: category.child must be an object {parent: [children]}, found \(child.typeName)")
        }
        var edges: [String: [String]] = [:]
        for m in members {
            guard codes.contains(m.key) else {
                throw error(
                    "\(path).\(m.key)", m.value,
                    "CHILD_ID_UNKNOWN: category.child has parent \"\(m.key)\", which is not in category.index of dimension \(id)")
            }
            guard let list = m.value.elements else {
                throw error(
                    "\(path).\(m.key)", m.value,
                    "STRUCTURAL_VIOLATION: category.child.\(m.key) must be an array of ids, found \(m.value.typeName)")
            }
            var kids: [String] = []
            for (i, e) in list.enumerated() {
                guard let s = e.string, codes.contains(s) else {
                    throw error(
                        "\(path).\(m.key)[\(i)]", e,
                        "CHILD_ID_UNKNOWN: category.child.\(m.key) names \(e.typeName), which is not in category.index of dimension \(id)")
                }
                kids.append(s)
            }
            edges[m.key] = kids
        }
        // Iterative depth-first search: 1 = on the current path, 2 = done.
        var state: [String: UInt8] = [:]
        for start in members.map(\.key) where state[start] == nil {
            var stack: [(node: String, next: Int)] = [(start, 0)]
            state[start] = 1
            while let top = stack.last {
                let kids = edges[top.node] ?? []
                if top.next < kids.count {
                    stack[stack.count - 1].next += 1
                    let k = kids[top.next]
                    switch state[k] {
                    case 1:
                        let cycle = Array(stack.map(\.node).drop(while: { $0 != k })) + [k]
                        throw error(
                            path, child,
                            "CHILD_CYCLE: category.child of dimension \(id) has a cycle \(cycle.joined(separator: " → ")); expected a tree")
                    case 2: continue
                    default:
                        state[k] = 1
                        stack.append((k, 0))
                    }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }
    }

    private mutating func valueSource(_ node: JSONNode?, prefix p: String, ds: JSONNode, product: Int, sizes: [Int]) throws -> ValueSource {
        guard let node else {
            throw error(p + "value", ds, "STRUCTURAL_VIOLATION: value missing; expected an array or an object of numbers")
        }
        let sizeText = "[\(sizes.map(String.init).joined(separator: ", "))]"
        guard case .deferred(let d) = node.kind else {
            throw error(
                p + "value", node,
                "STRUCTURAL_VIOLATION: value must be an array or an object {\"position\": number}, found \(node.typeName)")
        }
        switch d.shape {
        case .array(let count):
            if count == 0 && product > 0 {
                warn(
                    p + "value", node,
                    "the value array is empty: a metadata response with no cells (expected \(product) = product of size \(sizeText) for data)"
                )
                return .none
            }
            if count != product {
                throw error(
                    p + "value", node,
                    "VALUE_LEN_MISMATCH: dense value has \(count) cells, expected \(product) = product of size \(sizeText)")
            }
            return count == 0 ? .none : .dense(offset: d.offset, count: count)
        case .object(let count, let maxKey, let badKey, let ascending):
            if let badKey {
                throw error(
                    "\(p)value[\"\(badKey.text)\"]", JSONNode(offset: badKey.offset, kind: .null),
                    "SPARSE_KEY_OUT_OF_RANGE: sparse value key \"\(badKey.text)\" is not an integer; expected cell positions in [0, \(product - 1)]"
                )
            }
            if maxKey >= product {
                throw error(
                    "\(p)value[\"\(maxKey)\"]", node,
                    "SPARSE_KEY_OUT_OF_RANGE: sparse value key \(maxKey) is outside [0, \(product - 1)] = the cells of size \(sizeText)")
            }
            return count == 0 ? .none : .sparse(offset: d.offset, ascending: ascending)
        }
    }

    private mutating func statusSource(_ node: JSONNode?, prefix p: String, product: Int) throws -> StatusSource {
        guard let node else { return .none }
        switch node.kind {
        case .null: return .none
        case .string(let s): return .constant(s)
        case .deferred(let d):
            switch d.shape {
            case .array(let count):
                if count == product { return .dense(offset: d.offset) }
                if count == 1 {
                    // One status for all cells (json-stat.org's canada.json).
                    reader.seek(to: d.offset)
                    let only = try parser.parseValue()
                    switch only.elements?.first?.kind {
                    case .string(let s)?: return .constant(s)
                    case .null?: return .none
                    default:
                        throw error(
                            p + "status[0]", only.elements?.first,
                            "STRUCTURAL_VIOLATION: a status must be a string or null, found \(only.elements?.first?.typeName ?? "nothing")")
                    }
                }
                throw error(
                    p + "status", node,
                    "STATUS_LEN_MISMATCH: status array has \(count) entries, expected \(product) = product(size) (or one for all cells)")
            case .object(_, let maxKey, let badKey, let ascending):
                if let badKey {
                    throw error(
                        "\(p)status[\"\(badKey.text)\"]", JSONNode(offset: badKey.offset, kind: .null),
                        "STATUS_KEY_OUT_OF_RANGE: status key \"\(badKey.text)\" is not an integer; expected cell positions in [0, \(product - 1)]"
                    )
                }
                if maxKey >= product {
                    throw error(
                        "\(p)status[\"\(maxKey)\"]", node,
                        "STATUS_KEY_OUT_OF_RANGE: status key \(maxKey) is outside [0, \(product - 1)] = the cells of the dataset")
                }
                return .sparse(offset: d.offset, ascending: ascending)
            }
        default:
            throw error(
                p + "status", node,
                "STRUCTURAL_VIOLATION: status must be a string, an array or an object {\"position\": string}, found \(node.typeName)")
        }
    }
}

// MARK: - Second pass: stream cells

/// Walks a `value` or `status` container in ascending cell position.
final class PositionStream {
    private enum Mode {
        case dense
        case sparse
        case buffered([(position: Int, element: JSONElement)])
    }

    private let reader: JSONByteReader
    private var mode: Mode
    private var index = 0
    private var done = false
    /// Largest valid position + 1.
    private let limit: Int
    let path: String

    /// Positions the reader at the container; for unsorted sparse objects, reads and sorts all.
    init(reader: JSONByteReader, offset: Int, sparse: Bool, ascending: Bool, limit: Int, path: String, file: String) throws {
        self.reader = reader
        self.limit = limit
        self.path = path
        self.mode = sparse ? .sparse : .dense
        reader.seek(to: offset)
        let open = try reader.skipWhitespace()
        reader.advance()
        let close = open == JSONByte.openBracket ? JSONByte.closeBracket : JSONByte.closeBrace
        if try reader.skipWhitespace() == close {
            reader.advance()
            done = true
        }
        if sparse && !ascending {
            // Keys out of order: sorting needs them all (memory grows with the sparse entries).
            var all: [(position: Int, element: JSONElement)] = []
            while let item = try nextSparse() { all.append(item) }
            all.sort { $0.position < $1.position }
            for i in all.indices.dropFirst() where all[i].position == all[i - 1].position {
                throw ReadError(
                    SourceLocation(file: file, path: "\(path)[\"\(all[i].position)\"]"),
                    "STRUCTURAL_VIOLATION: key \"\(all[i].position)\" appears twice in \(path); expected each cell once")
            }
            mode = .buffered(all)
            done = false
        }
    }

    func next() throws -> (position: Int, element: JSONElement)? {
        switch mode {
        case .dense:
            if done { return nil }
            let e = try reader.readElement()
            let p = index
            index += 1
            try separator(JSONByte.closeBracket)
            guard p < limit else {
                throw reader.syntaxError("\(path) has more elements than the first pass counted; did the file change while it was read?")
            }
            return (p, e)
        case .sparse:
            return try nextSparse()
        case .buffered(let all):
            guard index < all.count else { return nil }
            index += 1
            return all[index - 1]
        }
    }

    private func nextSparse() throws -> (position: Int, element: JSONElement)? {
        if done { return nil }
        guard try reader.skipWhitespace() == JSONByte.quote else { throw try reader.unexpected("a string key") }
        guard let k = try reader.readIntegerKey(), k < limit else {
            throw reader.syntaxError("\(path) has a key the first pass did not see; did the file change while it was read?")
        }
        try reader.expect(JSONByte.colon, "':' after an object key")
        let e = try reader.readElement()
        try separator(JSONByte.closeBrace)
        return (k, e)
    }

    @inline(__always)
    private func separator(_ close: Int) throws {
        let c = try reader.skipWhitespace()
        if c == JSONByte.comma { reader.advance(); return }
        if c == close { reader.advance(); done = true; return }
        throw try reader.unexpected(close == JSONByte.closeBracket ? "',' or ']' in an array" : "',' or '}' in an object")
    }
}

/// Emits one dataset's cells in row-major order, in named steps: open the value and status
/// streams, merge them by position, move the coordinates there, read the value.
struct CellEmitter {
    let dataset: PreparedDataset
    let valueReader: JSONByteReader
    let statusReader: JSONByteReader
    let file: String

    /// The `value` and `status` containers, positioned for reading.
    struct Streams {
        var values: PositionStream?
        var sparseValues = false
        var statuses: PositionStream?
        var constantStatus: String?
        var sparseStatus = false
    }

    func openStreams() throws -> Streams {
        let d = dataset
        var st = Streams()
        switch d.value {
        case .none: break
        case .dense(let offset, _):
            st.values = try PositionStream(
                reader: valueReader, offset: offset, sparse: false, ascending: true, limit: d.product, path: d.prefix + "value", file: file)
        case .sparse(let offset, let ascending):
            st.sparseValues = true
            st.values = try PositionStream(
                reader: valueReader, offset: offset, sparse: true, ascending: ascending, limit: d.product, path: d.prefix + "value",
                file: file)
        }
        switch d.status {
        case .none: break
        case .constant(let s): st.constantStatus = s
        case .dense(let offset):
            st.statuses = try PositionStream(
                reader: statusReader, offset: offset, sparse: false, ascending: true, limit: d.product, path: d.prefix + "status",
                file: file)
        case .sparse(let offset, let ascending):
            st.sparseStatus = true
            st.statuses = try PositionStream(
                reader: statusReader, offset: offset, sparse: true, ascending: ascending, limit: d.product, path: d.prefix + "status",
                file: file)
        }
        return st
    }

    /// A cell's coordinates, stepped like an odometer from one position to the next, or
    /// recomputed after a jump. The array is updated in place where it changed; it is unique
    /// again once the sink has let go of the previous cell, so this allocates only if the
    /// sink keeps cells.
    struct CoordinateWalk {
        let sizes: [Int]
        let codes: [[String]]
        var odometer: [Int]
        var coordinates: [String]
        var lastPosition = -2

        init(sizes: [Int], codes: [[String]]) {
            self.sizes = sizes
            self.codes = codes
            odometer = [Int](repeating: 0, count: sizes.count)
            coordinates = [String](repeating: "", count: sizes.count)
        }

        @inline(__always)
        mutating func move(to p: Int) {
            let rank = sizes.count
            if p == lastPosition + 1 {
                var k = rank - 1
                while k >= 0 {
                    odometer[k] += 1
                    if odometer[k] < sizes[k] {
                        coordinates[k] = codes[k][odometer[k]]
                        break
                    }
                    odometer[k] = 0
                    coordinates[k] = codes[k][0]
                    k -= 1
                }
            } else {
                var r = p
                for k in stride(from: rank - 1, through: 0, by: -1) {
                    odometer[k] = r % sizes[k]
                    r /= sizes[k]
                    coordinates[k] = codes[k][odometer[k]]
                }
            }
            lastPosition = p
        }
    }

    /// What a `value` element says: a number (or none), or why the cell is rejected.
    enum ValueReading {
        case value(Double?)
        case reject(message: String, raw: String)
    }

    /// Reads a value element; a string may carry a number and a symbol, which fills a missing status.
    @inline(__always)
    static func read(_ element: JSONElement?, status: inout String?) -> ValueReading {
        var value: Double? = nil
        switch element {
        case .number(let x)?:
            if !x.isFinite { return .reject(message: "expected a finite number, found one out of range", raw: "") }
            value = x
        case .null?, nil:
            break
        case .string(let text)?:
            switch NumberParser.parse(text, decimalComma: false) {
            case .number(let x, let st):
                value = x
                if status == nil { status = st }
            case .symbol(let sym):
                if status == nil { status = sym }
            case .empty:
                break
            case .invalid:
                return .reject(message: "expected a number or null, found the string \"\(text)\"", raw: text)
            }
        case .other(let what)?:
            return .reject(message: "expected a number or null, found \(what)", raw: what)
        }
        // `-` is a true zero (docs/FORMATS.md, "Symbols").
        if value == nil && status == "-" { value = 0 }
        return .value(value)
    }

    /// The status a `status` element gives a cell (nil for JSON null), and whether it gave one.
    @inline(__always)
    func status(_ element: JSONElement, at p: Int, sparse: Bool) throws -> (String?, Bool) {
        switch element {
        case .string(let text): return (text, true)
        case .null: return (nil, false)
        case .number: throw statusError(p, sparse: sparse, found: "a number")
        case .other(let what): throw statusError(p, sparse: sparse, found: what)
        }
    }

    func emit<S: CellSink>(into sink: inout S) throws {
        let d = dataset
        let schema = d.schema
        let streams = try openStreams()
        try sink.begin(schema)
        guard let valueStream = streams.values else {
            try sink.end(schema)
            return
        }
        let valuePrefix = Array((d.prefix + "value[").utf8)
        let statusPrefix = Array((d.prefix + "status[").utf8)
        var walk = CoordinateWalk(sizes: d.sizes, codes: d.codes)
        var v = try valueStream.next()
        var s = try streams.statuses?.next()
        while true {
            // Merge the two streams by position.
            let vp = v?.position ?? Int.max
            let sp = s?.position ?? Int.max
            let p = min(vp, sp)
            if p == Int.max { break }
            let valueElement: JSONElement? = vp == p ? v?.element : nil
            var status = streams.constantStatus
            var statusPresent = false
            if sp == p, let se = s?.element { (status, statusPresent) = try self.status(se, at: p, sparse: streams.sparseStatus) }
            if vp == p { v = try valueStream.next() }
            if sp == p { s = try streams.statuses?.next() }
            // A sparse value emits only positions it has or a status names.
            if valueElement == nil && !statusPresent { continue }

            walk.move(to: p)
            let path =
                valueElement != nil
                ? CellEmitter.path(valuePrefix, p, quoted: streams.sparseValues)
                : CellEmitter.path(statusPrefix, p, quoted: streams.sparseStatus)
            let location = SourceLocation(file: file, path: path)
            switch CellEmitter.read(valueElement, status: &status) {
            case .value(let value):
                try sink.cell(Cell(coordinates: walk.coordinates, value: value, status: status, location: location), schema: schema)
            case .reject(let message, let raw):
                try reject(sink: &sink, location, walk.coordinates, schema, message, raw: raw)
            }
        }
        try sink.end(schema)
    }

    /// `value[17]` or `value["17"]` (after `prefix`), built in one allocation-free step for
    /// short paths: this runs once per cell.
    @inline(__always)
    static func path(_ prefix: [UInt8], _ position: Int, quoted: Bool) -> String {
        var digits = 1
        var rest = position / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let length = prefix.count + digits + (quoted ? 3 : 1)
        return String(unsafeUninitializedCapacity: length) { out in
            var i = 0
            for b in prefix { out[i] = b; i += 1 }
            if quoted { out[i] = 0x22; i += 1 }
            var v = position
            var j = i + digits - 1
            repeat {
                out[j] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
                j -= 1
            } while v > 0
            i += digits
            if quoted { out[i] = 0x22; i += 1 }
            out[i] = 0x5D
            return i + 1
        }
    }

    private func statusError(_ p: Int, sparse: Bool, found: String) -> ReadError {
        let path = dataset.prefix + (sparse ? "status[\"\(p)\"]" : "status[\(p)]")
        return ReadError(SourceLocation(file: file, path: path), "STRUCTURAL_VIOLATION: a status must be a string or null, found \(found)")
    }

    private func reject<S: CellSink>(
        sink: inout S, _ location: SourceLocation, _ coordinates: [String], _ schema: DatasetSchema, _ message: String, raw: String
    ) throws {
        let at = zip(schema.dimensions, coordinates).map { "\($0.id)=\($1)" }.joined(separator: ", ")
        try sink.reject(ReadError(location, "cell (\(at)): \(message)"), raw: raw)
    }
}
