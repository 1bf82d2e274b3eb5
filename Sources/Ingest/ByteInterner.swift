/// Maps the bytes of a repeated field (a region cell, a measure label) to the text decoded
/// from them the first time, so a file with millions of rows decodes each distinct value
/// once. Bounded: past `limit` distinct values it stops remembering new ones.
struct ByteInterner {
    private var slots: [UInt64: [(bytes: [UInt8], value: String)]] = [:]
    private(set) var count = 0
    let limit: Int

    init(limit: Int = 200_000) { self.limit = limit }

    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for x in b { h = (h ^ UInt64(x)) &* 0x100000001b3 }
        return h
    }

    func lookup(_ b: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> String? {
        guard let bucket = slots[h] else { return nil }
        for e in bucket where e.bytes.count == b.count && e.bytes.withUnsafeBufferPointer({ $0.elementsEqual(b) }) { return e.value }
        return nil
    }

    mutating func insert(_ b: UnsafeBufferPointer<UInt8>, hash h: UInt64, value: String) {
        guard count < limit else { return }
        slots[h, default: []].append((Array(b), value))
        count += 1
    }
}
