import Foundation
import Ingest

/// A value with SSB's status.
public struct StatValue: Sendable, Hashable {
    public var value: Double?
    public var status: String?
    public init(_ value: Double?, status: String? = nil) {
        self.value = value
        self.status = status
    }
}
