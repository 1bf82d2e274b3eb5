/// One staged value as published, read back from staging for deriving: the region code of its
/// own year, the period, the other dimensions as `id=code` pairs, the value or SSB's symbol,
/// and where it stands in its file (`line:column` or a JSON/XML path).
public struct StagedRow: Sendable {
    public var region: String
    public var period: String
    public var breakdown: String
    public var value: Double?
    public var status: String?
    public var location: String

    public init(region: String, period: String, breakdown: String, value: Double?, status: String?, location: String) {
        self.region = region
        self.period = period
        self.breakdown = breakdown
        self.value = value
        self.status = status
        self.location = location
    }
}
