import Foundation
import GRDB
import GRDBSQLite
import Ingest
import Transform

/// A string compared and hashed by its UTF-8 bytes. Codes are kept as published, so two
/// spellings SQLite stores as different keys must be different keys here too (Swift's own
/// `String` equality treats canonically equivalent spellings as equal), and hashing bytes
/// skips the Unicode normalisation that made `String` hashing a hot spot of the load.
public struct ByteKey: Hashable, Sendable {
    public let string: String
    public init(_ string: String) { self.string = string }

    public static func == (a: ByteKey, b: ByteKey) -> Bool {
        a.string.utf8.count == b.string.utf8.count && Staging.compare(a.string, b.string) == 0
    }

    public func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
