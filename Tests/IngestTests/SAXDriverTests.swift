import Foundation
import Testing
import TestSupport
@testable import Ingest

/// The shared libxml2 driver (Core/SAXDriver.swift): a handler's error inside an element
/// callback stops the read after the chunk, never inside libxml2 (run these under
/// AddressSanitizer: `swift test -Xswiftc -sanitize=address --filter SAXDriver`).
struct SAXDriverTests {
    /// A document large enough that libxml2 still holds attribute pointers into its buffer
    /// when the handler fails on an element in the middle of a chunk.
    static func document(elements: Int) -> [UInt8] {
        var s = "<?xml version=\"1.0\"?>\n<root>\n"
        for i in 0..<elements { s += "<c r=\"A\(i)\" t=\"n\" s=\"\(i % 7)\"><v>\(i)</v></c>\n" }
        return Array((s + "</root>\n").utf8)
    }

    struct Stop: Error, Equatable { var at: Int }

    @Test(arguments: [1, 2, 500, 4999])
    func aHandlerErrorInsideAnElementStopsTheReadWithThatError(_ failAt: Int) throws {
        let parser = SafeSAXParser(purpose: "a test document") { line, column in SourceLocation(file: "t.xml", line: line, column: column) }
        var seen = 0
        var afterFailure = 0
        parser.onStart = { name, attributes in
            guard cStringEquals(name, "c") else { return }
            seen += 1
            if seen > failAt { afterFailure += 1 }
            if seen == failAt { throw Stop(at: attributes.value("r").map { Int($0.dropFirst())! } ?? -1) }
        }
        let bytes = Self.document(elements: 5000)
        #expect(throws: Stop(at: failAt - 1)) {
            try bytes.withUnsafeBufferPointer { all in
                var offset = 0
                while offset < all.count {
                    let end = min(offset + 4096, all.count)
                    try parser.feed(UnsafeBufferPointer(rebasing: all[offset..<end]))
                    offset = end
                }
                try parser.finish()
            }
        }
        #expect(afterFailure == 0)
    }

    @Test func aDoctypeIsRefusedBeforeAnyEntityAndAReferenceIsRefused() {
        let doctype = Array("<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x \"y\">]>\n<r>&x;</r>\n".utf8)
        let p1 = SafeSAXParser(purpose: "a test document") { line, _ in SourceLocation(file: "t.xml", line: line) }
        #expect(throws: ReadError.self) {
            try doctype.withUnsafeBufferPointer {
                try p1.feed($0); try p1.finish()
            }
        }
        do { try doctype.withUnsafeBufferPointer { try p1.feed($0) } } catch let e as ReadError {
            #expect(e.description.hasPrefix("t.xml:2: error: a DOCTYPE declaration (<!DOCTYPE r …>) is not allowed in a test document"))
        } catch { Issue.record("\(error)") }
    }
}

/// Format sniffing (Core/CellReader.swift): extension first, then the first bytes.
struct FormatSnifferTests {
    /// Removed after each test (a suite value lives for one test).
    let scratch: TemporaryDirectory
    init() throws { scratch = try TemporaryDirectory("ingest-tests") }

    @Test(arguments: [
        ("t.json", "{\"version\":\"2.0\",\"class\":\"dataset\"}", SniffedFormat.jsonstat),
        ("t.json", "{\"codeChanges\":[]}", .klass),
        ("t.dat", "\u{FEFF}  {\"correspondenceItems\":[]}", .klass),
        ("t.dat", "{\"class\":\"dataset\"}", .jsonstat),
        ("t.dat", "<?xml version=\"1.0\"?><GenericData/>", .sdmx),
        ("t.dat", "AXIS-VERSION=\"2010\";\nSTUB=\"region\";", .px),
        ("t.dat", "LANGUAGE=\"no\";\nSTUB=\"region\";", .px),
        ("t.dat", "MATRIX=\"T1\";", .px),
        ("t.dat", "CONTENTS[en]=\"x\";", .px),
        ("t.dat", "region;år;verdi\n0301;2020;1\n", .csv),
        ("t.dat", "sep=;\n;2019\n", .csv),
        ("t.px", "region;år", .px),
        ("t.csv", "{", .csv)
    ])
    func formatsAreSniffedFromExtensionThenFirstBytes(_ c: (String, String, SniffedFormat)) throws {
        let path = try scratch.write(Array(c.1.utf8), to: c.0)
        #expect(FormatSniffer.sniff(path: path) == c.2, "\(c.0): \(c.1)")
    }
}
