/// The names closest to `name` by edit distance (insertions, deletions, substitutions), for
/// "did you mean" hints. Only names within a third of the longer length (at least 2 edits)
/// are offered, nearest first, ties in the order given.
public func closestNames(to name: String, among candidates: [String], max: Int = 3) -> [String] {
    let a = Array(name.lowercased())
    var scored: [(name: String, distance: Int, order: Int)] = []
    for (i, c) in candidates.enumerated() {
        let b = Array(c.lowercased())
        let d = editDistance(a, b)
        let limit = Swift.max(2, Swift.max(a.count, b.count) / 3)
        if d <= limit && c != name { scored.append((c, d, i)) }
    }
    return scored.sorted { ($0.distance, $0.order) < ($1.distance, $1.order) }.prefix(max).map(\.name)
}

/// Levenshtein distance between two character arrays, in O(len(a) × len(b)) time and O(len(b)) memory.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// " did you mean `x`?" (or "`x` or `y`"), or "" when nothing is close.
public func didYouMean(_ name: String, among candidates: [String]) -> String {
    let close = closestNames(to: name, among: candidates, max: 2)
    guard !close.isEmpty else { return "" }
    return "; did you mean " + close.map { "`\($0)`" }.joined(separator: " or ") + "?"
}
