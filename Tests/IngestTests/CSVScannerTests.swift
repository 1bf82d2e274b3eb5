import Foundation
import Testing
@testable import Ingest

/// The scanner copies runs of ordinary bytes at once; these tests pin it to the byte-by-byte
/// state machine it replaces: the same records, fields, quoting and line numbers whatever
/// size the chunks are cut to.
@Suite struct CSVScannerTests {
    // Joined from an array: a chain of `+` on literals can exceed the type checker's time limit
    // on a loaded machine.
    static let text = Array(
        [
            "\"region\";\"år\";\"statistikkvariabel\";\"06913: Befolkning\"\r\n",
            "\"0301 Oslo\";\"2020\";\"Befolkning per 1.1. (personer)\";693494\r\n",
            "\"1103 Stavanger\";2021;\"med \"\"sitat\"\" og ; inni\";144147\n",
            "\"5001 Trondheim\";\"2022\";\"linje\r\nskift, CR\rog tekst\netter\";212660\r",
            "uten;anførsel;i feltene;1\n",
            "\"\";;\"tomt\";\n",
            "siste;linje;uten;linjeskift"
        ].joined().utf8)

    static func records(chunk: Int) throws -> [String] {
        var scanner = CSVScanner(delimiter: 0x3B, file: "t.csv")
        var out: [String] = []
        let collect: (borrowing CSVRecord) throws -> Void = { rec in
            var fields: [String] = []
            for i in 0..<rec.count {
                fields.append((rec.quoted[i] ? "q:" : "") + rec.withField(i) { String(decoding: $0, as: UTF8.self) })
            }
            out.append("\(rec.line)|" + fields.joined(separator: "|"))
        }
        try text.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(start + chunk, all.count)
                try scanner.feed(UnsafeBufferPointer(rebasing: all[start..<end]), collect)
                start = end
            }
        }
        try scanner.finish(collect)
        return out
    }

    @Test func recordsAreTheSameWhateverTheChunkSize() throws {
        let whole = try CSVScannerTests.records(chunk: CSVScannerTests.text.count)
        #expect(
            whole == [
                "1|q:region|q:år|q:statistikkvariabel|q:06913: Befolkning",
                "2|q:0301 Oslo|q:2020|q:Befolkning per 1.1. (personer)|693494",
                "3|q:1103 Stavanger|2021|q:med \"sitat\" og ; inni|144147",
                "4|q:5001 Trondheim|q:2022|q:linje\r\nskift, CR\rog tekst\netter|212660",
                "8|uten|anførsel|i feltene|1",
                "9|q:||q:tomt|",
                "10|siste|linje|uten|linjeskift"
            ])
        for chunk in [1, 2, 3, 5, 7, 16, 64] {
            #expect(try CSVScannerTests.records(chunk: chunk) == whole, "chunk size \(chunk)")
        }
    }

    @Test func aNulByteInsideAQuotedRunIsStillRefused() throws {
        var scanner = CSVScanner(delimiter: 0x3B, file: "t.csv")
        let bytes: [UInt8] = Array("a;b\n\"abc".utf8) + [0] + Array("def\";1\n".utf8)
        #expect(throws: ReadError.self) {
            try bytes.withUnsafeBufferPointer { try scanner.feed($0) { _ in } }
        }
    }
}

@Suite struct IdentityCacheTests {
    @Test func aHitIsAlwaysTheSameTextAndANewStringIsAtWorstAMiss() {
        // The cache is direct-mapped: a store may evict another key (which slot a heap
        // string takes depends on its address), so only what was just stored must hit.
        var cache = IdentityCache<Int>(capacity: 8)
        let label = String(decoding: Array("Plasser i institusjon (antall), heldøgns".utf8), as: UTF8.self)
        cache.store(1, for: label)
        #expect(cache.value(for: label) == 1)
        cache.store(2, for: "0301", 2020)
        #expect(cache.value(for: "0301", 2020) == 2)
        #expect(cache.value(for: label) == nil || cache.value(for: label) == 1)
        #expect(cache.value(for: "0301", 2021) == nil)
        #expect(cache.value(for: "0302", 2020) == nil)
        // Equal text in other storage may miss, but never finds another value.
        let copy = String(decoding: Array(label.utf8), as: UTF8.self)
        #expect(cache.value(for: copy) == nil || cache.value(for: copy) == 1)
        // Many keys in few slots: each lookup is right or a miss.
        var small = IdentityCache<String>(capacity: 2)
        let keys = (0..<100).map { "kode \($0) med en lang nok tekst til å ligge på heapen" }
        for k in keys { small.store(k, for: k) }
        for k in keys { #expect(small.value(for: k) == nil || small.value(for: k) == k) }
    }
}

@Suite struct ByteInternerTests {
    /// `find` tries the entry after the last one found before hashing: whatever the order of
    /// lookups, it returns the text of exactly these bytes, or nil.
    @Test func findReturnsTheTextOfTheseBytesInAnyOrder() {
        var interner = ByteInterner()
        let labels = ["Befolkning per 1.1. (personer)", "Innbyggere 80 år og over (personer)", "Plasser i institusjon (antall)", "0301", ""]
        for l in labels {
            let b = Array(l.utf8)
            b.withUnsafeBufferPointer { interner.insert($0, hash: ByteInterner.hash($0), value: l) }
        }
        let order = [0, 1, 2, 3, 4, 0, 1, 2, 2, 4, 3, 1, 0, 0, 3]
        for i in order {
            let b = Array(labels[i].utf8)
            #expect(b.withUnsafeBufferPointer { interner.find($0) } == labels[i])
        }
        for unknown in ["Plasser i institusjon (antall", "Befolkning per 1.1. (personer) ", "0302"] {
            let b = Array(unknown.utf8)
            #expect(b.withUnsafeBufferPointer { interner.find($0) } == nil)
        }
        // Inserting an entry twice keeps one.
        let again = Array(labels[0].utf8)
        again.withUnsafeBufferPointer { interner.insert($0, hash: ByteInterner.hash($0), value: labels[0]) }
        #expect(interner.count == labels.count)
    }
}
