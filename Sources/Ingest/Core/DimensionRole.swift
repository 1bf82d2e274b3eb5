/// The role a dimension plays. Readers guess it from the format (JSON-stat `role`, SSB's
/// well-known ids and header words); a pipeline may override it.
public enum DimensionRole: String, Sendable, Codable {
    case geo, time, metric, other
}
