import Foundation

/// A comparison group: municipalities compared together in one structure year.
public struct ComparisonGroup: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable { case national, county, kostragruppe, adhoc }
    public var code: String
    public var name: String
    public var kind: Kind
    /// Members per year (KOSTRA groups change membership); `nil` key means every year.
    public var members: [Int?: Set<String>]

    public init(code: String, name: String, kind: Kind, members: [Int?: Set<String>]) {
        self.code = code
        self.name = name
        self.kind = kind
        self.members = members
    }

    public func members(in year: Int) -> Set<String> { members[year] ?? members[nil] ?? [] }
}
