import Foundation

/// What fetching one source did. Codable so a run record can carry it.
public struct FetchResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// A new file was landed.
        case fetched
        /// Nothing changed (same `updated` stamp, 304 Not Modified, or identical bytes); the landed file stays.
        case unchanged
        /// The fetch failed; the previous landed file stays and the run may go on with it.
        case stale
        /// The fetch failed and there is no previous file.
        case failed
    }

    /// The source id or a description (`table 12209`).
    public var source: String
    public var path: String
    public var status: Status
    /// Why it is stale or failed, or why nothing was downloaded.
    public var reason: String?
    /// HTTP requests made, metadata and retries included.
    public var requests: Int
    /// Data requests that made up the file (more than one when split).
    public var dataRequests: Int
    public var cells: Int?
    public var updated: String?
    public var bytes: Int?

    /// Whether the landed file can be used (fresh, unchanged, or stale but present).
    public var usable: Bool { status != .failed }

    public var summary: String {
        var s = "\(source): \(status.rawValue)"
        switch status {
        case .fetched:
            s += " \(path)"
            if let b = bytes {
                s +=
                    " (\(b) bytes" + (cells.map { ", \($0) cells" } ?? "")
                    + ", \(dataRequests) data request\(dataRequests == 1 ? "" : "s"))"
            }
        case .unchanged: s += " \(path)"
        case .stale: s += ", keeping the previous \(path)"
        case .failed: s += ", no file at \(path)"
        }
        if let r = reason { s += ": \(r)" }
        return s
    }
}

/// What a fetch would do (`etl fetch --dry-run`).
public struct FetchPlan: Sendable {
    public struct Request: Sendable, Equatable {
        /// The URL, readable (`valueCodes[Tid]=2019,2020`).
        public var url: String
        public var cells: Int?
    }

    public var source: String
    public var path: String
    /// Requests made while planning (metadata and code lists, to count cells and resolve `*`).
    public var lookups: [String]
    /// Data requests the fetch would make.
    public var requests: [Request]
    public var updated: String?
    /// Set when the landed file is up to date and the fetch would download nothing.
    public var upToDate: String?
    /// Set when the plan could not be made.
    public var error: String?

    public var totalCells: Int? {
        requests.contains { $0.cells == nil } ? nil : requests.reduce(0) { $0 + ($1.cells ?? 0) }
    }
}

/// Progress while fetching, for logs.
public enum FetchEvent: Sendable, CustomStringConvertible {
    case request(source: String, url: String, attempt: Int)
    case retry(source: String, url: String, reason: String, wait: Double)
    case split(source: String, cells: Int, parts: Int, reason: String)
    case finished(FetchResult)

    public var description: String {
        switch self {
        case .request(let s, let u, let a): return "\(s): GET \(u)" + (a > 1 ? " (attempt \(a))" : "")
        case .retry(let s, let u, let r, let w): return "\(s): \(r) from \(u); retrying in \(Self.seconds(w))"
        case .split(let s, let c, let p, let r): return "\(s): \(c) cells \(r); split into \(p) requests"
        case .finished(let r): return r.summary
        }
    }

    static func seconds(_ w: Double) -> String {
        w == w.rounded() ? "\(Int(w)) s" : String(format: "%.1f s", w)
    }
}
