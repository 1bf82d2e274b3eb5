import Foundation

/// A folder under the system's temporary directory, removed when the value is released, so a
/// test that throws half-way leaves nothing behind. Keep it alive for as long as its files are
/// used (`withExtendedLifetime`, or hold it in a local that is read at the end).
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String = "etl-tests") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { remove() }

    /// Removes the folder now (also done when the value is released).
    public func remove() { try? FileManager.default.removeItem(at: url) }

    /// A path inside the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes bytes to `name` inside the folder and returns its path.
    @discardableResult
    public func write(_ data: Data, to name: String) throws -> String {
        let u = file(name)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: u)
        return u.path
    }

    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> String { try write(Data(bytes), to: name) }

    @discardableResult
    public func write(_ text: String, to name: String) throws -> String { try write(Data(text.utf8), to: name) }
}

/// Runs `body` with a fresh temporary folder that is removed afterwards, also when `body` throws.
public func withTemporaryDirectory<T>(_ label: String = "etl-tests", _ body: (TemporaryDirectory) throws -> T) throws -> T {
    let dir = try TemporaryDirectory(label)
    return try withExtendedLifetime(dir) { try body(dir) }
}
