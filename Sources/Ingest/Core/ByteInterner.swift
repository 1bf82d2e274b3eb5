#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Maps the bytes of a repeated field (a region cell, a measure label) to the text decoded
/// from them the first time, so a file with millions of rows decodes each distinct value
/// once, and hands out one shared `String` per value (which `IdentityCache` relies on).
/// Bounded: past `limit` distinct values it stops remembering new ones.
///
/// An open-addressing table keyed by the bytes' FNV-1a hash; the bytes of every entry are
/// kept in one buffer and compared with `memcmp`.
struct ByteInterner {
    private struct Entry {
        var hash: UInt64
        var offset: Int
        var length: Int
        var value: String
    }
    private var table: [Int32] // index into entries + 1; 0 is empty
    private var entries: [Entry] = []
    private var bytes: [UInt8] = []
    /// The entry found last: files repeat their labels in the same order (every region and
    /// year lists the measures alike), so the one after it is tried before hashing.
    private var last = -1
    var count: Int { entries.count }
    let limit: Int

    init(limit: Int = 200_000) {
        self.limit = limit
        table = Array(repeating: 0, count: 1024)
    }

    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for x in b { h = (h ^ UInt64(x)) &* 0x100000001b3 }
        return h
    }

    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// The text for these bytes, trying the entry after the last one found first.
    mutating func find(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        let next = last + 1
        if next < entries.count {
            let e = entries[next]
            let hit = bytes.withUnsafeBufferPointer {
                ByteInterner.equal(UnsafeBufferPointer(rebasing: $0[e.offset..<(e.offset + e.length)]), b)
            }
            if hit { last = next; return e.value }
        }
        guard let (index, value) = locate(b, hash: ByteInterner.hash(b)) else { return nil }
        last = index
        return value
    }

    func lookup(_ b: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> String? {
        locate(b, hash: h)?.value
    }

    private func locate(_ b: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> (index: Int, value: String)? {
        let mask = table.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let slot = Int(table[i])
                if slot == 0 { return nil }
                let e = entries[slot - 1]
                if e.hash == h && ByteInterner.equal(UnsafeBufferPointer(rebasing: stored[e.offset..<(e.offset + e.length)]), b) {
                    return (slot - 1, e.value)
                }
                i = (i + 1) & mask
            }
        }
    }

    mutating func insert(_ b: UnsafeBufferPointer<UInt8>, hash h: UInt64, value: String) {
        guard entries.count < limit, lookup(b, hash: h) == nil else { return }
        if (entries.count + 1) * 2 > table.count { grow() }
        entries.append(Entry(hash: h, offset: bytes.count, length: b.count, value: value))
        bytes.append(contentsOf: b)
        place(entries.count - 1)
        last = entries.count - 1
    }

    private mutating func place(_ index: Int) {
        let mask = table.count - 1
        var i = Int(truncatingIfNeeded: entries[index].hash) & mask
        while table[i] != 0 { i = (i + 1) & mask }
        table[i] = Int32(index + 1)
    }

    private mutating func grow() {
        table = Array(repeating: 0, count: table.count * 2)
        for i in entries.indices { place(i) }
    }
}
