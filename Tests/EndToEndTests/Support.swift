import Foundation
import GRDB
import Testing

/// The package root, found from this file so tests run from any working directory.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `etl` binary beside the test bundle.
let etlBinary: URL = {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("etl")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    for p in [".build/debug/etl", ".build/release/etl"] {
        let u = packageRoot.appendingPathComponent(p)
        if FileManager.default.isExecutableFile(atPath: u.path) { return u }
    }
    return packageRoot.appendingPathComponent(".build/debug/etl")
}()

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the binary with arguments in a working directory and waits for it.
@discardableResult
func etl(_ args: [String], in dir: URL, environment: [String: String]? = nil) throws -> ProcessResult {
    try runProcess(etlBinary, args, in: dir, environment: environment)
}

/// Runs a program in a working directory and waits for it (`environment` nil: this process's).
func runProcess(_ executable: URL, _ args: [String], in dir: URL, environment: [String: String]? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    p.currentDirectoryURL = dir
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes while the process runs, so a large output cannot block it.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    p.waitUntilExit()
    group.wait()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// A scratch folder with a copy of `pipelines/`, removed by the caller.
func scratchWithPipelines() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("etl-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("pipelines"), to: dir.appendingPathComponent("pipelines"))
    return dir
}

func openWarehouse(_ url: URL) throws -> DatabaseQueue {
    var c = Configuration()
    c.readonly = true
    return try DatabaseQueue(path: url.path, configuration: c)
}

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
