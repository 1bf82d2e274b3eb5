import Foundation
import Testing
import TestSupport
@testable import Ingest

// MARK: - ZIP archives

/// Offset of the central-directory (`central: true`) or local header of the entry `name`.
private func zipHeaderOffset(_ d: [UInt8], _ name: String, central: Bool) -> Int? {
    let n = Array(name.utf8)
    let fixed = central ? 46 : 30
    var i = 0
    while i + fixed + n.count <= d.count {
        if d[i] == 0x50, d[i + 1] == 0x4B, d[i + 2] == (central ? 1 : 3), d[i + 3] == (central ? 2 : 4),
            Array(d[(i + fixed)..<(i + fixed + n.count)]) == n
        {
            return i
        }
        i += 1
    }
    return nil
}

private func put16(_ d: inout [UInt8], _ at: Int, _ v: UInt16) {
    d[at] = UInt8(v & 0xFF); d[at + 1] = UInt8(v >> 8)
}

private func put32(_ d: inout [UInt8], _ at: Int, _ v: UInt32) {
    for k in 0..<4 { d[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) }
}

/// Reads the archive's bytes, lets `patch` change them, and writes them back.
private func patchFile(_ path: String, _ patch: (inout [UInt8]) throws -> Void) throws {
    var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    try patch(&d)
    try Data(d).write(to: URL(fileURLWithPath: path))
}

/// Deterministic bytes that do not compress.
private func noise(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var x = seed
    return (0..<count).map { _ in
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: x >> 33)
    }
}

/// The whole entry, with the size of every chunk `extract` delivered.
private func extractAll(_ archive: ZipArchive, _ entry: ZipEntry, chunkSize: Int = 64 << 10) throws -> (data: [UInt8], chunks: [Int]) {
    var data: [UInt8] = []
    var chunks: [Int] = []
    try archive.extract(entry, chunkSize: chunkSize) { chunk in
        data.append(contentsOf: chunk)
        chunks.append(chunk.count)
    }
    return (data, chunks)
}

private let zipSample: ZipItems = [
    (path: "hello.txt", data: Array("Hei, verden! Hei, verden! Hei, verden!\n".utf8)),
    (path: "empty.txt", data: []),
    (path: "dir/", data: []),
    (path: "dir/noise.bin", data: noise(300_000)),
    (path: "dir/zeros.bin", data: [UInt8](repeating: 0, count: 200_000)),
    (path: "æøå/Ålesund.xml", data: Array("<a>Ålesund</a>".utf8))
]

@Suite("ZIP archive reader and writer")
struct ZipArchiveTests {
    @Test(arguments: [false, true])
    func storedAndDeflatedEntriesRoundTrip(_ compress: Bool) throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("round.zip").path
        try ZipWriter.write(zipSample, to: path, compress: compress)
        let archive = try ZipArchive(path: path, displayName: "round.zip")
        #expect(archive.entries.map(\.path) == zipSample.map(\.path))
        #expect(archive.entries.allSatisfy { $0.method == (compress ? ZipEntry.deflated : ZipEntry.stored) })
        #expect(archive.entries.map(\.uncompressedSize) == zipSample.map { UInt64($0.data.count) })
        #expect(archive.entries.map(\.isDirectory) == [false, false, true, false, false, false])
        #expect(archive.entries.allSatisfy { !$0.isSymbolicLink })
        #expect(archive["missing"] == nil)
        let zeros = try #require(archive["dir/zeros.bin"])
        if compress {
            #expect(zeros.compressedSize < 1_000)
        } else {
            #expect(zeros.compressedSize == zeros.uncompressedSize)
        }
        for item in zipSample {
            let entry = try #require(archive[item.path])
            // Small chunks exercise the chunk loop; the default reads in one or a few.
            for chunkSize in [1_000, 64 << 10] {
                let (data, chunks) = try extractAll(archive, entry, chunkSize: chunkSize)
                #expect(data == item.data, "\(item.path) with chunks of \(chunkSize)")
                #expect(chunks.allSatisfy { $0 > 0 && $0 <= chunkSize })
                #expect(chunks.count >= item.data.count / chunkSize)
            }
        }
    }

    @Test func crcIsZlibsCRC32() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("crc.zip").path
        try ZipWriter.write([(path: "check", data: Array("123456789".utf8))], to: path, compress: false)
        // The CRC-32 check value of "123456789".
        #expect(try ZipArchive(path: path).entries.first?.crc32 == 0xCBF4_3926)
    }

    @Test func emptyArchiveHasNoEntries() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("empty.zip").path
        try ZipWriter.write([], to: path, compress: true)
        #expect(ChunkedFile.size(path: path) == 22)
        let archive = try ZipArchive(path: path)
        #expect(archive.entries.isEmpty)
        #expect(archive.fileSize == 22)
        // As a workbook it is a ZIP archive without xl/workbook.xml.
        let error = readError { _ = try XLSXSheetReader(path: path, displayName: "empty.xlsx") }
        #expect(error?.message == "not an Excel workbook: no xl/workbook.xml in the archive; found no entries")
    }

    @Test func truncatedArchiveIsAClearError() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("cut.zip").path
        try ZipWriter.write(zipSample, to: path, compress: true)
        // Cut in the middle: the end of central directory record is gone.
        try patchFile(path) { d in d.removeLast(d.count / 2) }
        let e1 = readError { _ = try ZipArchive(path: path, displayName: "cut.zip") }
        #expect(e1?.location == SourceLocation(file: "cut.zip"))
        #expect(e1?.message.hasPrefix("not a ZIP archive: no end of central directory record") == true)
        #expect(e1?.message.contains("truncated") == true)

        // A deflate stream cut short (the header declares fewer compressed bytes than it needs).
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in
            let c = try #require(zipHeaderOffset(d, "dir/noise.bin", central: true))
            let size = UInt32(d[c + 20]) | UInt32(d[c + 21]) << 8 | UInt32(d[c + 22]) << 16 | UInt32(d[c + 23]) << 24
            put32(&d, c + 20, size / 2)
        }
        let archive = try ZipArchive(path: path, displayName: "cut.zip")
        let e2 = readError { _ = try extractAll(archive, try #require(archive["dir/noise.bin"])) }
        #expect(e2?.location == SourceLocation(file: "cut.zip", path: "dir/noise.bin"))
        #expect(e2?.message.hasPrefix("corrupt entry: the deflate stream is truncated") == true)
        // The other entries still read.
        #expect(try extractAll(archive, try #require(archive["hello.txt"])).data == zipSample[0].data)

        // The central directory runs past the end of the file.
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in put32(&d, d.count - 22 + 12, 1 << 20) }
        let e3 = readError { _ = try ZipArchive(path: path, displayName: "cut.zip") }
        #expect(e3?.message.hasPrefix("damaged ZIP archive: the central directory") == true)
    }

    @Test(arguments: [false, true])
    func corruptCRCIsAClearError(_ compress: Bool) throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("crc.zip").path
        try ZipWriter.write(zipSample, to: path, compress: compress)
        try patchFile(path) { d in
            let c = try #require(zipHeaderOffset(d, "hello.txt", central: true))
            put32(&d, c + 16, 0xDEAD_BEEF)
        }
        let archive = try ZipArchive(path: path, displayName: "crc.zip")
        var delivered = 0
        let error = readError { try archive.extract(try #require(archive["hello.txt"])) { delivered += $0.count } }
        #expect(error?.location == SourceLocation(file: "crc.zip", path: "hello.txt"))
        #expect(error?.message.hasPrefix("corrupt entry: the CRC-32 of the inflated bytes") == true)
        #expect(error?.message.contains("0xdeadbeef") == true)
        #expect(delivered == zipSample[0].data.count)

        // A damaged byte of stored data fails the CRC; of deflated data, the CRC or the stream.
        try ZipWriter.write(zipSample, to: path, compress: compress)
        try patchFile(path) { d in
            let l = try #require(zipHeaderOffset(d, "dir/noise.bin", central: false))
            d[l + 30 + "dir/noise.bin".utf8.count + 1_000] ^= 0x55
        }
        let damaged = try ZipArchive(path: path, displayName: "crc.zip")
        let e2 = readError { _ = try extractAll(damaged, try #require(damaged["dir/noise.bin"])) }
        #expect(e2?.message.hasPrefix("corrupt entry") == true)
        if !compress { #expect(e2?.message.hasPrefix("corrupt entry: the CRC-32") == true) }
    }

    @Test func crcMismatchInAWorkbookKeepsItsMessage() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let url = dir.appendingPathComponent("crc.xlsx")
        try writeWorkbook(url, rows: sampleRows)
        try patchFile(url.path) { d in
            let c = try #require(zipHeaderOffset(d, "xl/worksheets/sheet1.xml", central: true))
            d[c + 16] ^= 0x01
        }
        let reader = try XLSXSheetReader(path: url.path, displayName: "crc.xlsx")
        let error = readError { try reader.forEachRow { _ in } }
        #expect(
            error?.description
                == "crc.xlsx:xl/worksheets/sheet1.xml: error: the entry's CRC-32 does not match its header; the archive is damaged")
    }

    @Test func declaredSizeMismatchIsACorruptEntry() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("size.zip").path
        for (declared, prefix) in [
            (UInt32(250_000), "corrupt entry: it inflates to 200000 bytes, its header declares 250000"),
            (UInt32(150_000), "corrupt entry: it inflates past the 150000 bytes its header declares")
        ] {
            try ZipWriter.write(zipSample, to: path, compress: true)
            try patchFile(path) { d in
                let c = try #require(zipHeaderOffset(d, "dir/zeros.bin", central: true))
                put32(&d, c + 24, declared)
            }
            let archive = try ZipArchive(path: path, displayName: "size.zip")
            var delivered = 0
            let error = readError {
                try archive.extract(try #require(archive["dir/zeros.bin"]), chunkSize: 10_000) { delivered += $0.count }
            }
            #expect(error?.message == prefix)
            // Never more than one byte past the declared size is inflated.
            #expect(delivered <= Int(declared) + 1)
        }
    }

    @Test func zip64MarkersAreRefused() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("z64.zip").path
        let patches: [(String, (inout [UInt8]) throws -> Void)] = [
            ("compressed size", { d in put32(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 20, 0xFFFF_FFFF) }),
            ("uncompressed size", { d in put32(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 24, 0xFFFF_FFFF) }),
            ("local header offset", { d in put32(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 42, 0xFFFF_FFFF) }),
            (
                "entry count",
                { d in
                    put16(&d, d.count - 22 + 8, 0xFFFF); put16(&d, d.count - 22 + 10, 0xFFFF)
                }
            ),
            ("central directory offset", { d in put32(&d, d.count - 22 + 16, 0xFFFF_FFFF) })
        ]
        for (what, patch) in patches {
            try ZipWriter.write(zipSample, to: path, compress: true)
            try patchFile(path, patch)
            let error = readError { _ = try ZipArchive(path: path, displayName: "z64.zip") }
            #expect(error?.message.hasPrefix("ZIP64 archives are not supported") == true, "\(what)")
            #expect(error?.location.file == "z64.zip")
        }
        // The entry is named when the marker is in its record.
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path, patches[0].1)
        #expect(
            readError { _ = try ZipArchive(path: path, displayName: "z64.zip") }?.location
                == SourceLocation(file: "z64.zip", path: "hello.txt"))
        // A workbook says so too.
        let error = readError { _ = try XLSXSheetReader(path: path, displayName: "z64.xlsx") }
        #expect(error?.message.hasPrefix("not a readable .xlsx workbook") == true)
        #expect(error?.message.contains("ZIP64 archives are not supported") == true)
    }

    @Test func encryptedEntriesAndUnsupportedMethodsAreRefused() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("enc.zip").path
        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in d[try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 8] |= 0x01 }
        let e1 = readError { _ = try ZipArchive(path: path, displayName: "enc.zip") }
        #expect(e1?.location == SourceLocation(file: "enc.zip", path: "hello.txt"))
        #expect(e1?.message.hasPrefix("the entry is encrypted") == true)

        try ZipWriter.write(zipSample, to: path, compress: true)
        try patchFile(path) { d in put16(&d, try #require(zipHeaderOffset(d, "hello.txt", central: true)) + 10, 12) }
        let e2 = readError { _ = try ZipArchive(path: path, displayName: "enc.zip") }
        #expect(e2?.message == "the entry uses compression method 12 (bzip2); only 0 (stored) and 8 (deflate) are supported")
    }

    @Test func nonZipFilesAreAClearError() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let text = try write(Array(String(repeating: "Kommune;År;Type\n", count: 100).utf8), "data.csv", in: dir)
        let e1 = readError { _ = try ZipArchive(path: text, displayName: "data.csv") }
        #expect(e1?.location == SourceLocation(file: "data.csv"))
        #expect(e1?.message.hasPrefix("not a ZIP archive: no end of central directory record") == true)
        let tiny = try write([0x50, 0x4B, 0x03, 0x04], "tiny.zip", in: dir)
        let e2 = readError { _ = try ZipArchive(path: tiny, displayName: "tiny.zip") }
        #expect(e2?.message == "not a ZIP archive: the file has 4 bytes, fewer than the 22 of an end of central directory record")
        let e3 = readError { _ = try ZipArchive(path: dir.path, displayName: "dir") }
        #expect(e3?.message == "is a directory; expected a ZIP archive")
        let e4 = readError { _ = try ZipArchive(path: dir.appendingPathComponent("missing.zip").path, displayName: "missing.zip") }
        #expect(e4?.message.hasPrefix("cannot open file") == true)
    }

    @Test func anErrorFromTheBodyStopsExtractionUnchanged() throws {
        let scratch = try TemporaryDirectory("husbanken-tests")
        defer { scratch.remove() }
        let dir = scratch.url
        let path = dir.appendingPathComponent("stop.zip").path
        try ZipWriter.write(zipSample, to: path, compress: true)
        let archive = try ZipArchive(path: path)
        var calls = 0
        let stop = ReadError(SourceLocation(file: "body"), "stop")
        let error = readError {
            try archive.extract(try #require(archive["dir/noise.bin"]), chunkSize: 1_000) { _ in
                calls += 1
                throw stop
            }
        }
        #expect(error == stop)
        #expect(calls == 1)
    }
}
