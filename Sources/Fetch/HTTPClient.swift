import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One GET request. Only GET is needed: PxWebApi v2 and KLASS take their selections in the query.
public struct HTTPRequest: Sendable, Equatable {
    public var url: URL
    public var headers: [String: String]
    public init(url: URL, headers: [String: String] = [:]) { self.url = url; self.headers = headers }
}

/// A complete response. Header names are lower-cased.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The one thing the fetcher needs from the network; tests inject doubles or wrappers.
public protocol HTTPClient: Sendable {
    /// Sends the request and returns the whole response; throws on transport failures
    /// (connection refused or lost, timeout, body cut short).
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// `HTTPClient` over URLSession: no cookies, no cache, and redirects refused (a redirect could
/// lead elsewhere; the fetcher talks only to the configured base URLs).
///
/// Proxies: on Linux URLSession runs on libcurl, which takes `http_proxy`, `https_proxy` and
/// `no_proxy` from the environment (an empty `connectionProxyDictionary` does not turn them off).
public final class URLSessionHTTPClient: HTTPClient {
    private let session: URLSession

    /// - Parameters:
    ///   - timeout: seconds without data before a request fails, and the bound for a whole request (×4).
    public init(timeout: TimeInterval = 120, userAgent: String = "etl-fetch/1 (municipal statistics ETL)") {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeout
        c.timeoutIntervalForResource = timeout * 4
        c.urlCache = nil
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.httpShouldSetCookies = false
        c.httpCookieAcceptPolicy = .never
        c.httpMaximumConnectionsPerHost = 1
        c.httpAdditionalHeaders = ["User-Agent": userAgent]
        session = URLSession(configuration: c, delegate: RefuseRedirects(), delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var r = URLRequest(url: request.url)
        r.httpMethod = "GET"
        for (k, v) in request.headers { r.setValue(v, forHTTPHeaderField: k) }
        let data: Data, response: URLResponse
        do { (data, response) = try await session.data(for: r) } catch let e as URLError {
            throw FetchError.noResponse(Self.describe(e))
        } catch {
            throw FetchError.noResponse("\(error)")
        }
        guard let http = response as? HTTPURLResponse else { throw FetchError.noResponse("not an HTTP response") }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    static func describe(_ e: URLError) -> String {
        let ns = e as NSError
        if let d = ns.userInfo[NSLocalizedDescriptionKey] as? String, !d.isEmpty { return d }
        if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError, let d = u.userInfo[NSLocalizedDescriptionKey] as? String { return d }
        switch e.code {
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "connection lost (body cut short?)"
        case .cannotConnectToHost: return "could not connect"
        default: return "URL error \(e.code.rawValue)"
        }
    }
}

/// Answers every redirect with "don't follow"; the 3xx response then reaches the fetcher, which refuses it.
final class RefuseRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// A base URL split into the parts the fetcher checks every request against.
public struct BaseURL: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// Path without a trailing slash (may be empty).
    public var path: String

    public static func parse(_ s: String) -> BaseURL? {
        guard let c = URLComponents(string: s), let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = c.host, !host.isEmpty, c.query == nil
        else { return nil }
        var path = c.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        return BaseURL(scheme: scheme, host: host.lowercased(), port: c.port, path: path)
    }

    public var description: String { "\(scheme)://\(authority)\(path)" }
    var authority: String { port.map { "\(host):\($0)" } ?? host }

    /// A URL under this base: `path` starts with `/`; `query` is already percent-encoded.
    func url(_ path: String, query: String?) -> URL {
        URL(string: description + path + (query.map { "?" + $0 } ?? ""))!
    }

    /// Whether a URL goes to this base's scheme, host and port.
    func covers(_ url: URL) -> Bool {
        guard let c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return false }
        return c.scheme?.lowercased() == scheme && c.host?.lowercased() == host && c.port == port
    }
}
