import Testing
import Transform

@Suite struct CatalogMergeTests {
    func change(_ old: String, _ new: String, _ date: String, _ kind: CodeChange.Kind = .renumber) -> CodeChange {
        CodeChange(oldCode: old, oldName: "n\(old)", newCode: new, newName: "n\(new)", date: date, kind: kind)
    }

    @Test func aPartOfAReformGetsTheKindTheWholeReformHas() {
        let existing = ChangeCatalog(changes: [change("0122", "3014", "2020-01-01", .merge), change("0124", "3014", "2020-01-01", .merge)])
        // Alone, 0124 → 3014 would be derived a renumbering; beside 0122 it is part of a merge.
        let m = CatalogMerge.merge([change("0124", "3014", "2020-01-01")], into: existing)
        #expect(m.present.count == 1 && m.added.isEmpty && m.conflicts.isEmpty)
        #expect(!m.changed)
        #expect(m.result.changes == existing.changes)
    }

    @Test func addingToADateDerivesItsKindsAgain() {
        let existing = ChangeCatalog(changes: [change("0124", "3014", "2020-01-01", .renumber), change("0301", "0301", "2018-01-01", .name)]
        )
        let m = CatalogMerge.merge([change("0122", "3014", "2020-01-01")], into: existing)
        #expect(m.added.map(\.oldCode) == ["0122"])
        #expect(m.changed)
        #expect(
            m.result.changes.map { "\($0.oldCode)>\($0.newCode) \($0.kind.rawValue)" } == [
                "0301>0301 name", "0122>3014 merge", "0124>3014 merge"
            ])
    }

    @Test func aConflictKeepsTheCatalogueUnlessASideIsChosen() {
        let existing = ChangeCatalog(changes: [change("0124", "3014", "2020-01-01", .renumber)])
        let incoming = [change("0124", "3099", "2020-01-01")]
        let refused = CatalogMerge.merge(incoming, into: existing)
        #expect(refused.conflicts.map(\.incoming.newCode) == ["3099"])
        #expect(refused.conflicts.first?.existing.map(\.newCode) == ["3014"])
        #expect(!refused.changed && refused.result.changes == existing.changes)
        #expect(!CatalogMerge.merge(incoming, into: existing, prefer: .catalogue).changed)
        let klass = CatalogMerge.merge(incoming, into: existing, prefer: .klass)
        #expect(klass.changed)
        #expect(klass.result.changes.map(\.newCode) == ["3099"])
    }

    @Test func aRepeatedKlassRowIsAddedOnce() {
        let m = CatalogMerge.merge(
            [change("5001", "5002", "2026-01-01"), change("5001", "5002", "2026-01-01")], into: ChangeCatalog(changes: []))
        #expect(m.added.count == 1)
        #expect(m.result.changes.count == 1)
    }
}
