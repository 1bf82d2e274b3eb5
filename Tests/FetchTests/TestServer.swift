import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request as the test server saw it.
struct RecordedRequest: Sendable {
    var method: String
    /// Path and query as sent (percent-encoded).
    var target: String
    var path: String
    /// Query parameters, percent-decoded (`valueCodes[Tid]` → `2019,2020`).
    var query: [String: String]
    /// Header names lower-cased.
    var headers: [String: String]
}

/// What the test server answers.
struct ScriptedResponse: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: Data = Data()
    /// Send only this many bytes of the body (Content-Length still announces all of it), then close.
    var truncateTo: Int?

    static func json(_ data: Data, status: Int = 200, headers: [String: String] = [:]) -> ScriptedResponse {
        ScriptedResponse(
            status: status, headers: headers.merging(["Content-Type": "application/json; charset=utf-8"]) { a, _ in a }, body: data)
    }
    static func text(_ s: String, status: Int, headers: [String: String] = [:]) -> ScriptedResponse {
        ScriptedResponse(status: status, headers: headers.merging(["Content-Type": "text/plain"]) { a, _ in a }, body: Data(s.utf8))
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for tests only: one thread accepts,
/// one thread per connection reads the request head, asks `handler`, answers and closes.
/// Every wait is bounded (poll 50 ms, socket timeouts 5 s), so a test cannot hang on it.
final class TestServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (RecordedRequest) -> ScriptedResponse
    private let lock = NSLock()
    private var log: [RecordedRequest] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(handler: @escaping @Sendable (RecordedRequest) -> ScriptedResponse) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(0).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw Failure(description: "bind/listen: \(errno)") }
        var got = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &got) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = UInt16(bigEndian: got.sin_port)
        listener = fd
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    /// `http://127.0.0.1:PORT`
    var base: String { "http://127.0.0.1:\(port)" }

    var requests: [RecordedRequest] {
        lock.lock(); defer { lock.unlock() }
        return log
    }

    /// Stops accepting and waits (at most 2 s) for the accept loop to end.
    func stop() {
        lock.lock()
        let already = stopping
        stopping = true
        lock.unlock()
        if !already { _ = finished.wait(timeout: .now() + 2) }
    }

    private var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    private func acceptLoop() {
        defer { close(listener); finished.signal() }
        while !isStopping {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let c = accept(listener, nil, nil)
            guard c >= 0 else { continue }
            let t = Thread { [self] in serve(c) }
            t.start()
        }
    }

    private func serve(_ c: Int32) {
        defer { shutdown(c, Int32(SHUT_RDWR)); close(c) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var head = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = [13, 10, 13, 10]
        while head.count < 65_536 {
            let n = recv(c, &buf, buf.count, 0)
            guard n > 0 else { return }
            head += buf[0..<n]
            if head.count >= 4, (0...(head.count - 4)).contains(where: { Array(head[$0..<$0 + 4]) == end }) { break }
        }
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let first = lines[0].split(separator: " ")
        guard first.count >= 2 else { return }
        var headers: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let colon = l.firstIndex(of: ":") else { continue }
            headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let target = String(first[1])
        let parts = target.split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for item in parts[1].split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1)
                let k = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                let v = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
                query[k] = v
            }
        }
        let request = RecordedRequest(method: String(first[0]), target: target, path: String(parts[0]), query: query, headers: headers)
        lock.lock(); log.append(request); lock.unlock()
        let r = handler(request)
        var out = "HTTP/1.1 \(r.status) \(Self.reason(r.status))\r\n"
        for (k, v) in r.headers { out += "\(k): \(v)\r\n" }
        out += "Content-Length: \(r.body.count)\r\nConnection: close\r\n\r\n"
        var bytes = [UInt8](out.utf8)
        bytes += r.body.prefix(r.truncateTo ?? r.body.count)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    static func reason(_ s: Int) -> String {
        switch s {
        case 200: return "OK"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
