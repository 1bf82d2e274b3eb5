import FuzzSupport
import Ingest

/// KlassReader: no extension, so the format (JSON, CSV or XML) comes from the first byte.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.write(data, size, suffix: ".klass")
    expectingErrors {
        // Every KLASS download: change lists, code lists, correspondences, in either encoding.
        let document = try KlassReader.readDocument(path: path, displayName: "fuzz-klass")
        _ = document.dialect
        if case .changes(let changes) = document.content {
            for c in changes where c.oldCode.utf8.count != 4 || c.newCode.utf8.count != 4 {
                fatalError("KlassReader accepted a code that is not four digits: \(c)")
            }
        }
    }
    return 0
}

/// The process entry point SwiftPM links as `main` (see `runFuzzer`).
@_cdecl("FuzzKlass_main")
public func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
