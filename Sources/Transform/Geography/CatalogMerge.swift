/// Merging a KLASS change list into an existing change catalogue (`etl catalog import`,
/// README "Commands"; the refusals are in docs/bad-input.md).
public struct CatalogMerge: Sendable {
    /// Which side wins where the two disagree.
    public enum Preference: String, Sendable, CaseIterable { case klass, catalogue }

    /// A change of the KLASS list against the catalogue's changes of the same old code and year.
    public struct Conflict: Sendable, Hashable {
        public var incoming: CodeChange
        public var existing: [CodeChange]
    }

    /// The catalogue after the merge (sorted as `ChangeCatalog` keeps it).
    public var result: ChangeCatalog
    /// KLASS changes the catalogue did not have (kept when `klass` wins a conflict included).
    public var added: [CodeChange]
    /// KLASS changes the catalogue already has: same old code, new code, year and kind.
    public var present: [CodeChange]
    /// KLASS changes whose old code and year the catalogue has, with another new code or kind.
    public var conflicts: [Conflict]
    /// Whether the result differs from the catalogue given.
    public var changed: Bool

    /// Merges `incoming` (rows of a KLASS list; their kinds are derived here) into `existing`.
    ///
    /// The kinds of the incoming rows are derived per date, together with the catalogue's
    /// rows of that date whose old code the KLASS list does not mention, so a list holding only
    /// part of a reform (one of five merged codes) gets the kind the whole reform has. A KLASS
    /// row is present when the catalogue has the same old code, new code, year and kind; it
    /// conflicts when the catalogue has rows of the same old code and year but none equal to
    /// it; otherwise it is added. With conflicts and no `prefer`, `result` is the catalogue
    /// unchanged. When rows are added to a date, the kinds of that date are derived again over
    /// all its rows (a second code merging into a renumbered one makes both a merge).
    public static func merge(_ incoming: [CodeChange], into existing: ChangeCatalog, prefer: Preference? = nil) -> CatalogMerge {
        struct Key: Hashable { var oldCode: String; var year: Int }
        struct Row: Hashable { var oldCode: String; var newCode: String; var date: String }
        var seen = Set<Row>()
        let incoming = incoming.filter { seen.insert(Row(oldCode: $0.oldCode, newCode: $0.newCode, date: $0.date)).inserted }
        let incomingKeys = Set(incoming.map { Key(oldCode: $0.oldCode, year: $0.year) })
        var byDate: [String: [CodeChange]] = [:]
        for r in incoming { byDate[r.date, default: []].append(r) }
        var derived: [CodeChange] = []
        for (date, rows) in byDate {
            let context = existing.changes.filter { $0.date == date && !incomingKeys.contains(Key(oldCode: $0.oldCode, year: $0.year)) }
            let withKinds = ChangeCatalog.deriveKinds(rows + context)
            derived += withKinds.filter { c in rows.contains { $0.oldCode == c.oldCode && $0.newCode == c.newCode } }
        }
        derived = ChangeCatalog(changes: derived).changes
        var existingByKey: [Key: [CodeChange]] = [:]
        for c in existing.changes { existingByKey[Key(oldCode: c.oldCode, year: c.year), default: []].append(c) }
        func same(_ a: CodeChange, _ b: CodeChange) -> Bool {
            a.oldCode == b.oldCode && a.newCode == b.newCode && a.year == b.year && a.kind == b.kind
        }

        var added: [CodeChange] = [], present: [CodeChange] = [], conflicts: [Conflict] = []
        for c in derived {
            let others = existingByKey[Key(oldCode: c.oldCode, year: c.year)] ?? []
            if others.contains(where: { same($0, c) }) {
                present.append(c)
            } else if !others.isEmpty {
                conflicts.append(Conflict(incoming: c, existing: others))
            } else {
                added.append(c)
            }
        }
        var rows = existing.changes
        var keep = added
        if !conflicts.isEmpty {
            switch prefer {
            case nil:
                return CatalogMerge(result: existing, added: added, present: present, conflicts: conflicts, changed: false)
            case .catalogue:
                break
            case .klass:
                let lost = Set(conflicts.map { Key(oldCode: $0.incoming.oldCode, year: $0.incoming.year) })
                rows.removeAll { lost.contains(Key(oldCode: $0.oldCode, year: $0.year)) }
                // Every KLASS row of a key it wins, the ones equal to the catalogue's included.
                keep += derived.filter { lost.contains(Key(oldCode: $0.oldCode, year: $0.year)) }
            }
        }
        guard !keep.isEmpty || rows.count != existing.changes.count else {
            return CatalogMerge(result: existing, added: added, present: present, conflicts: conflicts, changed: false)
        }
        rows += keep
        let touched = Set(keep.map(\.date))
        let untouched = rows.filter { !touched.contains($0.date) }
        let rederived = ChangeCatalog.deriveKinds(rows.filter { touched.contains($0.date) })
        let result = ChangeCatalog(changes: untouched + rederived)
        return CatalogMerge(
            result: result, added: added, present: present, conflicts: conflicts, changed: result.changes != existing.changes)
    }
}
