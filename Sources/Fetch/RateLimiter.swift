import Foundation

/// Time as the fetcher sees it: a monotonic `now` in seconds and a way to wait.
/// Tests inject a virtual clock whose `sleep` only advances `now`, so nothing really waits.
public struct FetchClock: Sendable {
    public var now: @Sendable () -> Double
    public var sleep: @Sendable (Double) async throws -> Void
    public init(now: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (Double) async throws -> Void) {
        self.now = now; self.sleep = sleep
    }

    /// The process's monotonic clock and `Task.sleep`.
    public static let system = FetchClock(
        now: { ProcessInfo.processInfo.systemUptime },
        sleep: { seconds in
            guard seconds > 0 else { return }
            try await Task.sleep(nanoseconds: UInt64(min(seconds, 3600) * 1_000_000_000))
        })
}

/// At most `limit` requests in any rolling window of `window` seconds (SSB: 30 a minute per address).
public actor RateLimiter {
    public let limit: Int
    public let window: Double
    private let clock: FetchClock
    private var sent: [Double] = []
    /// Seconds spent waiting for the window, in total.
    public private(set) var waited: Double = 0

    public init(limit: Int, window: Double = 60, clock: FetchClock) {
        self.limit = max(1, limit); self.window = max(0, window); self.clock = clock
    }

    /// Waits until one more request fits in the window, then counts it.
    public func acquire() async throws {
        // Bounded: each pass waits until the oldest request leaves the window, so a working
        // clock needs one pass; a clock that does not advance cannot hold the fetch for ever.
        for _ in 0..<(limit + 2) {
            let now = clock.now()
            sent.removeAll { $0 <= now - window }
            if sent.count < limit { break }
            let wait = sent[0] + window - now
            if wait > 0 {
                waited += wait
                try await clock.sleep(wait)
            } else {
                sent.removeFirst()
            }
        }
        sent.append(clock.now())
    }
}
