import Foundation
import Ingest

/// The rules a published cell must meet to be staged, and how its region code is judged
/// (docs/HARMONISATION.md §2, docs/bad-input.md "Rows rejected, the rest published"). Pure:
/// the staging sink in Pipeline applies them to every cell and caches the code verdicts.
public enum CellRules {
    /// How a kommune or fylke code stands in a year.
    public enum Verdict: Sendable {
        /// A code of that year: harmonised.
        case valid
        /// A real code, but not of that year (3014 in 2019): staged, set aside, never harmonised.
        case outOfValidity
        /// Without a register: a number whose county did not exist that year (9999). Rejected.
        case noSuchCounty
        /// A code of no year at all (0199). Rejected with the nearest codes.
        case neverValid
        /// Svalbard, `9999` Uoppgitt, SSB's grouping codes (`0716u`): staged, set aside, counted.
        case special
    }

    /// Why a cell is refused, and at which of its dimensions.
    public enum Problem: Sendable, Equatable {
        case region(String)
        case period(String)
        case value(String)

        public var message: String {
            switch self {
            case .region(let m), .period(let m), .value(let m): return m
            }
        }
    }

    /// The year a period starts with (`2020`, `2020M01`, `2020K1`), read from its first four
    /// bytes; nil when they are not digits.
    public static func leadingYear(_ period: String) -> Int? {
        var p = period
        return p.withUTF8 { u in
            guard u.count >= 4 else { return nil }
            var y = 0
            for i in 0..<4 {
                let d = Int(u[i]) - 0x30
                guard d >= 0 && d <= 9 else { return nil }
                y = y * 10 + d
            }
            return y
        }
    }

    /// A cell's shape: a region code of a known form, a period that is a year no later than
    /// `maxYear`, and a finite value. `level` is the code's level as staging reads it (SSB's
    /// grouping codes count as kommune codes).
    public static func shapeProblem(region: String, level: RegionLevel, period: String, year: Int?, maxYear: Int, value: Double?)
        -> Problem?
    {
        if level == .annet {
            return .region(
                "unknown region code \"\(region)\": expected a 4-digit kommune number, K-nnnn, a 2-digit fylke, EAK, EKAnn or EKGnn")
        }
        guard let year, (1800...2200).contains(year) else { return .period("period \"\(period)\" is not a year (expected YYYY)") }
        if year > maxYear { return .period("year \(year) is in the future") }
        if let v = value, !v.isFinite { return .value("value is not a finite number") }
        return nil
    }

    /// Whether a published kommune (or, with a register, fylke) code is valid in a year
    /// (docs/PIPELINE.md, "The register"). `labelTo`: the end year SSB's label gives
    /// (`Sandar (-1967)`): a municipality that ended before the register begins is a code of
    /// another year, not a code of no year.
    public static func verdict(_ region: String, year: Int, level: RegionLevel, regions: RegionCatalog, name: String?, labelTo: Int? = nil)
        -> Verdict
    {
        guard let register = regions.register else {
            // Without a register the catalogue names only codes that changed; an unknown code
            // must at least belong to a county of its year (9999 does not: county 99 never existed).
            if !regions.isKnown(region) && !Counties.countyExists(forKommune: region, in: year) { return .noSuchCounty }
            return regions.isValid(region, in: year) ? .valid : .outOfValidity
        }
        if level == .fylke {
            if register.fylker[region] != nil { return register.isCountyValid(region, in: year) ? .valid : .outOfValidity }
            return Register.specialKind(region, name: name) != nil ? .special : .neverValid
        }
        if register.isKnown(region) { return register.isValid(region, in: year) ? .valid : .outOfValidity }
        if let to = labelTo, to < register.firstYear { return .outOfValidity }
        return Register.specialKind(region, name: name) != nil ? .special : .neverValid
    }

    /// The refusal of a code a county never had: `… no county 99 existed in 2019, so no municipality had this number`.
    public static func noSuchCountyMessage(_ region: String, year: Int) -> String {
        "unknown region code \"\(region)\": no county \(region.prefix(2)) existed in \(year), so no municipality had this number"
    }

    /// `unknown region code "0199": no kommune had this code in any year 1971–2026; nearest codes valid in 2019: …`
    public static func neverValidMessage(_ region: String, year: Int, name: String?, regions: RegionCatalog) -> String {
        guard let register = regions.register else { return "unknown region code \"\(region)\"" }
        let what = region.utf8.count == 2 ? "fylke" : "kommune"
        var m = "unknown region code \"\(region)\": no \(what) had this code in any year \(register.firstYear)–\(register.lastYear)"
        if what == "kommune" {
            let s = register.suggestions(for: region, name: name, year: year)
            if !s.byNumber.isEmpty { m += "; nearest codes valid in \(year): " + s.byNumber.joined(separator: ", ") }
            if !s.byName.isEmpty { m += "; by name \"\(name ?? "")\": " + s.byName.joined(separator: ", ") }
        } else {
            let valid = register.fylker.filter { $0.value.contains { $0.contains(year) } }.keys.sorted()
            m += "; fylker valid in \(year): " + valid.joined(separator: ", ")
        }
        return m
    }
}
