/// What an indicator's breakdown is (`dim_breakdown.kind`, and the views `v_indicator_by_age`,
/// `_by_sex`, `_by_service`): a breakdown by one dimension whose id names age (`alder`), sex
/// (`kjonn`, `kjønn`) or service (`tjeneste`, `art`); `total` for none; `other` for anything
/// else, a combination included. And its label: the sources' category labels where they have
/// them (`Menn`, `80 år`), else the category codes (everything after a pair's first `=`).
/// The warehouse (`dim_breakdown.label`) and the report label breakdowns with it.
public enum Breakdown {
    public enum Kind: String, Sendable, CaseIterable {
        case total, age, sex, service, other
    }

    /// The kind of a breakdown code (`alder=80-89`, `kjonn=2;alder=80-89`, or empty).
    public static func kind(of code: String) -> Kind {
        if code.isEmpty { return .total }
        if code.contains(";") { return .other }
        let lower = code.lowercased()
        if lower.hasPrefix("alder=") { return .age }
        if lower.hasPrefix("kjonn=") || lower.hasPrefix("kjønn=") { return .sex }
        if lower.hasPrefix("tjeneste=") || lower.hasPrefix("art=") { return .service }
        return .other
    }

    /// The label of a breakdown code: each `dimension=code` pair by the label the sources give
    /// it (`labels`, keyed by the lowercased pair), else by its code; `I alt` for the total.
    public static func label(of code: String, labels: [String: String]) -> String {
        if code.isEmpty { return "I alt" }
        return code.split(separator: ";").map {
            labels[String($0).lowercased()] ?? $0.split(separator: "=", maxSplits: 1).last.map(String.init) ?? String($0)
        }.joined(separator: ", ")
    }
}
