import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a landed file came from: written beside it as `<file>.origin.json`, and read by the
/// pipeline runner into the warehouse's `dim_source.origin`.
public struct Origin: Codable, Sendable, Equatable {
    /// `pxweb` or `klass`.
    public var kind: String
    public var table: String?
    public var classification: Int?
    /// The request as one URL (before any split), readable (`valueCodes[Tid]=…`).
    public var url: String
    /// Every data request that made up the file (more than one when split).
    public var urls: [String]
    /// The query that identifies the selection; a change of selection means a new download.
    public var query: String
    public var format: String
    /// When the file was fetched (ISO 8601, UTC).
    public var fetched_at: String
    /// The table's `updated` stamp from its metadata, when it has one.
    public var updated: String?
    /// The data response's ETag, when it has one (single-request downloads only).
    public var etag: String?
    public var cells: Int?
    /// HTTP requests the fetch took, metadata and retries included.
    public var requests: Int
    /// Bytes of the landed file.
    public var bytes: Int

    public static func sidecarPath(for path: String) -> String { path + ".origin.json" }

    /// The sidecar beside `path`, if there is a readable one.
    public static func read(besides path: String) -> Origin? {
        guard let d = FileManager.default.contents(atPath: sidecarPath(for: path)) else { return nil }
        return try? JSONDecoder().decode(Origin.self, from: d)
    }

    func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }
}

/// Writing into the landing folder: a temporary file beside the target, then an atomic rename.
enum Landing {
    /// Writes `data` to `path` atomically: the old file stays until the new one is complete.
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw FetchError.landing("\(dir): cannot create the landing folder: \(error.localizedDescription)")
        }
        let tmp = dir + "/." + url.lastPathComponent + ".fetch-\(UUID().uuidString.prefix(8)).tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
            throw FetchError.landing("\(tmp): cannot create a temporary file in the landing folder")
        }
        var renamed = false
        defer { if !renamed { try? FileManager.default.removeItem(atPath: tmp) } }
        do {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
            defer { try? h.close() }
            try h.write(contentsOf: data)
            try h.synchronize()
        } catch { throw FetchError.landing("\(tmp): write failed: \(error.localizedDescription)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: tmp)[.size] as? NSNumber)?.intValue
        guard size == data.count else { throw FetchError.landing("\(tmp): wrote \(size ?? -1) of \(data.count) bytes") }
        guard rename(tmp, path) == 0 else {
            throw FetchError.landing("\(path): cannot replace the landed file: \(String(cString: strerror(errno)))")
        }
        renamed = true
    }

    /// Whether the file at `path` holds exactly `data`.
    static func same(_ data: Data, as path: String) -> Bool {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
            (attrs[.size] as? NSNumber)?.intValue == data.count
        else { return false }
        return FileManager.default.contents(atPath: path) == data
    }

    static func exists(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && !dir.boolValue
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
