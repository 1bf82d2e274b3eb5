import FuzzSupport
import Ingest

/// PXReader: the encoding sniffed from CODEPAGE/CHARSET, and forced to UTF-8 for odd lengths;
/// inputs whose length is a multiple of three are read in English (the LANGUAGES path).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.write(data, size, suffix: ".px")
    expectingErrors {
        let reader = try PXReader(
            path: path, displayName: "fuzz.px", encoding: size % 2 == 1 ? .utf8 : nil, language: size % 3 == 0 ? "en" : nil)
        var sink = CountingSink()
        try reader.read(into: &sink)
        _ = reader.dialect
    }
    return 0
}

/// The process entry point SwiftPM links as `main` (see `runFuzzer`).
@_cdecl("FuzzPX_main")
public func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
