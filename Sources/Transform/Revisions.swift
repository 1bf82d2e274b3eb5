import Foundation

/// What a publication changed against the one before it (README, "What changed last night"):
/// the counts of facts added, removed and revised, and the largest revision. Pure values and
/// rules; the warehouse computes the rows (`etl_change`).
public struct RevisionSummary: Sendable, Codable, Equatable {
    /// The largest revision of a value: by relative change, a revision from zero counting as the largest.
    public struct Largest: Sendable, Codable, Equatable {
        public var indicator: String
        public var region: String
        public var year: Int
        public var breakdown: String
        public var oldValue: Double
        public var newValue: Double
        /// nil when the old value is zero (no relative change can be given).
        public var relativeChange: Double?
        public var decimals: Int

        public init(
            indicator: String, region: String, year: Int, breakdown: String, oldValue: Double, newValue: Double, relativeChange: Double?,
            decimals: Int
        ) {
            self.indicator = indicator
            self.region = region
            self.year = year
            self.breakdown = breakdown
            self.oldValue = oldValue
            self.newValue = newValue
            self.relativeChange = relativeChange
            self.decimals = decimals
        }
    }

    /// The run whose publication this one is compared with (nil: the first publication).
    public var previousRunId: Int64?
    public var added = 0
    public var removed = 0
    public var revised = 0
    /// Indicators with at least one revised value.
    public var indicatorsRevised = 0
    public var largest: Largest?
    /// The content hash of what the run published (see `Vintages`), and its short form.
    public var hash = ""
    /// Seconds spent recording this vintage (changes, history, hash), and storing the new
    /// versions of the sources read (comparing them with the previous ones).
    public var seconds = 0.0
    public var versionSeconds = 0.0

    public init(
        previousRunId: Int64? = nil, added: Int = 0, removed: Int = 0, revised: Int = 0, indicatorsRevised: Int = 0,
        largest: Largest? = nil, hash: String = ""
    ) {
        self.previousRunId = previousRunId
        self.added = added
        self.removed = removed
        self.revised = revised
        self.indicatorsRevised = indicatorsRevised
        self.largest = largest
        self.hash = hash
    }

    public var shortHash: String { String(hash.prefix(12)) }

    public var isEmpty: Bool { added == 0 && removed == 0 && revised == 0 }

    /// The relative change of a revision, `(new − old) / |old|`; nil when either value is
    /// missing or the old value is zero.
    public static func relativeChange(old: Double?, new: Double?) -> Double? {
        guard let old, let new, old != 0 else { return nil }
        return (new - old) / abs(old)
    }

    /// Whether a revision goes beyond `threshold` (a fraction: 0.05 is 5 %). Only revisions of
    /// one number to another count; a revision from zero to another number always does.
    @inline(never)
    public static func exceeds(old: Double?, new: Double?, threshold: Double) -> Bool {
        let o = old ?? .nan, n = new ?? .nan
        if o.isNaN || n.isNaN || o == n { return false }
        if o == 0 { return true }
        return abs((n - o) / abs(o)) > threshold
    }

    /// A count with a space between groups of three digits, as Norwegian tables write it (1 204).
    public static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(" ") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func number(_ v: Double, decimals: Int) -> String {
        String(format: "%.\(max(0, min(decimals, 10)))f", v)
    }

    /// The summary line: "revised 1 204 values in 3 indicators; largest: 3118
    /// legemiddelgjennomgang 2024 54.1 → 61.3; 12 added, 0 removed", or "no values changed".
    public var line: String {
        if isEmpty { return "no values changed" + (previousRunId.map { " since run \($0)" } ?? "") }
        var parts: [String] = []
        if revised > 0 {
            var s =
                "revised \(Self.grouped(revised)) value\(revised == 1 ? "" : "s") in \(indicatorsRevised) indicator\(indicatorsRevised == 1 ? "" : "s")"
            if let l = largest {
                s +=
                    "; largest: \(l.region) \(l.indicator) \(l.year)\(l.breakdown.isEmpty ? "" : " [\(l.breakdown)]") "
                    + "\(Self.number(l.oldValue, decimals: l.decimals)) → \(Self.number(l.newValue, decimals: l.decimals))"
            }
            parts.append(s)
        } else {
            parts.append("revised no values")
        }
        parts.append("\(Self.grouped(added)) added, \(Self.grouped(removed)) removed")
        return parts.joined(separator: "; ")
    }
}
