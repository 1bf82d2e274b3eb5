public struct Dimension: Sendable {
    public var id: String
    public var label: String?
    public var role: DimensionRole
    /// Category labels by code, filled in as the reader sees them.
    public var categories: [String: CategoryLabel]

    public init(id: String, label: String? = nil, role: DimensionRole, categories: [String: CategoryLabel] = [:]) {
        self.id = id
        self.label = label
        self.role = role
        self.categories = categories
    }
}
