import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// A source file the pipeline reads.
public struct SourceDefinition: Codable, Sendable {
    public var id: String
    public var path: String
    /// csv, jsonstat, sdmx, px, husbanken; sniffed from the extension and first bytes when omitted.
    public var format: SourceFormat?
    public var table: String?
    public var encoding: String?
    public var delimiter: String?
    public var decimal: String?
    /// Role overrides: dimension (column) name → geo, time, metric, other.
    public var dimensions: [String: DimensionRole]?
    /// Treat values of codes outside their validity as back-cast series (SSB's merged code list).
    public var backcast: Bool?
    /// Re-rank gapped JSON-stat category positions instead of refusing the file.
    public var lenient_index: Bool?
    /// CSV: kommune numbers that lost their leading zero in a spreadsheet (`301`): `reject` (default) or `restore`.
    public var leading_zeros: LeadingZeros?
    /// PX: the language to read from a file with `LANGUAGES` (default: the file's `LANGUAGE`).
    public var language: String?
    /// Husbanken exports: which column holds what.
    public var mapping: HusbankenMapping?
    /// Add up cells that repeat a key (one row per project) instead of rejecting the repeat.
    /// Default: true for Husbanken exports, false otherwise.
    public var sum_duplicates: Bool?
    /// Where `etl fetch` / `etl run --fetch` gets this file from (PxWebApi v2 or KLASS); `path` is where it lands.
    public var fetch: FetchSpec?
}
