import FuzzSupport
import Ingest

/// SDMXReader (libxml2 SAX): any XML, including DOCTYPEs, entities and broken markup.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.write(data, size, suffix: ".xml")
    expectingErrors {
        let reader = try SDMXReader(path: path, options: SDMXOptions(displayName: "fuzz.xml"))
        var sink = CountingSink()
        try reader.read(into: &sink)
    }
    return 0
}

/// The process entry point SwiftPM links as `main` (see `runFuzzer`).
@_cdecl("FuzzSDMX_main")
public func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
