import FuzzSupport
import Ingest

/// CSVReader: sniffed dialect; inputs of odd length are read a second time with forced
/// options (UTF-8, comma, decimal comma) to reach the code behind `--encoding`/`--delimiter`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.write(data, size, suffix: ".csv")
    expectingErrors {
        let reader = try CSVReader(path: path, options: CSVOptions(displayName: "fuzz.csv"))
        _ = reader.dialect.description
        var sink = CountingSink()
        try reader.read(into: &sink)
    }
    if size % 2 == 1 {
        expectingErrors {
            var options = CSVOptions(delimiter: 0x2C, decimalComma: true, encoding: .utf8, roles: ["region": .geo], displayName: "fuzz.csv")
            // The region-cell paths: names through a lookup, lost leading zeros restored.
            options.leadingZeros = .restore
            options.resolveName = { name, year in
                name.count % 2 == 0
                    ? .success("0301")
                    : .failure(NameLookupError(name: name, year: year, nearMatches: ["Oslo (0301)"], ambiguous: year % 2 == 0))
            }
            let reader = try CSVReader(path: path, options: options)
            var sink = CountingSink()
            try reader.read(into: &sink)
        }
    }
    return 0
}

/// The process entry point SwiftPM links as `main` (see `runFuzzer`).
@_cdecl("FuzzCSV_main")
public func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
