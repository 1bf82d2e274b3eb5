/// One cell of a dataset as the file has it: a category code per dimension (in schema
/// order), a number or nothing, and SSB's status symbol.
public struct Cell: Sendable {
    public var coordinates: [String]
    public var value: Double?
    public var status: String?
    public var location: SourceLocation

    public init(coordinates: [String], value: Double?, status: String?, location: SourceLocation) {
        self.coordinates = coordinates
        self.value = value
        self.status = status
        self.location = location
    }
}
