import Foundation

/// Why a fetch did not land a new file. The description is the reason a result carries.
public enum FetchFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// An HTTP status that is not retried (400, 404, a refused redirect …) or was retried too often.
    case http(url: String, status: Int, detail: String)
    /// No usable response: connection refused or lost, timeout, body shorter than announced.
    case transport(url: String, detail: String)
    /// The server refused the query as too big and it could not be split further.
    case tooBig(String)
    /// The response arrived but is not what was asked for (unparseable, wrong shape).
    case invalid(url: String, detail: String)
    /// The spec does not fit the table (unknown dimension, code, code list …).
    case spec([String])
    /// The landed file could not be written.
    case landing(String)

    public var description: String {
        switch self {
        case .http(let u, let s, let d): return "GET \(u): HTTP \(s)\(d.isEmpty ? "" : ": \(d)")"
        case .transport(let u, let d): return "GET \(u): \(d)"
        case .tooBig(let m): return m
        case .invalid(let u, let d): return "GET \(u): \(d)"
        case .spec(let p): return p.joined(separator: "; ")
        case .landing(let m): return m
        }
    }
}
