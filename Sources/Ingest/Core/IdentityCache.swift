/// A small direct-mapped cache keyed by a string's identity (and an integer), for hot loops
/// that see the same few strings millions of times: the readers hand out one shared `String`
/// per distinct field (see `ByteInterner`), and short codes such as `0301` are stored inline.
///
/// Two strings with the same 16 bytes of representation are the same text, so a hit is
/// always right; the entry keeps its string alive, so its storage cannot be reused by another
/// text while cached. A miss (an equal text in other storage, or a collision) only sends the
/// caller to its slower exact lookup.
public struct IdentityCache<Value> {
    @usableFromInline struct Entry {
        @usableFromInline var key: String
        @usableFromInline var number: Int
        @usableFromInline var value: Value
        @inlinable init(key: String, number: Int, value: Value) { self.key = key; self.number = number; self.value = value }
    }
    @usableFromInline var entries: [Entry?]
    @usableFromInline let mask: Int

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int = 1024) {
        var n = 1
        while n < capacity { n <<= 1 }
        entries = Array(repeating: nil, count: n)
        mask = n - 1
    }

    @inlinable @inline(__always)
    static func bits(_ s: String) -> (UInt64, UInt64) { unsafeBitCast(s, to: (UInt64, UInt64).self) }

    @inlinable @inline(__always)
    func slot(_ b: (UInt64, UInt64), _ number: Int) -> Int {
        var h = b.0 &* 0x9E37_79B9_7F4A_7C15
        h ^= b.1 &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(bitPattern: Int64(number)) &* 0x1656_67B1_9E37_79F9
        return Int(truncatingIfNeeded: h >> 32) & mask
    }

    @inlinable @inline(__always)
    public func value(for key: String, _ number: Int = 0) -> Value? {
        let b = IdentityCache.bits(key)
        guard let e = entries[slot(b, number)], e.number == number else { return nil }
        let eb = IdentityCache.bits(e.key)
        return eb.0 == b.0 && eb.1 == b.1 ? e.value : nil
    }

    @inlinable
    public mutating func store(_ value: Value, for key: String, _ number: Int = 0) {
        entries[slot(IdentityCache.bits(key), number)] = Entry(key: key, number: number, value: value)
    }
}

extension IdentityCache: Sendable where Value: Sendable {}
extension IdentityCache.Entry: Sendable where Value: Sendable {}
