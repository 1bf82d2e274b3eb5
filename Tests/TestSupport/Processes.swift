import Foundation

/// The package root, found from this file so tests run from any working directory.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `etl` binary beside the test bundle (or in `.build`).
public let etlBinary: URL = {
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

/// What a finished process printed and its exit status.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs the `etl` binary with arguments in a working directory and waits for it.
@discardableResult
public func etl(_ args: [String], in dir: URL, environment: [String: String]? = nil) throws -> ProcessResult {
    try runProcess(etlBinary, args, in: dir, environment: environment)
}

/// This process's environment with local addresses exempt from any proxy, for tests that talk
/// to a server they started on 127.0.0.1.
public func environmentWithoutProxyForLocalhost() -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["no_proxy"] = "127.0.0.1,localhost"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env
}

/// Runs a program in a working directory and waits for it (`environment` nil: this process's).
/// Both pipes are drained while it runs, so a large output cannot block it.
public func runProcess(_ executable: URL, _ args: [String], in dir: URL, environment: [String: String]? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    p.currentDirectoryURL = dir
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter();
    DispatchQueue.global().async {
        outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave()
    }
    group.enter();
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave()
    }
    p.waitUntilExit()
    group.wait()
    return ProcessResult(
        status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}
