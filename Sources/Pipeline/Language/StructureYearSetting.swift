import Fetch
import Foundation
import Ingest
import Transform
import Yams

/// The municipality structure a pipeline harmonises to.
public enum StructureYearSetting: Codable, Sendable, Equatable {
    case latest
    case year(Int)
    /// Stable units instead of one year's structure (docs/PIPELINE.md, "Stable units").
    case stable

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let y = try? c.decode(Int.self) { self = .year(y); return }
        let s = try c.decode(String.self)
        if s == "latest" {
            self = .latest
        } else if s == "stable" {
            self = .stable
        } else if let y = Int(s) {
            self = .year(y)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected `latest`, `stable` or a year")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .latest: try c.encode("latest")
        case .stable: try c.encode("stable")
        case .year(let y): try c.encode(y)
        }
    }
}
