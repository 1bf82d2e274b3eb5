import Ingest

/// The level of a region code as SSB publishes it.
public enum RegionLevel: String, Sendable, Codable {
    case kommune, fylke, land, kostragruppe, annet

    /// Classifies a published code: `0124` kommune, `K-3118` kommune (merged series),
    /// `30` or `EKA30` fylke, `EAK` land, `EKG13` KOSTRA group.
    public static func of(_ code: String) -> RegionLevel {
        // Called once per staged cell: look at the bytes without allocating.
        var code = code
        return code.withUTF8 { u in
            func digits(_ from: Int) -> Bool {
                guard from < u.count else { return false }
                for i in from..<u.count where !(u[i] >= 0x30 && u[i] <= 0x39) { return false }
                return true
            }
            func prefix(_ p: StaticString) -> Bool {
                let n = p.utf8CodeUnitCount
                guard u.count >= n else { return false }
                let pp = p.utf8Start
                for i in 0..<n where u[i] != pp[i] { return false }
                return true
            }
            if (u.count == 1 || u.count == 4) && u.allSatisfy({ $0 == 0x30 }) { return .land }
            if u.count == 4 && digits(0) { return .kommune }
            if u.count == 6 && prefix("K-") && digits(2) { return .kommune }
            if u.count == 2 && digits(0) { return .fylke }
            if prefix("EKA") && digits(3) { return .fylke }
            if prefix("EKG") && digits(3) { return .kostragruppe }
            if u.count == 3 && prefix("EAK") { return .land }
            if u.count == 5 && prefix("EAKUO") { return .land }
            return .annet
        }
    }
}
