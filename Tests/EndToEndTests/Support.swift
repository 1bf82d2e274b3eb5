import Foundation
import Pipeline
import Testing
import TestSupport

// The shared helpers (process runner, scratch folders, warehouse access, pipeline builder)
// live in the TestSupport target; what is here is particular to these suites.

/// Parses the sample KOSTRA CSV independently of the project's readers: ISO-8859-1, `;`,
/// decimal comma, `"code name";"year";"measure";value`.
func sampleCSV(_ url: URL) throws -> [String: Double] {
    let data = try Data(contentsOf: url)
    let text = String(data: data, encoding: .isoLatin1)!
    var out: [String: Double] = [:]
    for line in text.components(separatedBy: "\r\n").dropFirst() where !line.isEmpty {
        let f = line.components(separatedBy: ";")
        let code = f[0].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).components(separatedBy: " ")[0]
        let year = f[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let measure = f[2].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if let v = Double(f[3].replacingOccurrences(of: ",", with: ".")) { out["\(code)|\(year)|\(measure)"] = v }
    }
    return out
}

/// Runs a pipeline in this process, as `etl run` would (behaviour tests need no process; the
/// command-line contract is tested through the binary).
@discardableResult
func runPipeline(_ path: URL, warehouse: URL? = nil, structureYear: Int? = nil) throws -> RunSummary {
    let summary = try Runner(options: RunOptions(pipelinePath: path.path, warehouse: warehouse?.path, structureYear: structureYear)).run()
    #expect(summary.status == .success, "\(summary.warnings)")
    return summary
}
