import FuzzSupport
import Ingest

/// The .xlsx path: XLSXSheetReader (ZIP archive, workbook, relationships, shared strings,
/// sheet XML) through HusbankenReader, with small limits so a bomb shows up as an error fast.
let mapping = HusbankenMapping(
    municipality: "Kommune", year: "År", kind: "Type", stage: "Status",
    purpose: "Formål", places: "Antall plasser", amount: "Tilskudd (kr)")
let limits = XLSXLimits(maxUncompressedBytes: 16 << 20, maxCompressionRatio: 200, ratioCheckMinimumBytes: 1 << 20, maxEntries: 1000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.write(data, size, suffix: ".xlsx")
    expectingErrors {
        let workbook = try XLSXSheetReader(path: path, displayName: "fuzz.xlsx", limits: limits)
        var rows = 0
        try workbook.forEachRow { row in
            rows += 1
            if row.values.count != row.kinds.count {
                fatalError("row \(row.number): \(row.values.count) values but \(row.kinds.count) kinds")
            }
        }
    }
    expectingErrors {
        let reader = try HusbankenReader(path: path, mapping: mapping, displayName: "fuzz.xlsx", xlsxLimits: limits)
        var sink = CountingSink()
        try reader.read(into: &sink)
    }
    return 0
}

/// The process entry point SwiftPM links as `main` (see `runFuzzer`).
@_cdecl("FuzzXLSX_main")
public func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
