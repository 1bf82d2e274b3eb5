import Foundation

/// One row of KLASS classification 131 `changes`, as the project's catalogue keeps it.
public struct CodeChange: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case name, split, merge, renumber }

    public var oldCode: String
    public var oldName: String
    public var newCode: String
    public var newName: String
    /// `changeOccurred` as published (`2020-01-01`).
    public var date: String
    public var kind: Kind

    public init(oldCode: String, oldName: String, newCode: String, newName: String, date: String, kind: Kind) {
        self.oldCode = oldCode
        self.oldName = oldName
        self.newCode = newCode
        self.newName = newName
        self.date = date
        self.kind = kind
    }

    /// The first year of the new structure.
    public var year: Int { Int(date.prefix(4)) ?? 0 }
}
