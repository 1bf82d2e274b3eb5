import Ingest

/// A validity period in whole years; `to` nil means still valid.
public struct Validity: Sendable, Hashable, Codable {
    public var from: Int?
    public var to: Int?
    public var name: String

    public func contains(_ year: Int) -> Bool {
        (from.map { year >= $0 } ?? true) && (to.map { year <= $0 } ?? true)
    }
}
