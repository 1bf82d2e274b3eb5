import Foundation
@testable import Fetch

/// Real SSB responses kept in the Ingest tests' fixtures (table 05300: 6 × 8 × 1 × 9 cells).
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("IngestTests/Fixtures/ssb")

    static func data(_ name: String) -> Data {
        (try? Data(contentsOf: folder.appendingPathComponent(name))) ?? Data()
    }

    static func object(_ name: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data(name))) as? [String: Any] ?? [:]
    }

    static func json(_ o: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
    }

    /// Category codes of a JSON-stat dimension in position order.
    static func codes(_ dataset: [String: Any], _ dim: String) -> [String] {
        let cat = ((dataset["dimension"] as? [String: Any])?[dim] as? [String: Any])?["category"] as? [String: Any] ?? [:]
        if let l = cat["index"] as? [String] { return l }
        let o = cat["index"] as? [String: Any] ?? [:]
        return o.compactMap { k, v in (v as? NSNumber).map { (k, $0.intValue) } }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// The cells of a JSON-stat dataset by their codes: "01|02|Avstand|1991" → "12|" or "null|.".
    /// Written independently of the code under test, to check merged files.
    static func cells(_ data: Data) -> [String: String] {
        guard let d = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let ids = d["id"] as? [String], let sizes = (d["size"] as? [NSNumber])?.map(\.intValue)
        else { return [:] }
        let cats = ids.map { codes(d, $0) }
        let total = sizes.reduce(1, *)
        func value(_ i: Int) -> Any? {
            if let l = d["value"] as? [Any] { return i < l.count ? l[i] : nil }
            return (d["value"] as? [String: Any])?[String(i)]
        }
        func status(_ i: Int) -> String {
            if let s = d["status"] as? String { return s }
            if let l = d["status"] as? [Any] { return l.count > i ? (l[i] as? String ?? "") : "" }
            return (d["status"] as? [String: Any])?[String(i)] as? String ?? ""
        }
        var out: [String: String] = [:]
        for i in 0..<total {
            var rest = i
            var key: [String] = Array(repeating: "", count: ids.count)
            for dd in stride(from: ids.count - 1, through: 0, by: -1) {
                key[dd] = cats[dd][rest % sizes[dd]]
                rest /= sizes[dd]
            }
            let v = value(i)
            let vs = (v as? NSNumber).map { "\($0.doubleValue)" } ?? "null"
            out[key.joined(separator: "|")] = "\(vs)|\(status(i))"
        }
        return out
    }

    /// The part of a dataset selected by codes per dimension (nil: all), as SSB would answer it.
    static func slice(_ d: [String: Any], _ selection: [String: [String]]) -> [String: Any]? {
        guard let ids = d["id"] as? [String], let sizes = (d["size"] as? [NSNumber])?.map(\.intValue),
            let values = d["value"] as? [Any]
        else { return nil }
        let cats = ids.map { codes(d, $0) }
        var pick: [[Int]] = []
        for (n, id) in ids.enumerated() {
            let want = selection[id] ?? cats[n]
            var p: [Int] = []
            for c in want {
                guard let i = cats[n].firstIndex(of: c) else { return nil }
                p.append(i)
            }
            pick.append(p)
        }
        var strides = Array(repeating: 1, count: ids.count)
        for i in stride(from: ids.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * sizes[i + 1] }
        let status = d["status"] as? [String: Any] ?? [:]
        let newSizes = pick.map(\.count)
        let total = newSizes.reduce(1, *)
        var newValues: [Any] = []
        var newStatus: [String: Any] = [:]
        for i in 0..<total {
            var rest = i
            var old = 0
            for dd in stride(from: ids.count - 1, through: 0, by: -1) {
                old += pick[dd][rest % newSizes[dd]] * strides[dd]
                rest /= newSizes[dd]
            }
            newValues.append(values[old])
            if let s = status[String(old)] { newStatus[String(i)] = s }
        }
        var out = d
        out["size"] = newSizes
        out["value"] = newValues
        out["status"] = newStatus
        var dims = d["dimension"] as? [String: Any] ?? [:]
        for (n, id) in ids.enumerated() {
            var dim = dims[id] as? [String: Any] ?? [:]
            var cat = dim["category"] as? [String: Any] ?? [:]
            let chosen = pick[n].map { cats[n][$0] }
            cat["index"] = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($1, $0) })
            if let labels = cat["label"] as? [String: Any] { cat["label"] = labels.filter { chosen.contains($0.key) } }
            dim["category"] = cat
            dims[id] = dim
        }
        out["dimension"] = dims
        return out
    }

    /// The slice as PxWebApi v2 CSV: stub columns quoted, one column per contents × year, CRLF.
    static func csv(_ d: [String: Any]) -> Data {
        let ids = d["id"] as? [String] ?? []
        let cats = ids.map { codes(d, $0) }
        let values = d["value"] as? [Any] ?? []
        let status = d["status"] as? [String: Any] ?? [:]
        // Stub: first two dimensions; heading: the other two.
        var text = "\"avstand\",\"kulturtilbud\"" + cats[2].flatMap { c in cats[3].map { ",\"\(c) \($0)\"" } }.joined() + "\r\n"
        let perRow = cats[2].count * cats[3].count
        var i = 0
        for a in cats[0] {
            for b in cats[1] {
                text += "\"\(a)\",\"\(b)\""
                for _ in 0..<perRow {
                    let v = (values[i] as? NSNumber).map { "\($0.intValue)" } ?? "\"\(status[String(i)] as? String ?? "..")\""
                    text += ",\(v)"
                    i += 1
                }
                text += "\r\n"
            }
        }
        return Data(text.utf8)
    }
}

/// A fake PxWebApi v2 and KLASS serving table 05300 and a KLASS change list, with scripted failures.
final class FakeSSB: @unchecked Sendable {
    private let lock = NSLock()
    private var _updated = "2022-05-24T06:00:00Z"
    private var _forbidOver: Int?
    private var _queue: [ScriptedResponse] = []
    private var _always: ScriptedResponse?
    private var _klassETag = "\"klass-v1\""
    private var _metadataPatch: (@Sendable (inout [String: Any]) -> Void)?

    let metadata = Fixture.object("metadata_05300.json")
    let dataset = Fixture.object("dataset_05300.json")

    static let changes = """
        {"codeChanges":[{"oldCode":"0124","oldName":"Askim","oldShortName":"","newCode":"3014","newName":"Indre Østfold","newShortName":"","changeOccurred":"2020-01-01"}]}
        """

    func with<T>(_ body: (FakeSSB) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(self) }

    /// The table's `updated` stamp in metadata and data.
    var updated: String {
        get { with { $0._updated } }
        set { with { $0._updated = newValue } }
    }
    /// Answer 403 to data requests over this many cells.
    var forbidOver: Int? {
        get { with { $0._forbidOver } }
        set { with { $0._forbidOver = newValue } }
    }
    /// Responses served to the next data requests, before the real data.
    func enqueue(_ r: ScriptedResponse...) { with { $0._queue += r } }
    /// A response served to every data request.
    var always: ScriptedResponse? {
        get { with { $0._always } }
        set { with { $0._always = newValue } }
    }
    func patchMetadata(_ p: @escaping @Sendable (inout [String: Any]) -> Void) { with { $0._metadataPatch = p } }

    func respond(_ r: RecordedRequest) -> ScriptedResponse {
        let scripted = r.path.hasSuffix("/data") || r.path.hasSuffix("/changes")
        let (updated, forbid, next, always, etag, patch):
            (String, Int?, ScriptedResponse?, ScriptedResponse?, String, (@Sendable (inout [String: Any]) -> Void)?) = with {
                let n = !scripted || $0._queue.isEmpty ? nil : $0._queue.removeFirst()
                return ($0._updated, $0._forbidOver, n, $0._always, $0._klassETag, $0._metadataPatch)
            }
        switch r.path {
        case "/api/v2/tables/05300/metadata":
            var m = metadata
            m["updated"] = updated
            patch?(&m)
            return .json(Fixture.json(m))
        case "/api/v2/codeLists/agg_Test":
            return .json(
                Data(
                    #"{"id":"agg_Test","label":"Test","type":"Aggregation","values":[{"code":"A1","label":"Nær","valueMap":["01","02"]},{"code":"A2","label":"Fjern","valueMap":["03","04","05","06"]}]}"#
                        .utf8))
        case "/api/v2/tables/05300/data":
            if let n = next { return n }
            if let a = always { return a }
            var selection: [String: [String]] = [:]
            for (k, v) in r.query where k.hasPrefix("valueCodes[") {
                let dim = String(k.dropFirst("valueCodes[".count).dropLast())
                if v != "*" { selection[dim] = v.split(separator: ",").map(String.init) }
            }
            guard var part = Fixture.slice(dataset, selection) else {
                return .json(Data(#"{"title":"Bad Request","detail":"unknown code"}"#.utf8), status: 400)
            }
            let cells = (part["size"] as? [Int] ?? []).reduce(1, *)
            if let f = forbid, cells > f {
                return .json(Data(#"{"title":"Forbidden","detail":"Too many cells selected"}"#.utf8), status: 403)
            }
            part["updated"] = updated
            if r.query["outputFormat"] == "csv" {
                return ScriptedResponse(status: 200, headers: ["Content-Type": "text/csv; charset=utf-8"], body: Fixture.csv(part))
            }
            return .json(Fixture.json(part))
        case "/klass/v1/classifications/131/changes":
            if let n = next { return n }
            if r.headers["if-none-match"] == etag { return ScriptedResponse(status: 304, headers: ["ETag": etag]) }
            return .json(Data(Self.changes.utf8), headers: ["ETag": etag])
        default:
            return .text("no such resource", status: 404)
        }
    }
}

/// A clock whose sleep only moves time on: retries and rate limits cost no real time.
final class VirtualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var t: Double = 1000
    private var slept: [Double] = []

    var clock: FetchClock {
        FetchClock(
            now: { [self] in now },
            sleep: { [self] s in
                advance(s); await Task.yield()
            })
    }
    var now: Double { lock.lock(); defer { lock.unlock() }; return t }
    var sleeps: [Double] { lock.lock(); defer { lock.unlock() }; return slept }
    func advance(_ s: Double) { lock.lock(); t += s; slept.append(s); lock.unlock() }
}

/// URLSession on Linux is libcurl, which sends requests through `http_proxy` from the environment
/// unless `no_proxy` names the host: the tests talk to 127.0.0.1 directly, never through a proxy.
enum DirectConnections {
    static let ensured: Bool = {
        setenv("no_proxy", "127.0.0.1,localhost", 1)
        setenv("NO_PROXY", "127.0.0.1,localhost", 1)
        return true
    }()
}

/// An HTTP client that records every URL it is asked for, then uses URLSession.
final class RecordingClient: HTTPClient, @unchecked Sendable {
    private let inner: URLSessionHTTPClient

    init() {
        _ = DirectConnections.ensured
        inner = URLSessionHTTPClient(timeout: 30)
    }
    private let lock = NSLock()
    private var sent: [URL] = []
    var urls: [URL] { lock.lock(); defer { lock.unlock() }; return sent }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { sent.append(request.url) }
        return try await inner.send(request)
    }
}

/// A fake SSB on a test server, a temporary landing folder, and a fetcher that talks only to them.
final class Harness: @unchecked Sendable {
    let ssb = FakeSSB()
    let server: TestServer
    let client = RecordingClient()
    let clock = VirtualClock()
    let dir: String
    var settings: FetchSettings

    init() throws {
        let ssb = self.ssb
        server = try TestServer { ssb.respond($0) }
        dir = NSTemporaryDirectory() + "fetch-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        settings = try FetchSettings(pxwebBase: server.base + "/api/v2", klassBase: server.base + "/klass/v1")
        settings.backoffBase = 0.5
    }

    var fetcher: Fetcher { Fetcher(settings: settings, client: client, clock: clock.clock) }

    func path(_ name: String) -> String { dir + "/" + name }

    /// Cells a data request asked for (table 05300: `*` is all of a dimension).
    static func cells(_ r: RecordedRequest) -> Int {
        let all = ["Avstand1": 6, "Kulturtilbud": 8, "ContentsCode": 1, "Tid": 9]
        return all.reduce(1) { acc, d in
            let v = r.query["valueCodes[\(d.key)]"] ?? "*"
            return acc * (v == "*" ? d.value : v.split(separator: ",").count)
        }
    }

    /// Requests the server saw for a path suffix (`/data`, `/metadata`).
    func seen(_ suffix: String) -> [RecordedRequest] { server.requests.filter { $0.path.hasSuffix(suffix) } }

    /// Every URL the fetcher asked for went to 127.0.0.1 on the test server's port, and the server saw that host.
    var everythingStayedLocal: Bool {
        client.urls.allSatisfy { $0.host == "127.0.0.1" && $0.port == Int(server.port) }
            && server.requests.allSatisfy { $0.headers["host"] == "127.0.0.1:\(server.port)" }
            && !client.urls.isEmpty
    }

    func close() {
        server.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Spec for the whole of table 05300.
    static func wholeTable(path: String, format: FetchSpec.Format = .jsonStat2) -> FetchSpec {
        .pxweb(
            "05300", select: ["Avstand1": .all, "Kulturtilbud": .all, "ContentsCode": .all, "Tid": .all], format: format, path: path,
            id: "kultur_05300")
    }
}
