import Foundation
import Transform

/// KLASS code lists (`/classifications/131/codesAt`, `/104/codesAt`) as JSON (`{"codes":[{"code","name",…}]}`)
/// or CSV (`code` and `name` columns, `;` or `,`, quoted or not). SSB's codes that are no
/// kommune or fylke (`9999`, `99` Uoppgitt) are left out, as the register leaves them out.
public enum KlassCodes {
    public static func read(path: String, digits: Int) throws -> [(code: String, name: String)] {
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

/// `etl catalog import-codes`: the register extended by one year's KLASS code lists
/// (docs/PIPELINE.md, "Refreshing the register and the catalogue from KLASS"). Codes in the
/// lists go on into the year (a new name starts a new row), codes missing from them end the
/// year before, new codes start in it.
public struct RegisterRefresh: Sendable {
    public let year: Int
    /// Codes valid in `year`, as the lists give them.
    public let kommuner: Int
    public let fylker: Int
    /// The years the refreshed register covers.
    public let firstYear: Int
    /// The files' new contents: `kommuner.csv`, `fylker.csv`, `coverage.csv`.
    public let kommunerCSV: String
    public let fylkerCSV: String
    public let coverageCSV: String

    /// Reads the lists at `kommunerPath` (KLASS 131) and `fylkerPath` (KLASS 104) and extends
    /// `register` by `year`. A year the register already covers is `PipelineError.refused`; a
    /// list that cannot be read, `CatalogError`.
    public init(register: Register, year: Int, kommunerPath: String, fylkerPath: String) throws {
        guard year > register.lastYear else {
            throw PipelineError.refused(
                "the register already covers \(year) (\(register.firstYear)–\(register.lastYear)); give a later year")
        }
        let k = try KlassCodes.read(path: kommunerPath, digits: 4)
        let f = try KlassCodes.read(path: fylkerPath, digits: 2)
        self.year = year
        kommuner = k.count
        fylker = f.count
        firstYear = register.firstYear
        kommunerCSV = Register.csv(Register.extend(register.kommuneRows, year: year, with: k))
        fylkerCSV = Register.csv(Register.extend(register.fylkeRows, year: year, with: f))
        coverageCSV = "first,last\n\(register.firstYear),\(year)\n"
    }

    /// Writes the three files into the register folder, each atomically.
    public func write(to folder: String) throws {
        try Data(kommunerCSV.utf8).write(to: URL(fileURLWithPath: folder + "/kommuner.csv"), options: .atomic)
        try Data(fylkerCSV.utf8).write(to: URL(fileURLWithPath: folder + "/fylker.csv"), options: .atomic)
        try Data(coverageCSV.utf8).write(to: URL(fileURLWithPath: folder + "/coverage.csv"), options: .atomic)
    }
}
