import ArgumentParser
import Foundation
import Ingest
import Pipeline
import Transform

struct Catalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "The municipality change catalogue.",
        subcommands: [Show.self, Import.self, ImportCodes.self])

    /// Refreshes the register (docs/PIPELINE.md, "Refreshing the register and the catalogue from KLASS").
    struct ImportCodes: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-codes",
            abstract: "Add one year's KLASS code lists (131 kommuner, 104 fylker; JSON or CSV from `codesAt`) to the register.",
            discussion:
                "Codes in the list go on into the year (a new name starts a new row), codes missing from it end the year before, new codes start in it. Then `etl validate` checks the change catalogue against the register."
        )

        @Option(name: .long, help: "The year the lists are valid on 1 January of.")
        var year: Int

        @Option(name: .long, help: "KLASS 131 code list (kommuner).")
        var kommuner: String

        @Option(name: .long, help: "KLASS 104 code list (fylker).")
        var fylker: String

        @Option(name: .long, help: "The register folder to update.")
        var register: String = "pipelines/register"

        func run() throws {
            let loaded: Register?
            do { loaded = try Pipeline.loadRegister(folder: register).0 } catch { eprint("\(error)"); throw Exit.failure }
            guard let reg = loaded else { throw Exit.failure }
            guard year > reg.lastYear else {
                eprint("error: the register already covers \(year) (\(reg.firstYear)–\(reg.lastYear)); give a later year"); throw Exit.usage
            }
            let k: [(code: String, name: String)], f: [(code: String, name: String)]
            do {
                k = try KlassCodes.read(path: kommuner, digits: 4)
                f = try KlassCodes.read(path: fylker, digits: 2)
            } catch { eprint("\(error)"); throw Exit.failure }
            let kRows = Register.extend(reg.kommuneRows, year: year, with: k), fRows = Register.extend(reg.fylkeRows, year: year, with: f)
            do {
                try Data(Register.csv(kRows).utf8).write(to: URL(fileURLWithPath: register + "/kommuner.csv"), options: .atomic)
                try Data(Register.csv(fRows).utf8).write(to: URL(fileURLWithPath: register + "/fylker.csv"), options: .atomic)
                try Data("first,last\n\(reg.firstYear),\(year)\n".utf8).write(
                    to: URL(fileURLWithPath: register + "/coverage.csv"), options: .atomic)
            } catch { eprint("\(register): error: cannot write: \(error.localizedDescription)"); throw Exit.failure }
            eprint("register \(register): \(k.count) kommuner and \(f.count) fylker valid in \(year); covers \(reg.firstYear)–\(year)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a KLASS change list (classification 131 `changes`, as JSON, CSV or XML) into the project's change catalogue.",
            discussion: """
                Kinds (name, split, merge, renumber) are derived from the rows of each date. With -o, the KLASS changes are \
                added to the catalogue already at that path (a missing file is an empty catalogue): the command reports how many \
                were added, already present and conflicting. A conflict is a KLASS change whose old code and year the catalogue \
                has with another new code or kind; each is listed and nothing is written (exit 1) unless --prefer klass or \
                --prefer catalogue says which side wins. When nothing is added the file is left as it was, byte for byte. \
                --replace writes the KLASS changes alone over the file. Without -o the KLASS list is printed in the catalogue format. \
                After a reform: import into pipelines/kommuneendringer.csv, then `etl rerun`.
                """)

        @Argument(help: "A KLASS download (.json, .csv or .xml).")
        var file: String

        @Option(name: [.short, .long], help: "The catalogue to merge into (default: print the KLASS list to standard output).")
        var output: String?

        @Flag(name: .long, help: "Replace the whole catalogue at -o with the KLASS changes instead of merging.")
        var replace = false

        @Option(name: .long, help: "Which side wins a conflict: klass or catalogue (default: refuse to write).")
        var prefer: CatalogMerge.Preference?

        func validate() throws {
            if replace && output == nil { throw ValidationError("--replace needs -o CATALOGUE") }
            if replace && prefer != nil {
                throw ValidationError("--replace and --prefer exclude each other: --replace keeps nothing of the catalogue")
            }
            if prefer != nil && output == nil { throw ValidationError("--prefer needs -o CATALOGUE to merge into") }
        }

        @Option(
            name: .long, help: "A correspondence between two versions (correspondsAt): the day the new version took effect, YYYY-MM-DD.")
        var date: String?

        func run() throws {
            let document: KlassDocument
            document = try KlassReader.readDocument(path: file)
            let rows: [KlassChange]
            switch document.content {
            case .changes(let c):
                rows = c
            case .correspondence(let items):
                guard let date, date.count == 10, date.dropFirst(4).first == "-" else {
                    eprint(
                        "\(file): error: a KLASS correspondence (\(items.count) items) says which code became which but not when; give the day the new version took effect with --date YYYY-MM-DD"
                    )
                    throw Exit.usage
                }
                // Codes that correspond to themselves under the same name did not change.
                rows = items.filter { $0.sourceCode != $0.targetCode || $0.sourceName != $0.targetName }.map {
                    KlassChange(
                        oldCode: $0.sourceCode, oldName: $0.sourceName, newCode: $0.targetCode, newName: $0.targetName, changeOccurred: date
                    )
                }
            case .codes(let codes):
                eprint(
                    "\(file): error: a KLASS code list (\(codes.count) codes) names each code and its validity but not what became of it; download the classification's `changes` (or a correspondence between two versions) to refresh the change catalogue"
                )
                throw Exit.failure
            }
            let changes = rows.map {
                CodeChange(
                    oldCode: $0.oldCode, oldName: $0.oldName, newCode: $0.newCode, newName: $0.newName,
                    date: String($0.changeOccurred.prefix(10)), kind: .renumber)
            }
            guard let output else {
                writeAll(1, ChangeCatalog(changes: ChangeCatalog.deriveKinds(changes)).csv())
                return
            }
            if replace {
                let catalog = ChangeCatalog(changes: ChangeCatalog.deriveKinds(changes))
                try write(catalog, to: output)
                eprint("replaced \(output) with \(catalog.changes.count) changes (\(Self.years(catalog)))")
                return
            }
            var existing = ChangeCatalog(changes: [])
            if FileManager.default.fileExists(atPath: output) {
                guard let d = FileManager.default.contents(atPath: output) else {
                    eprint("\(output): error: cannot read the catalogue to merge into"); throw Exit.failure
                }
                do { existing = try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: output) } catch {
                    eprint(errorLine("\(error)")); throw Exit.failure
                }
            }
            let merge = CatalogMerge.merge(changes, into: existing, prefer: prefer)
            let counts = "\(merge.added.count) added, \(merge.present.count) already present, \(merge.conflicts.count) conflicting"
            if !merge.conflicts.isEmpty {
                for c in merge.conflicts {
                    let theirs = c.existing.map(Self.describe).joined(separator: "; ")
                    eprint(
                        "conflict: \(c.incoming.oldCode) in \(c.incoming.year): \(output) has \(theirs); \(file) has \(Self.describe(c.incoming))"
                    )
                }
                if prefer == nil {
                    eprint(
                        "error: \(merge.conflicts.count) conflicting change\(merge.conflicts.count == 1 ? "" : "s") between \(file) and \(output) (\(counts)); nothing written: choose with --prefer klass or --prefer catalogue, or replace the whole catalogue with --replace"
                    )
                    throw Exit.failure
                }
            }
            guard merge.changed else {
                let resolved = merge.conflicts.isEmpty ? "" : " (the catalogue's changes kept)"
                eprint("\(counts)\(resolved); \(output) left unchanged")
                return
            }
            try write(merge.result, to: output)
            let resolved =
                merge.conflicts.isEmpty ? "" : prefer == .klass ? " (the KLASS file's changes won)" : " (the catalogue's changes kept)"
            eprint("\(counts)\(resolved); wrote \(merge.result.changes.count) changes (\(Self.years(merge.result))) to \(output)")
        }

        func write(_ catalog: ChangeCatalog, to output: String) throws {
            do { try Data(catalog.csv().utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                eprint("\(output): error: cannot write: \(error.localizedDescription)"); throw Exit.failure
            }
        }

        static func years(_ catalog: ChangeCatalog) -> String { catalog.changeYears.map(String.init).joined(separator: ", ") }

        static func describe(_ c: CodeChange) -> String {
            "\(c.oldCode) \(c.oldName) → \(c.newCode) \(c.newName) (\(c.kind.rawValue), \(c.date))"
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a code's history, e.g. 0124 → 3014 (2020) → 3118 (2024).")

        @Argument(help: "A municipality code.")
        var code: String

        @Option(name: .long, help: "Change catalogue (default: pipelines/kommuneendringer.csv).")
        var catalog: String = "pipelines/kommuneendringer.csv"

        func run() throws {
            guard let d = FileManager.default.contents(atPath: catalog) else {
                eprint("\(catalog): error: change catalogue not found"); throw Exit.failure
            }
            let cat: ChangeCatalog
            do { cat = try ChangeCatalog.parseCSV(String(decoding: d, as: UTF8.self), file: catalog) } catch {
                eprint(errorLine("\(error)")); throw Exit.failure
            }
            // Validity and names from the register beside the catalogue, when there is one.
            let folder = (catalog as NSString).deletingLastPathComponent
            let dir = (folder.isEmpty ? "." : folder) + "/register"
            var register: Register? = nil
            if FileManager.default.fileExists(atPath: dir + "/kommuner.csv") {
                do { register = try Pipeline.loadRegister(folder: dir).0 } catch { eprint("\(error)"); throw Exit.failure }
            }
            let regions = RegionCatalog(catalog: cat, register: register)
            if let register, !register.isKnown(code), let kind = register.special(code) {
                out("\(code): \(kind), not a kommune of any year")
                return
            }
            for line in CatalogHistory.describe(code: code, regions: regions) { out(line) }
        }
    }
}

extension CatalogMerge.Preference: ExpressibleByArgument {}

/// KLASS code lists (`/classifications/131/codesAt`, `/104/codesAt`) as JSON (`{"codes":[{"code","name",…}]}`)
/// or CSV (`code` and `name` columns, `;` or `,`, quoted or not). SSB's codes that are no
/// kommune or fylke (`9999`, `99` Uoppgitt) are left out, as the register leaves them out.
enum KlassCodes {
    static func read(path: String, digits: Int) throws -> [(code: String, name: String)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CatalogError.missing("\(path): error: file not found") }
        var out: [(code: String, name: String)] = []
        let trimmed = data.drop { $0 == 0xEF || $0 == 0xBB || $0 == 0xBF || $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }
        if trimmed.first == UInt8(ascii: "{") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(trimmed)) as? [String: Any],
                let codes = obj["codes"] as? [[String: Any]]
            else {
                throw CatalogError.invalid("\(path): error: expected KLASS JSON {\"codes\": [{\"code\": …, \"name\": …}]}")
            }
            for c in codes { if let code = c["code"] as? String, let name = c["name"] as? String { out.append((code, name)) } }
        } else {
            let text = String(data: data, encoding: .utf8) ?? String(decoding: data.map { $0 }, as: UTF8.self)
            var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
            guard !lines.isEmpty else { throw CatalogError.invalid("\(path): error: empty code list") }
            let header = lines.removeFirst()
            let sep: Character = header.contains(";") ? ";" : ","
            func fields(_ l: String) -> [String] {
                l.split(separator: sep, omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" \u{FEFF}"))
                }
            }
            let h = fields(header)
            guard let ci = h.firstIndex(of: "code"), let ni = h.firstIndex(of: "name") else {
                throw CatalogError.invalid("\(path):1: error: expected columns code and name, found \(h.joined(separator: ","))")
            }
            for (i, l) in lines.enumerated() {
                let f = fields(l)
                guard f.count > max(ci, ni) else {
                    throw CatalogError.invalid("\(path):\(i + 2): error: expected \(h.count) fields, found \(f.count)")
                }
                out.append((f[ci], f[ni]))
            }
        }
        for (code, _) in out where !(code.count == digits && code.allSatisfy { $0.isASCII && $0.isNumber }) {
            throw CatalogError.invalid("\(path): error: \"\(code)\" is not a \(digits)-digit code")
        }
        return out.filter { Register.specialKind($0.code, name: $0.name) == nil && !($0.code == "99") }
    }
}
