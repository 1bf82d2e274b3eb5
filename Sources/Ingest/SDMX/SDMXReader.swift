// Why this file is long: one SAX handler for the Generic, StructureSpecific and PxWebApi SDMX
// shapes; their callbacks share the series state.

import CLibXML2
import Glibc

/// What a user may set when reading SDMX-ML.
public struct SDMXOptions: Sendable {
    /// Display name used in locations instead of the path.
    public var displayName: String?

    public init(displayName: String? = nil) {
        self.displayName = displayName
    }
}

/// Reads SDMX-ML data messages (docs/FORMATS.md, "SDMX-ML") as a stream with libxml2's SAX2 push parser,
/// so memory stays flat whatever the file's size.
///
/// Read: SDMX-ML 2.0 `GenericData` as PxWeb writes it (`SeriesKey/Value@concept,@value`,
/// `Obs/Time`, `ObsValue@value`, `Attributes/Value@concept="OBS_STATUS"`), SDMX-ML 2.1 generic
/// data (`Value@id`, `Obs/ObsDimension@value`, or `Obs/ObsKey/Value` for flat data sets), and
/// structure-specific / compact data (dimensions and attributes as XML attributes on `Series`
/// and `Obs`). Elements are matched by local name, so any namespace prefix works.
///
/// The dimensions are the series key concepts in the order of the first `Series`, then the
/// observation-level dimension (`TIME_PERIOD` unless the header's `dimensionAtObservation` or an
/// `ObsKey` names others). Series attributes (`UNIT_MEASURE`, `DECIMALS`, …) go into
/// `schema.metadata`: `metadata[id]` holds the first series' value, and a later series with a
/// different value adds `metadata["id[ContentsCode=X]"]` (keyed by the metric code, or by the
/// whole series key where there is no metric dimension).
///
/// Security: no network, no DTD loading, no entity substitution, and a document whose DOCTYPE
/// declares entities is refused before any entity is expanded (XXE, "billion laughs").
public final class SDMXReader {
    public let path: String
    public let options: SDMXOptions
    private var file: String { options.displayName ?? path }

    /// Bytes handed to libxml2 per call.
    static let chunkSize = 256 << 10

    public init(path: String, options: SDMXOptions = .init()) throws {
        self.path = path
        self.options = options
        // Opening now reports a missing file or a directory before any reading starts.
        _ = try ChunkedFile(path: path, chunkSize: 16)
    }

    /// Whether the file starts like an XML document (`<` after an optional byte order mark and blanks).
    public static func looksLikeXML(path: String) -> Bool {
        guard let (head, _) = try? ChunkedFile.head(path: path, count: 4096) else { return false }
        var i = 0
        if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF {
            i = 3
        } else if head.count >= 2, (head[0] == 0xFE && head[1] == 0xFF) || (head[0] == 0xFF && head[1] == 0xFE) {
            // UTF-16: the next code unit should be `<`.
            return head.count >= 4 && (head[2] == 0x3C || head[3] == 0x3C)
        }
        while i < head.count, head[i] == 0x20 || head[i] == 0x09 || head[i] == 0x0A || head[i] == 0x0D { i += 1 }
        return i < head.count && head[i] == 0x3C
    }

    public func read<S: CellSink>(into sink: inout S) throws {
        _ = libxml2Initialized
        let source = try ChunkedFile(path: path, chunkSize: SDMXReader.chunkSize)
        let file = self.file
        let path = self.path
        try withUnsafeMutablePointer(to: &sink) { pointer in
            let state = SDMXParseState(file: file, sink: SDMXSinkBox(pointer))
            try state.run(source, path: path)
        }
    }
}

/// libxml2's global initialisation, done once (its own guard is not thread-safe on first use).
private let libxml2Initialized: Void = { xmlInitParser() }()

// MARK: - Sink type erasure (the SAX callbacks cannot be generic)

protocol SDMXSink: AnyObject {
    func begin(_ schema: DatasetSchema) throws
    func cell(_ cell: Cell, schema: DatasetSchema) throws
    func end(_ schema: DatasetSchema) throws
    func reject(_ error: ReadError, raw: String) throws
}

final class SDMXSinkBox<S: CellSink>: SDMXSink {
    let pointer: UnsafeMutablePointer<S>
    init(_ pointer: UnsafeMutablePointer<S>) { self.pointer = pointer }
    func begin(_ schema: DatasetSchema) throws { try pointer.pointee.begin(schema) }
    func cell(_ cell: Cell, schema: DatasetSchema) throws { try pointer.pointee.cell(cell, schema: schema) }
    func end(_ schema: DatasetSchema) throws { try pointer.pointee.end(schema) }
    func reject(_ error: ReadError, raw: String) throws { try pointer.pointee.reject(error, raw: raw) }
}

// MARK: - Element names

/// The elements the reader cares about, by local name.
enum SDMXElement: UInt8 {
    case other, root, header, name, id, prepared, sender, structure
    case dataSet, keyFamilyRef, series, seriesKey, attributes, value
    case obs, obsKey, time, obsDimension, obsValue

    static let byName: [String: SDMXElement] = [
        "Header": .header, "Name": .name, "ID": .id, "Prepared": .prepared, "Sender": .sender,
        "Structure": .structure, "DataSet": .dataSet, "KeyFamilyRef": .keyFamilyRef,
        "Series": .series, "SeriesKey": .seriesKey, "Attributes": .attributes, "Value": .value,
        "Obs": .obs, "ObsKey": .obsKey, "Time": .time, "ObsDimension": .obsDimension, "ObsValue": .obsValue
    ]

    /// Roots of the data messages the reader knows. Generic messages carry `SeriesKey`/`Obs`
    /// elements; the others carry dimensions as XML attributes.
    static let genericRoots: Set<String> = ["GenericData", "GenericTimeSeriesData"]
    static let attributeRoots: Set<String> = ["StructureSpecificData", "StructureSpecificTimeSeriesData", "CompactData"]
}

/// UTF-8 text without leading and trailing XML white space.
private func trimmedUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    var start = 0
    var end = bytes.count
    while start < end, blank(bytes[start]) { start += 1 }
    while end > start, blank(bytes[end - 1]) { end -= 1 }
    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
}

private func trimmedCString(_ p: UnsafePointer<CChar>) -> String {
    p.withMemoryRebound(to: UInt8.self, capacity: 1) { u in
        trimmedUTF8(UnsafeBufferPointer(start: u, count: strlen(p)))
    }
}

/// Compares bytes with an ASCII literal.
@inline(__always)
private func bytesEqual(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    guard b.count == n else { return false }
    let q = s.utf8Start
    for i in 0..<n where b[i] != q[i] { return false }
    return true
}

/// Compares a NUL-terminated C string with an ASCII literal.
@inline(__always)
private func cEquals(_ p: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    let q = s.utf8Start
    for i in 0..<n where p[i] != q[i] { return false }
    return p[n] == 0
}

// MARK: - Parse state

/// Everything the SAX callbacks share, reached through libxml2's user-data pointer.
///
/// The stored properties are `@exclusivity(unchecked)`: only libxml2's callbacks touch them, on
/// the reading thread, one callback at a time and never with overlapping accesses, and the
/// dynamic checks on every access cost about a fifth of the read time.
final class SDMXParseState: SAXHandler {
    let file: String
    let sink: any SDMXSink
    /// The first error (from the sink or the reader's own checks); parsing stops at it.
    @exclusivity(unchecked) var failure: (any Error)?

    // Element names: libxml2 interns names in its dictionary, so pointers repeat.
    @exclusivity(unchecked) private var nameCacheKeys: [UnsafePointer<UInt8>] = []
    @exclusivity(unchecked) private var nameCacheValues: [SDMXElement] = []

    @exclusivity(unchecked) private var stack: [SDMXElement] = []
    @exclusivity(unchecked) private var rootName = ""
    @exclusivity(unchecked) private var attributeStyle = false
    @exclusivity(unchecked) private var capturing = false
    @exclusivity(unchecked) private var text: [UInt8] = []

    // Header.
    @exclusivity(unchecked) private var label: String?
    @exclusivity(unchecked) private var source: String?
    @exclusivity(unchecked) private var headerMeta: [String: String] = [:]
    @exclusivity(unchecked) private var dimensionAtObservation: String?

    // Current data set.
    @exclusivity(unchecked) private var dataSetCount = 0
    @exclusivity(unchecked) private var dataSetPrefix = ""
    @exclusivity(unchecked) private var seriesCount = 0
    @exclusivity(unchecked) private var flatObsCount = 0
    @exclusivity(unchecked) private var dataSetMeta: [String: String] = [:]
    @exclusivity(unchecked) private var schema: DatasetSchema?
    @exclusivity(unchecked) private var keyConcepts: [String]?
    @exclusivity(unchecked) private var keyIndex: [String: Int] = [:]
    @exclusivity(unchecked) private var obsConcepts: [String]?
    @exclusivity(unchecked) private var metricDim: Int?
    @exclusivity(unchecked) private var metadataLimitHit = false
    static let metadataLimit = 10_000

    // Current series.
    @exclusivity(unchecked) private var inSeries = false
    @exclusivity(unchecked) private var seriesKeyDone = false
    @exclusivity(unchecked) private var curConcepts: [String] = []
    @exclusivity(unchecked) private var curValues: [String] = []
    @exclusivity(unchecked) private var seriesCoords: [String] = []
    @exclusivity(unchecked) private var seriesAttrs: [(String, String)] = []
    @exclusivity(unchecked) private var seriesPath = ""
    @exclusivity(unchecked) private var obsInSeries = 0
    /// Between a DataSet's start and end tags.
    @exclusivity(unchecked) private var dataSetOpen = false
    /// `Series[n]/Obs[` as bytes: an observation's path is this, its number and `]`.
    @exclusivity(unchecked) private var seriesObsPrefix: [UInt8] = []
    /// Categories of the observation-level dimensions already recorded (by code and dimension).
    @exclusivity(unchecked) private var seenCategories = IdentityCache<Bool>(capacity: 256)
    @exclusivity(unchecked) private var coordsBuffer: [String] = []

    // Current observation.
    @exclusivity(unchecked) private var obsLine = 0
    @exclusivity(unchecked) private var obsPath = ""
    @exclusivity(unchecked) private var obsTime: String?
    @exclusivity(unchecked) private var obsTimeId: String?
    @exclusivity(unchecked) private var obsKeyConcepts: [String] = []
    @exclusivity(unchecked) private var obsKeyValues: [String] = []
    @exclusivity(unchecked) private var obsValue: CellText?
    @exclusivity(unchecked) private var obsValueRaw = ""
    @exclusivity(unchecked) private var obsStatus: String?

    init(file: String, sink: any SDMXSink) {
        self.file = file
        self.sink = sink
    }

    // MARK: Driving libxml2

    /// The shared driver (Core/SAXDriver.swift), which refuses DOCTYPEs and entities and never
    /// stops libxml2 inside an element callback.
    @exclusivity(unchecked) private var driver: SAXDriver?

    func run(_ source: ChunkedFile, path: String) throws {
        let file = self.file
        let driver = SAXDriver(
            handler: self, malformed: "malformed XML", filename: path,
            locate: { line, column in SourceLocation(file: file, line: line, column: column) }
        ) { what, name in
            switch what {
            case .doctype:
                return
                    "a DOCTYPE declaration (<!DOCTYPE \(name) …>) is not allowed: SDMX data never needs one, and DTDs carry external and expanding entities"
            case .entityDeclaration:
                return
                    "entity declarations are not allowed (the DOCTYPE declares entity \"\(name)\"); SDMX data never needs them, and they are the vehicle of external-entity and entity-expansion attacks"
            case .entityReference:
                return
                    "entity reference &\(name); is not allowed: SDMX data never uses entities other than XML's five (&amp; &lt; &gt; &quot; &apos;)"
            }
        }
        self.driver = driver
        defer { self.driver = nil }
        try source.forEachChunk { try driver.feed($0) }
        try driver.finish()
        if rootName.isEmpty {
            throw ReadError(SourceLocation(file: file, line: 1), "the file is empty; expected an SDMX-ML document")
        }
    }

    private var currentLine: Int { driver?.line ?? 0 }

    /// Records the first failure; every callback returns at once once it is set, and the
    /// driver throws it after the current chunk.
    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

    private func fail(_ message: String, path: String? = nil) {
        fail(ReadError(SourceLocation(file: file, line: currentLine, path: path), message))
    }

    // MARK: SAX events

    private func classify(_ name: UnsafePointer<UInt8>) -> SDMXElement {
        for i in 0..<nameCacheKeys.count where nameCacheKeys[i] == name { return nameCacheValues[i] }
        let kind = SDMXElement.byName[String(cString: name)] ?? .other
        if nameCacheKeys.count < 128 {
            nameCacheKeys.append(name)
            nameCacheValues.append(kind)
        }
        return kind
    }

    /// Iterates SAX2 attributes: 5 pointers each (local name, prefix, URI, value start, value end).
    @inline(__always)
    private func forEachAttribute(
        _ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        _ body: (UnsafePointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void
    ) {
        guard let attributes, count > 0 else { return }
        for k in 0..<count {
            let base = attributes + 5 * k
            // Namespaced attributes (xml:lang, xsi:type, …) are not SDMX data.
            guard let local = base[0], base[2] == nil, let start = base[3], let end = base[4] else { continue }
            body(local, UnsafeBufferPointer(start: start, count: end - start))
        }
    }

    private func string(_ value: UnsafeBufferPointer<UInt8>) -> String {
        // Without entity substitution libxml2 hands `&amp;` in attributes over as `&#38;`.
        SAXAttributes.decode(value)
    }

    func startElement(_ name: UnsafePointer<UInt8>, count: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard failure == nil else { return }
        if stack.isEmpty {
            startRoot(name)
            stack.append(.root)
            return
        }
        let kind = classify(name)
        let parent = stack[stack.count - 1]
        // Data outside a DataSet (a Series after one has closed, under an element we do not
        // know) has no schema to belong to: refuse the file rather than guess.
        if !dataSetOpen && (kind == .series || kind == .obs) {
            fail("<\(String(cString: name))> outside a DataSet (after DataSet[\(dataSetCount)] closed); expected DataSet/Series/Obs")
            return
        }
        switch kind {
        case .name where parent == .header, .id where parent == .header, .prepared where parent == .header,
            .keyFamilyRef where parent == .dataSet, .time where parent == .obs:
            capturing = true
            text.removeAll(keepingCapacity: true)
        case .sender where parent == .header:
            forEachAttribute(count, attributes) { n, v in if cEquals(n, "id") { source = string(v) } }
        case .structure where parent == .header:
            forEachAttribute(count, attributes) { n, v in
                if cEquals(n, "dimensionAtObservation") {
                    let d = string(v)
                    if d != "AllDimensions" { dimensionAtObservation = d }
                } else if cEquals(n, "structureID") {
                    headerMeta["structure"] = string(v)
                }
            }
        case .dataSet:
            startDataSet()
            forEachAttribute(count, attributes) { n, v in
                if cEquals(n, "structureRef") || cEquals(n, "keyFamilyURI") || cEquals(n, "keyFamilyRef") {
                    dataSetMeta["structure"] = string(v)
                }
            }
        case .series where parent == .dataSet:
            startSeries()
            if attributeStyle {
                forEachAttribute(count, attributes) { n, v in
                    let id = String(cString: n)
                    if SDMXParseState.knownAttributes.contains(id) {
                        seriesAttrs.append((id, string(v)))
                    } else {
                        curConcepts.append(id); curValues.append(string(v))
                    }
                }
                applySeriesAttributes()
                completeSeriesKey()
            }
        case .value:
            let grand = stack.count >= 2 ? stack[stack.count - 2] : .other
            var id: UnsafeBufferPointer<UInt8>?
            var value: UnsafeBufferPointer<UInt8>?
            forEachAttribute(count, attributes) { n, v in
                if cEquals(n, "value") { value = v } else if cEquals(n, "concept") || cEquals(n, "id") { id = v }
            }
            switch (parent, grand) {
            case (.seriesKey, .series), (.obsKey, .obs):
                guard let id, let value else {
                    fail(
                        "a key Value needs both \(parent == .seriesKey ? "concept/id" : "id") and value attributes",
                        path: parent == .obsKey ? obsPath : seriesPath)
                    return
                }
                if parent == .seriesKey {
                    curConcepts.append(string(id)); curValues.append(string(value))
                } else {
                    obsKeyConcepts.append(string(id)); obsKeyValues.append(string(value))
                }
            case (.attributes, .series):
                if let id, let value { seriesAttrs.append((string(id), string(value))) }
            case (.attributes, .obs):
                // Only the status matters at observation level; no strings for the rest.
                if let id, let value, bytesEqual(id, "OBS_STATUS") { obsStatus = SDMXParseState.status(value) }
            default:
                break
            }
        case .obs where parent == .series || parent == .dataSet:
            startObs(flat: parent == .dataSet)
            if attributeStyle {
                forEachAttribute(count, attributes) { n, v in
                    if cEquals(n, "TIME_PERIOD") || cEquals(n, "TIME") {
                        obsTime = string(v)
                    } else if cEquals(n, "OBS_VALUE") {
                        setObsValue(v)
                    } else if cEquals(n, "OBS_STATUS") {
                        obsStatus = SDMXParseState.status(v)
                    }
                }
            }
        case .obsDimension where parent == .obs:
            forEachAttribute(count, attributes) { n, v in
                if cEquals(n, "value") { obsTime = string(v) } else if cEquals(n, "id") { obsTimeId = string(v) }
            }
        case .obsValue where parent == .obs:
            forEachAttribute(count, attributes) { n, v in if cEquals(n, "value") { setObsValue(v) } }
        default:
            break
        }
        stack.append(kind)
    }

    func endElement() {
        guard failure == nil, let kind = stack.popLast() else { return }
        let parent = stack.last ?? .other
        switch kind {
        case .name where parent == .header:
            if label == nil { label = takeText() }
            capturing = false
        case .id where parent == .header:
            headerMeta["id"] = takeText()
            capturing = false
        case .prepared where parent == .header:
            headerMeta["prepared"] = takeText()
            capturing = false
        case .keyFamilyRef where parent == .dataSet:
            dataSetMeta["structure"] = takeText()
            capturing = false
        case .time where parent == .obs:
            obsTime = takeText()
            capturing = false
        case .seriesKey where parent == .series:
            completeSeriesKey()
        case .attributes where parent == .series:
            applySeriesAttributes()
        case .obs where parent == .series || parent == .dataSet:
            finishObs()
        case .series where parent == .dataSet:
            if !seriesKeyDone { completeSeriesKey() }
            inSeries = false
        case .dataSet:
            endDataSet()
            dataSetOpen = false
        case .root:
            if dataSetCount == 0 {
                fail("unknown SDMX structure: expected \(rootName) with DataSet/Series, found root <\(rootName)> without a DataSet")
            }
        default:
            break
        }
    }

    func characters(_ ch: UnsafePointer<UInt8>, _ len: Int) {
        guard capturing, failure == nil else { return }
        text.append(contentsOf: UnsafeBufferPointer(start: ch, count: len))
    }

    private func takeText() -> String {
        let s = text.withUnsafeBufferPointer { trimmedUTF8($0) }
        text.removeAll(keepingCapacity: true)
        return s
    }

    private func startRoot(_ name: UnsafePointer<UInt8>) {
        rootName = String(cString: name)
        if SDMXElement.genericRoots.contains(rootName) { return }
        if SDMXElement.attributeRoots.contains(rootName) { attributeStyle = true; return }
        fail("unknown SDMX structure: expected GenericData with DataSet/Series, found root <\(rootName)>")
    }

    // MARK: Data sets and series

    private func startDataSet() {
        dataSetOpen = true
        dataSetCount += 1
        dataSetPrefix = dataSetCount > 1 ? "DataSet[\(dataSetCount)]/" : ""
        seriesCount = 0
        flatObsCount = 0
        dataSetMeta = [:]
        schema = nil
        seenCategories = IdentityCache(capacity: 256)
        keyConcepts = nil
        keyIndex = [:]
        obsConcepts = nil
        metricDim = nil
        metadataLimitHit = false
    }

    private func endDataSet() {
        if schema == nil {
            if seriesCount == 0 && flatObsCount == 0 {
                fail("DataSet[\(dataSetCount)] has no Series and no Obs; expected DataSet/Series/Obs with observations")
                return
            }
            // Series without observations: the schema still has the observation dimension.
            if obsConcepts == nil { obsConcepts = [dimensionAtObservation ?? "TIME_PERIOD"] }
            beginSchema()
            if failure != nil { return }
        }
        guard let s = schema else { return }
        do { try sink.end(s) } catch { fail(error) }
        schema = nil
        seenCategories = IdentityCache(capacity: 256)
    }

    private func startSeries() {
        seriesCount += 1
        inSeries = true
        seriesKeyDone = false
        curConcepts.removeAll(keepingCapacity: true)
        curValues.removeAll(keepingCapacity: true)
        seriesAttrs.removeAll(keepingCapacity: true)
        seriesPath = "\(dataSetPrefix)Series[\(seriesCount)]"
        seriesObsPrefix = Array((seriesPath + "/Obs[").utf8)
        obsInSeries = 0
    }

    /// Checks the series key against the first series' concepts and puts it in schema order.
    private func completeSeriesKey() {
        seriesKeyDone = true
        if let expected = keyConcepts {
            if curConcepts != expected {
                guard curConcepts.count == expected.count, Set(curConcepts).count == curConcepts.count,
                    curConcepts.allSatisfy({ keyIndex[$0] != nil })
                else {
                    let what = inSeries ? "the series key has concepts" : "an Obs outside any Series has key concepts"
                    fail(
                        "\(what) (\(curConcepts.joined(separator: ", "))) but the first Series has (\(expected.joined(separator: ", "))); every Series of a DataSet must have the same key concepts",
                        path: inSeries ? seriesPath : obsPath)
                    return
                }
                var ordered = [String](repeating: "", count: expected.count)
                for (c, v) in zip(curConcepts, curValues) { ordered[keyIndex[c]!] = v }
                curValues = ordered
            }
        } else {
            var seen: [String: Int] = [:]
            for (i, c) in curConcepts.enumerated() {
                if seen[c] != nil {
                    fail("the series key names concept \"\(c)\" twice", path: seriesPath)
                    return
                }
                seen[c] = i
            }
            keyConcepts = curConcepts
            keyIndex = seen
        }
        seriesCoords = curValues
        if schema != nil { addCategories(seriesCoords, from: 0) }
    }

    private func applySeriesAttributes() {
        guard !seriesAttrs.isEmpty else { return }
        for (id, value) in seriesAttrs where id != "OBS_STATUS" {
            if schema != nil {
                let existing = schema!.metadata[id]
                if existing == nil {
                    setMetadata(id, value)
                } else if existing != value {
                    setMetadata("\(id)[\(seriesDescription())]", value)
                }
            } else {
                // Before the schema exists, i.e. within the first series.
                dataSetMeta[id] = value
            }
        }
        seriesAttrs.removeAll(keepingCapacity: true)
    }

    private func setMetadata(_ key: String, _ value: String) {
        guard schema != nil else { return }
        if schema!.metadata[key] == nil && schema!.metadata.count >= SDMXParseState.metadataLimit {
            if !metadataLimitHit {
                metadataLimitHit = true
                schema!.metadata["attributes.truncated"] =
                    "more than \(SDMXParseState.metadataLimit) distinct series attribute values; the rest are not kept"
            }
            return
        }
        schema!.metadata[key] = value
    }

    private func seriesDescription() -> String {
        guard let concepts = keyConcepts else { return "" }
        if let m = metricDim, m < concepts.count, m < seriesCoords.count { return "\(concepts[m])=\(seriesCoords[m])" }
        return zip(concepts, seriesCoords).map { "\($0)=\($1)" }.joined(separator: ",")
    }

    // MARK: Observations

    private func startObs(flat: Bool) {
        if flat {
            flatObsCount += 1
            inSeries = false
            obsPath = "\(dataSetPrefix)Obs[\(flatObsCount)]"
            if keyConcepts == nil {
                curConcepts.removeAll(keepingCapacity: true)
                curValues.removeAll(keepingCapacity: true)
                completeSeriesKey()
            } else if keyConcepts?.isEmpty == false {
                fail(
                    "an Obs directly in the DataSet, but earlier observations are in Series with key concepts (\(keyConcepts!.joined(separator: ", "))); expected one layout per DataSet",
                    path: obsPath)
                return
            }
        } else {
            if !seriesKeyDone {
                // An Obs before (or without) a SeriesKey: the key is what has been seen.
                completeSeriesKey()
            }
            obsInSeries += 1
            obsPath = SDMXParseState.path(prefix: seriesObsPrefix, index: obsInSeries)
        }
        obsLine = currentLine
        obsTime = nil
        obsTimeId = nil
        obsKeyConcepts.removeAll(keepingCapacity: true)
        obsKeyValues.removeAll(keepingCapacity: true)
        obsValue = nil
        obsStatus = nil
    }

    private func setObsValue(_ v: UnsafeBufferPointer<UInt8>) {
        // "NaN" is SDMX's missing number.
        if v.count == 3, v[0] | 0x20 == 0x6E, v[1] | 0x20 == 0x61, v[2] | 0x20 == 0x6E {
            obsValue = .empty
            return
        }
        let parsed = NumberParser.parse(v, decimalComma: false)
        if parsed == .invalid { obsValueRaw = string(v) }
        obsValue = parsed
    }

    private func finishObs() {
        guard failure == nil else { return }
        // The observation-level dimensions: one time value, or an ObsKey.
        let timeId = obsTimeId ?? dimensionAtObservation ?? "TIME_PERIOD"
        if let expected = obsConcepts {
            if obsTime != nil {
                if expected.count != 1 || expected[0] != timeId {
                    failObsConcepts([timeId], expected)
                    return
                }
            } else if obsKeyConcepts != expected {
                guard !obsKeyConcepts.isEmpty else { failNoTime(); return }
                guard obsKeyConcepts.count == expected.count, Set(obsKeyConcepts) == Set(expected) else {
                    failObsConcepts(obsKeyConcepts, expected)
                    return
                }
                var ordered = [String](repeating: "", count: expected.count)
                for (c, v) in zip(obsKeyConcepts, obsKeyValues) { ordered[expected.firstIndex(of: c)!] = v }
                obsKeyValues = ordered
            }
        } else {
            if obsTime != nil {
                obsConcepts = [timeId]
            } else if !obsKeyConcepts.isEmpty {
                if Set(obsKeyConcepts).count != obsKeyConcepts.count || obsKeyConcepts.contains(where: { keyIndex[$0] != nil }) {
                    fail("the ObsKey (\(obsKeyConcepts.joined(separator: ", "))) repeats a concept", path: obsPath)
                    return
                }
                obsConcepts = obsKeyConcepts
            } else {
                failNoTime(); return
            }
            beginSchema()
            if failure != nil { return }
        }

        // One buffer for every observation's coordinates: the cell is gone when the sink
        // returns, so appending again does not copy.
        var coords = coordsBuffer
        coordsBuffer = []
        coords.removeAll(keepingCapacity: true)
        coords.append(contentsOf: seriesCoords)
        let first = coords.count
        if let t = obsTime { coords.append(t) } else { coords.append(contentsOf: obsKeyValues) }
        defer { coordsBuffer = coords }
        var i = first
        while i < coords.count {
            if seenCategories.value(for: coords[i], i) == nil {
                addCategories(coords, from: i, to: i + 1)
                seenCategories.store(true, for: coords[i], i)
            }
            i += 1
        }

        let location = SourceLocation(file: file, line: obsLine, path: obsPath)
        let status = obsStatus
        var value: Double?
        var cellStatus: String?
        switch obsValue {
        case nil, .empty?:
            // No number: keep a missing symbol the status gives, else SSB's "data missing".
            if status == "-" { value = 0; cellStatus = "-" } else { cellStatus = Symbols.isMissing(status) ? status : ".." }
        case .number(let v, let s)?:
            cellStatus = s ?? status
            value = Symbols.isMissing(cellStatus) ? nil : v
        case .symbol(let s)?:
            cellStatus = s
        case .invalid?:
            let error = ReadError(
                location, "ObsValue \"\(obsValueRaw)\" is neither a number (decimal point) nor NaN or one of the symbols . .. ... : - *")
            do { try sink.reject(error, raw: obsValueRaw) } catch { fail(error) }
            return
        }
        do {
            try sink.cell(Cell(coordinates: coords, value: value, status: cellStatus, location: location), schema: schema!)
        } catch {
            fail(error)
        }
    }

    private func failNoTime() {
        fail("the Obs has no time period; expected a Time element, ObsDimension@value or ObsKey/Value", path: obsPath)
    }

    private func failObsConcepts(_ found: [String], _ expected: [String]) {
        fail(
            "the Obs has dimensions (\(found.joined(separator: ", "))) but the first Obs has (\(expected.joined(separator: ", "))); every Obs of a DataSet must have the same",
            path: obsPath)
    }

    private func beginSchema() {
        let keys = keyConcepts ?? []
        var dims = keys.map { Dimension(id: $0, role: SDMXParseState.role(for: $0)) }
        for c in obsConcepts ?? [] {
            dims.append(Dimension(id: c, role: SDMXParseState.role(for: c)))
        }
        var metadata = headerMeta
        for (k, v) in dataSetMeta { metadata[k] = v }
        let s = DatasetSchema(dimensions: dims, label: label, source: source, metadata: metadata)
        metricDim = s.index(ofRole: .metric)
        schema = s
        addCategories(seriesCoords, from: 0)
        do { try sink.begin(s) } catch { fail(error) }
    }

    /// Records category codes not seen before (codes only: SDMX generic data has no labels).
    @inline(__always)
    private func addCategories(_ coords: [String], from start: Int, to end: Int = .max) {
        guard schema != nil else { return }
        let n = min(coords.count, schema!.dimensions.count, end)
        var i = start
        while i < n {
            if schema!.dimensions[i].categories[coords[i]] == nil {
                schema!.dimensions[i].categories[coords[i]] = CategoryLabel(name: coords[i])
            }
            i += 1
        }
    }

    /// `prefix` followed by `index` in decimal and `]`, built without string interpolation
    /// (this runs once per observation).
    static func path(prefix: [UInt8], index: Int) -> String {
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { d in
            var n = index.magnitude
            var k = d.count
            repeat {
                k -= 1
                d[k] = UInt8(truncatingIfNeeded: n % 10) + 0x30
                n /= 10
            } while n > 0 && k > 1
            if index < 0 { k -= 1; d[k] = 0x2D }
            let count = prefix.count + (d.count - k) + 1
            return String(unsafeUninitializedCapacity: count) { out in
                var i = 0
                for b in prefix { out[i] = b; i += 1 }
                for j in k..<d.count { out[i] = d[j]; i += 1 }
                out[i] = 0x5D
                return count
            }
        }
    }

    // MARK: Vocabulary

    /// SDMX attribute ids that appear as XML attributes on structure-specific `Series` and are
    /// therefore not dimensions.
    static let knownAttributes: Set<String> = [
        "UNIT_MEASURE", "UNIT_MULT", "DECIMALS", "TIME_FORMAT", "TITLE", "TITLE_COMPL", "COMMENT", "COMMENT_TS",
        "OBS_STATUS", "OBS_CONF", "COLL_METHOD", "BASE_PER", "SOURCE_AGENCY", "COMPILING_ORG", "DATA_COMP",
        "REF_PERIOD_DETAIL", "TIME_PER_COLLECT", "UNIT"
    ]

    static func role(for id: String) -> DimensionRole {
        let l = id.lowercased()
        switch l {
        case "time_period", "time", "tid", "år", "aar", "year": return .time
        case "contentscode", "contents", "indicator", "measure": return .metric
        default: break
        }
        if l.contains("region") || l.contains("geo") || l.contains("kommune") || l == "ref_area" { return .geo }
        return .other
    }

    /// OBS_STATUS codes (SDMX code list CL_OBS_STATUS) as SSB symbols. An SSB symbol given
    /// directly is kept; an unknown code is kept as published.
    static func status(_ code: UnsafeBufferPointer<UInt8>) -> String? {
        if code.count == 1 {
            switch code[0] {
            case 0x41: return nil // A
            case 0x4D: return ".." // M
            case 0x45, 0x50: return "*" // E, P
            default: break
            }
        }
        return mapStatus(String(decoding: code, as: UTF8.self))
    }

    static func mapStatus(_ code: String) -> String? {
        switch code {
        case "A", "": return nil
        case "M", "L", "O", "H": return ".."
        case "Q": return ":"
        case "E", "P", "F", "I": return "*"
        default: return code
        }
    }
}

extension SDMXParseState {
    // SAXHandler: the driver's events, in SDMX's own terms.
    func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) {
        startElement(name, count: attributes.count, attributes: attributes.pointer)
    }

    func endElement(_ name: UnsafePointer<UInt8>) { endElement() }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        guard let base = text.baseAddress else { return }
        characters(base, text.count)
    }
}
