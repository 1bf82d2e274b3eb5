import Foundation

/// Where to fetch from and how politely. Defaults follow SSB's published limits.
public struct FetchSettings: Sendable {
    public static let defaultPxWebBase = "https://data.ssb.no/api/pxwebapi/v2"
    public static let defaultKlassBase = "https://data.ssb.no/api/klass/v1"

    /// PxWebApi v2 base: `{base}/tables/{id}/metadata`, `{base}/tables/{id}/data`, `{base}/codeLists/{id}`.
    public var pxwebBase: BaseURL
    /// KLASS base: `{base}/classifications/{id}/changes`.
    public var klassBase: BaseURL
    /// Cells per data request before it is split (SSB: 800,000).
    public var maxCells = 800_000
    /// Requests in any rolling `rateWindow` seconds (SSB: 30 a minute).
    public var requestsPerMinute = 30
    public var rateWindow: Double = 60
    /// Retries after 429 Too Many Requests or 503 Service Unavailable.
    public var throttleRetries = 5
    /// Retries after a 500 or other 5xx, a lost connection, a timeout, or a body cut short or unreadable.
    public var failureRetries = 2
    /// Backoff without `Retry-After`: base × 2^(n-1) seconds, at most `backoffCap`.
    public var backoffBase: Double = 2
    public var backoffCap: Double = 60
    /// The longest `Retry-After` honoured; longer waits are cut to this.
    public var retryAfterCap: Double = 120
    /// How often a request refused with 403 (too big) is halved again.
    public var maxSplitDepth = 8
    /// Data requests one source may take after splitting, before the fetch refuses.
    public var maxRequestsPerSource = 2_000
    /// Download even when the table's `updated` stamp or ETag says nothing changed.
    public var force = false

    public init(pxwebBase: String = FetchSettings.defaultPxWebBase, klassBase: String = FetchSettings.defaultKlassBase) throws {
        guard let p = BaseURL.parse(pxwebBase) else { throw FetchError.spec(["pxweb base \"\(pxwebBase)\" is not an http(s) URL"]) }
        guard let k = BaseURL.parse(klassBase) else { throw FetchError.spec(["klass base \"\(klassBase)\" is not an http(s) URL"]) }
        self.pxwebBase = p
        self.klassBase = k
    }
}
