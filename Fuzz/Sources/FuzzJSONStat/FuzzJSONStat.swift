import FuzzSupport
import Ingest

/// JSONStatReader: strict, and again with lenient index re-ranking when the strict read fails.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.write(data, size, suffix: ".json")
    var strictFailed = false
    do {
        let reader = try JSONStatReader(path: path, options: JSONStatOptions(displayName: "fuzz.json"))
        var sink = CountingSink()
        try reader.read(into: &sink)
        for w in reader.warnings { _ = w.description }
    } catch {
        strictFailed = true
        _ = "\(error)"
    }
    if strictFailed {
        expectingErrors {
            let reader = try JSONStatReader(path: path, options: JSONStatOptions(lenientIndex: true, displayName: "fuzz.json"))
            var sink = CountingSink()
            try reader.read(into: &sink)
        }
    }
    return 0
}

/// The process entry point SwiftPM links as `main` (see `runFuzzer`).
@_cdecl("FuzzJSONStat_main")
public func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
