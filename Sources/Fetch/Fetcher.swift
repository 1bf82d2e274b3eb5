import Foundation

/// Brings remote sources into the landing folder, politely and safely:
/// at most `requestsPerMinute` requests a minute, retries with backoff on 429/503 (honouring
/// `Retry-After`) and on 5xx, splits queries over `maxCells` (and halves one the server refuses
/// with 403), skips tables whose `updated` stamp or ETag has not changed, and replaces a landed
/// file only with a complete, parseable one, so a failed fetch keeps yesterday's file.
public struct Fetcher: Sendable {
    public let settings: FetchSettings
    let client: any HTTPClient
    let clock: FetchClock
    let limiter: RateLimiter
    let wallClock: @Sendable () -> Date
    let observe: @Sendable (FetchEvent) -> Void

    /// - Parameters:
    ///   - client: the HTTP client (default URLSession, no redirects, no cache).
    ///   - clock: monotonic time and sleeping (tests pass a virtual clock so retries and the rate limit don't wait).
    ///   - wallClock: the date for `fetched_at`, KLASS's default `to`, and `Retry-After` dates.
    ///   - observe: progress events (requests, retries, splits, results).
    public init(
        settings: FetchSettings, client: (any HTTPClient)? = nil, clock: FetchClock = .system,
        wallClock: @escaping @Sendable () -> Date = { Date() }, observe: @escaping @Sendable (FetchEvent) -> Void = { _ in }
    ) {
        self.settings = settings
        self.client = client ?? URLSessionHTTPClient()
        self.clock = clock
        self.limiter = RateLimiter(limit: settings.requestsPerMinute, window: settings.rateWindow, clock: clock)
        self.wallClock = wallClock
        self.observe = observe
    }

    // MARK: - Fetching

    /// Fetches every spec in order (one at a time: the rate limit is per address anyway).
    public func fetchAll(_ specs: [FetchSpec]) async -> [FetchResult] {
        var out: [FetchResult] = []
        for s in specs { out.append(await fetch(s)) }
        return out
    }

    /// Fetches sources into the given paths, in order (for a pipeline: each source's `fetch:` spec
    /// and its resolved `path`).
    public func fetchAll(_ items: [(spec: FetchSpec, path: String)]) async -> [FetchResult] {
        var out: [FetchResult] = []
        for (s, p) in items { out.append(await fetch(s, to: p)) }
        return out
    }

    /// Fetches one source into `path` (default: the spec's `path`). Never throws: a failure is a
    /// `stale` result when a previous file is there (it is left as it was), else `failed`.
    public func fetch(_ spec: FetchSpec, to path: String? = nil) async -> FetchResult {
        var trace = Trace(source: spec.name)
        let target = path ?? spec.path ?? ""
        var result: FetchResult
        do {
            guard !target.isEmpty else { throw FetchError.unfit(["\(spec.name): no landing path"]) }
            let problems = spec.problems(at: "")
            if !problems.isEmpty { throw FetchError.unfit(problems) }
            switch spec.kind {
            case .pxweb: result = try await fetchPxWeb(spec, path: target, trace: &trace)
            case .klass: result = try await fetchKlass(spec, path: target, trace: &trace)
            }
        } catch {
            let reason = Self.describe(error)
            result = FetchResult(
                source: spec.name, path: target, status: Landing.exists(target) ? .stale : .failed, reason: reason,
                requests: trace.requests, dataRequests: trace.dataURLs.count, cells: nil, updated: nil, bytes: nil)
        }
        observe(.finished(result))
        return result
    }

    /// What a fetch would request, with cell counts. Makes the metadata (and code list) requests
    /// needed to resolve `*` and count cells; downloads no data.
    public func plan(_ spec: FetchSpec, to path: String? = nil) async -> FetchPlan {
        var trace = Trace(source: spec.name)
        let target = path ?? spec.path ?? ""
        var plan = FetchPlan(source: spec.name, path: target, lookups: [], requests: [], updated: nil, upToDate: nil, error: nil)
        do {
            let problems = spec.problems(at: "")
            if !problems.isEmpty { throw FetchError.unfit(problems) }
            switch spec.kind {
            case .pxweb:
                let (meta, request) = try await resolve(spec, trace: &trace)
                plan.updated = meta.updated
                let planned = try RequestPlanner.split(
                    request, metadata: meta, maxCells: settings.maxCells, maxRequests: settings.maxRequestsPerSource)
                plan.requests = planned.map { .init(url: Self.readable(dataURL($0)), cells: $0.cells) }
                if !settings.force, let prev = previousOrigin(target), prev.query == request.readableQuery,
                    let u = meta.updated, prev.updated == u
                {
                    plan.upToDate = "table updated \(u), as when last fetched"
                }
            case .klass:
                plan.requests = [.init(url: Self.readable(klassURL(spec).url), cells: nil)]
            }
        } catch {
            plan.error = Self.describe(error)
        }
        plan.lookups = trace.lookupURLs
        return plan
    }

    // MARK: - PxWebApi

    /// Per-source bookkeeping while fetching.
    struct Trace {
        var source: String
        var requests = 0
        var lookupURLs: [String] = []
        var dataURLs: [String] = []
    }

    func metadataURL(_ table: String, lang: String) -> URL {
        settings.pxwebBase.url(
            "/tables/\(PxRequest.encode(table))/metadata", query: "lang=\(PxRequest.encode(lang))&outputFormat=json-stat2")
    }

    func dataURL(_ r: PxRequest) -> URL {
        settings.pxwebBase.url("/tables/\(PxRequest.encode(r.table))/data", query: r.query)
    }

    /// Fetches the metadata (and code lists used with `*`) and resolves the spec into one request.
    func resolve(_ spec: FetchSpec, trace: inout Trace) async throws -> (TableMetadata, PxRequest) {
        let table = spec.table ?? ""
        let mURL = metadataURL(table, lang: spec.effectiveLang)
        trace.lookupURLs.append(Self.readable(mURL))
        let mResp = try await perform(HTTPRequest(url: mURL, headers: ["Accept": "application/json"]), trace: &trace) { data in
            _ = try TableMetadata.parse(data, table: table)
        }
        let meta = try TableMetadata.parse(mResp.body, table: table)
        var lists: [String: [String]] = [:]
        for (dim, list) in (spec.codelist ?? [:]).sorted(by: { $0.key < $1.key }) where spec.select?[dim] == .all && lists[list] == nil {
            let url = settings.pxwebBase.url("/codeLists/\(PxRequest.encode(list))", query: "lang=\(PxRequest.encode(spec.effectiveLang))")
            trace.lookupURLs.append(Self.readable(url))
            let r = try await perform(HTTPRequest(url: url, headers: ["Accept": "application/json"]), trace: &trace) { data in
                _ = try TableMetadata.parseCodeList(data)
            }
            lists[list] = try TableMetadata.parseCodeList(r.body)
        }
        do { return (meta, try RequestPlanner.resolve(spec, metadata: meta, codeLists: lists)) } catch FetchError.spec(let problems) {
            throw FetchError.unfit(problems)
        }
    }

    func previousOrigin(_ path: String) -> Origin? {
        Landing.exists(path) ? Origin.read(besides: path) : nil
    }

    func fetchPxWeb(_ spec: FetchSpec, path: String, trace: inout Trace) async throws -> FetchResult {
        let (meta, request) = try await resolve(spec, trace: &trace)
        let query = request.readableQuery
        let previous = previousOrigin(path)
        let sameQuery = previous.map { $0.query == query && $0.format == request.format.rawValue } ?? false
        if !settings.force, sameQuery, let u = meta.updated, previous?.updated == u {
            return FetchResult(
                source: spec.name, path: path, status: .unchanged, reason: "table updated \(u), as when last fetched",
                requests: trace.requests, dataRequests: 0, cells: request.cells, updated: u, bytes: nil)
        }
        let planned = try RequestPlanner.split(
            request, metadata: meta, maxCells: settings.maxCells, maxRequests: settings.maxRequestsPerSource)
        if planned.count > 1 {
            observe(.split(source: spec.name, cells: request.cells, parts: planned.count, reason: "over the limit of \(settings.maxCells)"))
        }
        var bodies: [Data] = []
        var etag: String?
        for r in planned {
            var headers = ["Accept": request.format == .csv ? "text/csv" : "application/json"]
            if planned.count == 1, !settings.force, sameQuery, let e = previous?.etag { headers["If-None-Match"] = e }
            let got = try await fetchData(r, headers: headers, metadata: meta, depth: 0, trace: &trace)
            if got.count == 1, got[0].status == 304 {
                return FetchResult(
                    source: spec.name, path: path, status: .unchanged, reason: "not modified (ETag)",
                    requests: trace.requests, dataRequests: 0, cells: request.cells, updated: meta.updated, bytes: nil)
            }
            if planned.count == 1, got.count == 1 { etag = got[0].header("etag") }
            bodies += got.map(\.body)
        }
        let data: Data
        do {
            // Each body was checked when it arrived; a merged file is checked again as a whole.
            if bodies.count == 1 {
                data = bodies[0]
            } else if request.format == .csv {
                data = try Assembly.concatCSV(bodies)
            } else {
                data = try Assembly.mergeJSONStat(bodies)
                try Assembly.validateJSONStat(data)
            }
        } catch FetchError.assembly(let message) {
            throw FetchError.invalid(url: Self.readable(dataURL(request)), detail: message)
        }
        let origin = Origin(
            kind: "pxweb", table: request.table, classification: nil, url: Self.readable(dataURL(request)),
            urls: trace.dataURLs, query: query, format: request.format.rawValue, fetched_at: Landing.timestamp(wallClock()),
            updated: meta.updated, etag: etag, cells: request.cells, requests: trace.requests, bytes: data.count)
        return try land(data, origin: origin, previous: previous, spec: spec, path: path, trace: trace)
    }

    /// One planned data request; a 403 (query too big) halves it and fetches both halves, recursively.
    func fetchData(_ r: PxRequest, headers: [String: String], metadata: TableMetadata, depth: Int, trace: inout Trace) async throws
        -> [HTTPResponse]
    {
        let url = dataURL(r)
        let format = r.format
        do {
            let resp = try await perform(HTTPRequest(url: url, headers: headers), trace: &trace) { data in
                if format == .csv { try Assembly.validateCSV(data) } else { try Assembly.validateJSONStat(data) }
            }
            if resp.status != 304 { trace.dataURLs.append(Self.readable(url)) }
            return [resp]
        } catch FetchError.http(let u, 403, _) {
            guard depth < settings.maxSplitDepth, let halves = RequestPlanner.halve(r, metadata: metadata) else {
                throw FetchError.tooBig("GET \(u): HTTP 403 (query too big, \(r.cells) cells) and it cannot be split further")
            }
            observe(.split(source: trace.source, cells: r.cells, parts: 2, reason: "refused as too big (403)"))
            var h = headers
            h.removeValue(forKey: "If-None-Match")
            let first = try await fetchData(halves.0, headers: h, metadata: metadata, depth: depth + 1, trace: &trace)
            return first + (try await fetchData(halves.1, headers: h, metadata: metadata, depth: depth + 1, trace: &trace))
        }
    }

    // MARK: - KLASS

    func klassURL(_ spec: FetchSpec) -> (url: URL, query: String) {
        let to = spec.to ?? Self.dayAfter(wallClock())
        let query = "from=\(spec.from ?? "")&to=\(to)"
        return (settings.klassBase.url("/classifications/\(spec.effectiveClassification)/changes", query: query), query)
    }

    func fetchKlass(_ spec: FetchSpec, path: String, trace: inout Trace) async throws -> FetchResult {
        let (url, query) = klassURL(spec)
        let format = spec.effectiveFormat
        let previous = previousOrigin(path)
        var headers = ["Accept": format == .csv ? "text/csv" : "application/json"]
        if !settings.force, let p = previous, p.query == query, p.format == format.rawValue, let e = p.etag { headers["If-None-Match"] = e }
        let resp = try await perform(HTTPRequest(url: url, headers: headers), trace: &trace) { data in
            try Assembly.validateKlass(data, format: format)
        }
        if resp.status == 304 {
            return FetchResult(
                source: spec.name, path: path, status: .unchanged, reason: "not modified (ETag)",
                requests: trace.requests, dataRequests: 0, cells: nil, updated: nil, bytes: nil)
        }
        trace.dataURLs.append(Self.readable(url))
        let origin = Origin(
            kind: "klass", table: nil, classification: spec.effectiveClassification, url: Self.readable(url),
            urls: trace.dataURLs, query: query, format: format.rawValue, fetched_at: Landing.timestamp(wallClock()),
            updated: resp.header("last-modified"), etag: resp.header("etag"), cells: nil, requests: trace.requests,
            bytes: resp.body.count)
        return try land(resp.body, origin: origin, previous: previous, spec: spec, path: path, trace: trace)
    }

    // MARK: - Landing

    /// Replaces the landed file (unless the bytes are the same) and writes the sidecar.
    func land(_ data: Data, origin: Origin, previous: Origin?, spec: FetchSpec, path: String, trace: Trace) throws -> FetchResult {
        var result = FetchResult(
            source: spec.name, path: path, status: .fetched, reason: nil, requests: trace.requests,
            dataRequests: trace.dataURLs.count, cells: origin.cells, updated: origin.updated, bytes: data.count)
        if Landing.same(data, as: path) {
            result.status = .unchanged
            result.reason = "downloaded, content identical"
            var a = previous, b = origin
            a?.fetched_at = ""; b.fetched_at = ""; a?.requests = 0; b.requests = 0; a?.urls = []; b.urls = []
            if a == b { return result }
        } else {
            try Landing.write(data, to: path)
        }
        do { try Landing.write(try origin.encoded(), to: Origin.sidecarPath(for: path)) } catch {
            result.reason = "landed, but the origin sidecar was not written: \(Self.describe(error))"
        }
        return result
    }

    // MARK: - HTTP with politeness

    /// Sends a request through the rate limiter, retrying 429/503 (honouring `Retry-After`) and
    /// 5xx / transport failures / bodies that are cut short or fail `validate`, each a bounded
    /// number of times. Returns a 2xx or 304 response; throws `FetchError` otherwise.
    func perform(_ request: HTTPRequest, trace: inout Trace, validate: (Data) throws -> Void) async throws -> HTTPResponse {
        let url = request.url
        let shown = Self.readable(url)
        guard settings.pxwebBase.covers(url) || settings.klassBase.covers(url) else {
            throw FetchError.transport(url: shown, detail: "refused: not under a configured base URL")
        }
        var throttled = 0
        var failures = 0
        let attempts = settings.throttleRetries + settings.failureRetries + 1
        var last: (status: Int?, invalid: Bool, detail: String) = (nil, false, "")
        for attempt in 1...attempts {
            try await limiter.acquire()
            trace.requests += 1
            observe(.request(source: trace.source, url: shown, attempt: attempt))
            do {
                let resp = try await client.send(request)
                let encoding = resp.header("content-encoding")?.lowercased() ?? "identity"
                if resp.status != 304, encoding == "identity", let cl = resp.header("content-length").flatMap({ Int($0) }),
                    cl != resp.body.count
                {
                    last = (nil, false, "body cut short: \(resp.body.count) of \(cl) bytes")
                } else {
                    switch resp.status {
                    case 200..<300:
                        do { try validate(resp.body); return resp } catch {
                            last = (nil, true, "unreadable response: \(Self.describe(error))")
                        }
                    case 304:
                        return resp
                    case 429, 503:
                        guard throttled < settings.throttleRetries else {
                            throw FetchError.http(url: shown, status: resp.status, detail: "still refused after \(throttled) retries")
                        }
                        throttled += 1
                        let header = resp.header("retry-after")
                        let asked = Self.retryAfter(header, now: wallClock())
                        let wait = min(asked ?? backoff(throttled), settings.retryAfterCap)
                        observe(
                            .retry(
                                source: trace.source, url: shown,
                                reason: "HTTP \(resp.status)" + (asked != nil ? " (Retry-After: \(header ?? ""))" : ""), wait: wait))
                        try await clock.sleep(wait)
                        continue
                    case 300..<400:
                        throw FetchError.http(
                            url: shown, status: resp.status, detail: "redirect to \(resp.header("location") ?? "?") refused")
                    case 500..<600:
                        last = (resp.status, false, Self.snippet(resp.body))
                    default:
                        throw FetchError.http(url: shown, status: resp.status, detail: Self.snippet(resp.body))
                    }
                }
            } catch FetchError.noResponse(let message) {
                last = (nil, false, message)
            }
            guard failures < settings.failureRetries else { break }
            failures += 1
            let wait = backoff(failures)
            let reason = last.status.map { "HTTP \($0)" } ?? last.detail
            observe(.retry(source: trace.source, url: shown, reason: reason, wait: wait))
            try await clock.sleep(wait)
        }
        let tries = "after \(failures + throttled + 1) attempt\(failures + throttled == 0 ? "" : "s")"
        if let status = last.status {
            throw FetchError.http(url: shown, status: status, detail: last.detail.isEmpty ? tries : "\(last.detail) (\(tries))")
        }
        if last.invalid { throw FetchError.invalid(url: shown, detail: "\(last.detail) (\(tries))") }
        throw FetchError.transport(url: shown, detail: "\(last.detail) (\(tries))")
    }

    func backoff(_ n: Int) -> Double {
        min(settings.backoffCap, settings.backoffBase * pow(2, Double(max(0, n - 1))))
    }

    /// `Retry-After` as seconds: a number of seconds, or an HTTP date.
    static func retryAfter(_ value: String?, now: Date) -> Double? {
        guard let v = value?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        if let s = Double(v), s.isFinite { return max(0, s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let d = f.date(from: v) else { return nil }
        return max(0, d.timeIntervalSince(now))
    }

    /// A short, one-line extract of an error body (PxWebApi answers problem details: `title`, `detail`).
    static func snippet(_ body: Data) -> String {
        if let o = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            let parts = [o["title"], o["detail"], o["message"]].compactMap { $0 as? String }.filter { !$0.isEmpty }
            if !parts.isEmpty { return parts.joined(separator: " — ") }
        }
        return String(decoding: body.prefix(200), as: UTF8.self)
            .components(separatedBy: .newlines).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }

    /// A URL as a person reads it: `valueCodes[Tid]=2019,2020`.
    static func readable(_ url: URL) -> String {
        url.absoluteString.replacingOccurrences(of: "%5B", with: "[").replacingOccurrences(of: "%5D", with: "]")
    }

    static func dayAfter(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let next = cal.date(byAdding: .day, value: 1, to: date) ?? date
        let c = cal.dateComponents([.year, .month, .day], from: next)
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as FetchError: return e.description
        case let e as any CustomStringConvertible: return e.description
        default: return "\(error)"
        }
    }
}
