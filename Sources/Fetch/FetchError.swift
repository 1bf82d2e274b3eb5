import Foundation
import Ingest

/// Fetch's errors. `spec` is a mistake in a fetch declaration (a usage error); every other
/// case is why a fetch did not land a new file, and its description is the reason a
/// `FetchResult` carries. Every case says how a command ends when it is not caught
/// (`exitStatus`, the README's table).
public enum FetchError: ExitStatusError, CustomStringConvertible, Sendable, Equatable {
    /// Problems with a fetch spec or file, one message per problem (2).
    case spec([String])
    /// An HTTP status that is not retried (400, 404, a refused redirect …) or was retried too often.
    case http(url: String, status: Int, detail: String)
    /// No usable response: connection refused or lost, timeout, body shorter than announced.
    case transport(url: String, detail: String)
    /// The server refused the query as too big and it could not be split further.
    case tooBig(String)
    /// The response arrived but is not what was asked for (unparseable, wrong shape).
    case invalid(url: String, detail: String)
    /// The spec does not fit the table (unknown dimension, code, code list …).
    case unfit([String])
    /// The landed file could not be written.
    case landing(String)
    /// A data response (or the parts of a split query) that does not hold together.
    case assembly(String)
    /// A metadata or code-list response that is not what the planner needs.
    case metadata(String)
    /// The HTTP client got no usable response (before the fetcher names the URL).
    case noResponse(String)

    public var exitStatus: Int32 {
        switch self {
        case .spec: return 2
        case .http, .transport, .tooBig, .invalid, .unfit, .landing, .assembly, .metadata, .noResponse: return 1
        }
    }

    public var description: String {
        switch self {
        case .spec(let p): return p.joined(separator: "\n")
        case .http(let u, let s, let d): return "GET \(u): HTTP \(s)\(d.isEmpty ? "" : ": \(d)")"
        case .transport(let u, let d): return "GET \(u): \(d)"
        case .tooBig(let m): return m
        case .invalid(let u, let d): return "GET \(u): \(d)"
        case .unfit(let p): return p.joined(separator: "; ")
        case .landing(let m), .assembly(let m), .metadata(let m), .noResponse(let m): return m
        }
    }

    /// A decoding error as `path: what`, for a fetch file's problems.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func at(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(
                in: CharacterSet(charactersIn: "."))
        }
        switch e {
        case .keyNotFound(let k, let c): return "\(at(c.codingPath + [k])): missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(at(c.codingPath)): \(c.debugDescription)"
        case .dataCorrupted(let c):
            let place = at(c.codingPath)
            return (place.isEmpty ? "" : "\(place): ") + c.debugDescription
        @unknown default: return "\(e)"
        }
    }
}
