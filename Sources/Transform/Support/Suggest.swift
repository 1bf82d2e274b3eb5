/// The names closest to a mistyped one, for "did you mean" hints in messages
/// (docs/bad-input.md lists the messages that use them).
///
/// Distance is Levenshtein's (insertions, deletions, substitutions of characters), compared
/// case-insensitively. A name counts as close when the distance is at most a third of the
/// longer name's length (at least 1, at most 4); among those the nearest come first, ties
/// in the order of `among`. An exact match (ignoring case) is returned alone.
public func closestNames(to name: String, among candidates: [String], max: Int = 3) -> [String] {
    guard max > 0, !candidates.isEmpty else { return [] }
    let target = Array(name.lowercased())
    var scored: [(name: String, distance: Int, order: Int)] = []
    var seen = Set<String>()
    for (i, c) in candidates.enumerated() where seen.insert(c).inserted {
        let other = Array(c.lowercased())
        let limit = Swift.min(4, Swift.max(1, Swift.max(target.count, other.count) / 3))
        guard let d = levenshtein(target, other, limit: limit) else { continue }
        if d == 0 { return [c] }
        scored.append((c, d, i))
    }
    scored.sort { ($0.distance, $0.order) < ($1.distance, $1.order) }
    return scored.prefix(max).map(\.name)
}

/// The edit distance between two character sequences, or nil when it is above `limit`
/// (the rows are cut short as soon as every entry exceeds it).
public func levenshtein(_ a: [Character], _ b: [Character], limit: Int) -> Int? {
    if abs(a.count - b.count) > limit { return nil }
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        var rowMin = current[0]
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            rowMin = Swift.min(rowMin, current[j])
        }
        if rowMin > limit { return nil }
        swap(&previous, &current)
    }
    return previous[b.count] <= limit ? previous[b.count] : nil
}

/// " did you mean `x`?" (or "`x` or `y`"), or "" when nothing is close: the tail of a
/// message about an unknown key, value, code or name.
public func didYouMean(_ name: String, among candidates: [String]) -> String {
    let close = closestNames(to: name, among: candidates, max: 2).filter { $0 != name }
    guard !close.isEmpty else { return "" }
    return "; did you mean " + close.map { "`\($0)`" }.joined(separator: " or ") + "?"
}
