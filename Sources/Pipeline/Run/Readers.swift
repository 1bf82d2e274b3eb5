import Foundation
import Ingest
import Yams

/// Options a user or a pipeline may force on a reader.
public struct ReaderOptions: Sendable {
    public var format: SourceFormat?
    public var encoding: TextEncoding?
    public var delimiter: UInt8?
    public var decimalComma: Bool?
    public var roles: [String: DimensionRole] = [:]
    public var lenientIndex = false
    public var displayName: String?
    public var mapping: HusbankenMapping?
    /// Finds a municipality code from its name in a year (Husbanken exports without numbers).
    public var resolveName: (@Sendable (String, Int) -> Result<String, NameLookupError>)?
    /// CSV region cells that lost a leading zero.
    public var leadingZeros: LeadingZeros = .reject
    /// PX: the language to read.
    public var language: String?

    public init(
        format: SourceFormat? = nil, encoding: TextEncoding? = nil, delimiter: UInt8? = nil, decimalComma: Bool? = nil,
        roles: [String: DimensionRole] = [:], lenientIndex: Bool = false, displayName: String? = nil
    ) {
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.decimalComma = decimalComma
        self.roles = roles
        self.lenientIndex = lenientIndex
        self.displayName = displayName
    }

    public init(source s: SourceDefinition, displayName: String) {
        format = s.format
        encoding = s.encoding.flatMap(TextEncoding.init(name:))
        delimiter = s.delimiter.flatMap { d in d == "tab" || d == "\\t" ? 0x09 : d.utf8.first }
        decimalComma = s.decimal.map { $0 == "," || $0 == "comma" }
        roles = s.dimensions ?? [:]
        lenientIndex = s.lenient_index ?? false
        leadingZeros = s.leading_zeros ?? .reject
        language = s.language
        mapping = s.mapping
        self.displayName = displayName
    }
}

/// What a reader said about the file it read (for the source dimension and `etl inspect`).
public struct ReadInfo: Sendable {
    public var format: SourceFormat
    public var dialect: String
}

/// Reads any supported file into a sink, choosing the reader by the declared format or the
/// file's extension and first bytes (Ingest's `FormatSniffer`).
public func readFile<S: CellSink>(path: String, options: ReaderOptions, into sink: inout S) throws -> ReadInfo {
    let format = options.format ?? sniffFormat(path: path)
    let reader = try makeReader(format: format, path: path, options: options)
    try reader.read(into: &sink)
    return ReadInfo(format: format, dialect: reader.dialectDescription)
}

/// The reader for a format, with the options that apply to it.
func makeReader(format: SourceFormat, path: String, options: ReaderOptions) throws -> any CellReader {
    let name = options.displayName ?? path
    switch format {
    case .csv:
        var csv = CSVOptions(
            delimiter: options.delimiter, decimalComma: options.decimalComma, encoding: options.encoding,
            roles: options.roles, displayName: name)
        csv.resolveName = options.resolveName
        csv.leadingZeros = options.leadingZeros
        return try CSVReader(path: path, options: csv)
    case .jsonstat:
        return try JSONStatReader(path: path, options: JSONStatOptions(lenientIndex: options.lenientIndex, displayName: name))
    case .sdmx:
        return try SDMXReader(path: path, options: SDMXOptions(displayName: name))
    case .px:
        return try PXReader(path: path, displayName: name, encoding: options.encoding, language: options.language)
    case .husbanken:
        guard let mapping = options.mapping else {
            throw ReadError(
                SourceLocation(file: name), "a Husbanken export needs a column mapping (municipality, year, kind, stage, places, …)")
        }
        return try HusbankenReader(
            path: path, mapping: mapping, displayName: name, encoding: options.encoding, resolveName: options.resolveName)
    }
}

/// Guesses a file's format (Ingest's `FormatSniffer`); a KLASS download reads as JSON-stat
/// here, where it is refused as not a dataset (KLASS files go to `etl catalog import`).
public func sniffFormat(path: String) -> SourceFormat {
    switch FormatSniffer.sniff(path: path) {
    case .csv: return .csv
    case .jsonstat, .klass: return .jsonstat
    case .sdmx: return .sdmx
    case .px: return .px
    }
}

/// Reads a Husbanken column mapping from a small YAML (or JSON) file, as `etl inspect --mapping` takes it.
public func loadHusbankenMapping(path: String) throws -> HusbankenMapping {
    guard let data = FileManager.default.contents(atPath: path) else { throw PipelineError.run("\(path): error: mapping file not found") }
    do { return try YAMLDecoder().decode(HusbankenMapping.self, from: String(decoding: data, as: UTF8.self)) } catch {
        throw PipelineError.run(
            "\(path): error: \(Pipeline.describe(error)); expected keys municipality, year, kind, stage, places (and optionally municipality_name, purpose, amount, sheet)"
        )
    }
}
