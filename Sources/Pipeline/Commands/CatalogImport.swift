import Foundation
import Ingest
import Transform

/// `etl catalog import`: a KLASS download merged into the project's change catalogue
/// (docs/PIPELINE.md, "Refreshing the register and the catalogue from KLASS"). The command line
/// prints the counts and conflicts and writes the file.
public enum CatalogImport {
    /// The changes a KLASS document records. A correspondence says which code became which
    /// but not when: it needs `date` (YYYY-MM-DD), the day the new version took effect, else
    /// `PipelineError.refused`; codes that correspond to themselves under the same name did
    /// not change. A code list says nothing of changes: `PipelineError.run`. Kinds are not yet
    /// derived (`ChangeCatalog.deriveKinds`, `CatalogMerge.merge`).
    public static func changes(_ document: KlassDocument, file: String, date: String?) throws -> [CodeChange] {
        let rows: [KlassChange]
        switch document.content {
        case .changes(let c):
            rows = c
        case .correspondence(let items):
            guard let date, date.count == 10, date.dropFirst(4).first == "-" else {
                throw PipelineError.refused(
                    "\(file): error: a KLASS correspondence (\(items.count) items) says which code became which but not when; give the day the new version took effect with --date YYYY-MM-DD"
                )
            }
            rows = items.filter { $0.sourceCode != $0.targetCode || $0.sourceName != $0.targetName }.map {
                KlassChange(
                    oldCode: $0.sourceCode, oldName: $0.sourceName, newCode: $0.targetCode, newName: $0.targetName, changeOccurred: date)
            }
        case .codes(let codes):
            throw PipelineError.run(
                "\(file): error: a KLASS code list (\(codes.count) codes) names each code and its validity but not what became of it; download the classification's `changes` (or a correspondence between two versions) to refresh the change catalogue"
            )
        }
        return rows.map {
            CodeChange(
                oldCode: $0.oldCode, oldName: $0.oldName, newCode: $0.newCode, newName: $0.newName,
                date: String($0.changeOccurred.prefix(10)), kind: .renumber)
        }
    }

    /// The changes alone as a catalogue, their kinds derived from the rows of each date (what
    /// `etl catalog import` prints without -o, and writes with --replace).
    public static func catalog(_ changes: [CodeChange]) -> ChangeCatalog {
        ChangeCatalog(changes: ChangeCatalog.deriveKinds(changes))
    }

    /// The catalogue at `path` to merge into: empty when there is no file there; one that
    /// cannot be read is `PipelineError.run`, one that cannot be parsed `CatalogError`.
    public static func existing(at path: String) throws -> ChangeCatalog {
        guard FileManager.default.fileExists(atPath: path) else { return ChangeCatalog(changes: []) }
        guard let d = FileManager.default.contents(atPath: path) else {
            throw PipelineError.run("\(path): error: cannot read the catalogue to merge into")
        }
        return try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: path)
    }

    /// Changes merged into the catalogue at a path, and what is to be done with the file.
    public struct Merge: Sendable {
        /// What was added, already present and conflicting, and the merged catalogue.
        public let merge: CatalogMerge
        public let prefer: CatalogMerge.Preference?
        /// Conflicts with no side chosen: nothing is written.
        public var refused: Bool { !merge.conflicts.isEmpty && prefer == nil }
        /// Whether the file is written: not when refused, and not when nothing changed (the
        /// file then stays as it was, byte for byte).
        public var writes: Bool { !refused && merge.changed }
    }

    /// Merges `changes` into the catalogue at `path` (none there: an empty one); a conflict
    /// (the catalogue has the old code and year with another new code or kind) is resolved
    /// by `prefer`, else the merge is refused.
    public static func merge(_ changes: [CodeChange], into path: String, prefer: CatalogMerge.Preference?) throws -> Merge {
        Merge(merge: CatalogMerge.merge(changes, into: try existing(at: path), prefer: prefer), prefer: prefer)
    }

    /// Writes a catalogue in its CSV form, atomically.
    public static func write(_ catalog: ChangeCatalog, to path: String) throws {
        try Data(catalog.csv().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The years a catalogue has changes in, as `2020, 2024`.
    public static func years(_ catalog: ChangeCatalog) -> String { catalog.changeYears.map(String.init).joined(separator: ", ") }

    /// One change as `0124 Askim → 3014 Indre Østfold (merge, 2020-01-01)`.
    public static func describe(_ c: CodeChange) -> String {
        "\(c.oldCode) \(c.oldName) → \(c.newCode) \(c.newName) (\(c.kind.rawValue), \(c.date))"
    }

    /// `etl catalog show`: a code's history from the catalogue at `catalogPath`, with validity
    /// and names from the register beside it when there is one (`register/kommuner.csv`). A
    /// catalogue not there is `PipelineError.run`; one that cannot be parsed, `CatalogError`.
    /// A register that cannot be loaded throws what loading it threw.
    public static func history(of code: String, catalogPath: String) throws -> [String] {
        guard let d = FileManager.default.contents(atPath: catalogPath) else {
            throw PipelineError.run("\(catalogPath): error: change catalogue not found")
        }
        let cat = try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: catalogPath)
        let folder = (catalogPath as NSString).deletingLastPathComponent
        let dir = (folder.isEmpty ? "." : folder) + "/register"
        var register: Register? = nil
        if FileManager.default.fileExists(atPath: dir + "/kommuner.csv") {
            register = try Pipeline.loadRegister(folder: dir).0
        }
        let regions = RegionCatalog(catalog: cat, register: register)
        if let register, !register.isKnown(code), let kind = register.special(code) {
            return ["\(code): \(kind), not a kommune of any year"]
        }
        return CatalogHistory.describe(code: code, regions: regions)
    }
}
