import FuzzSupport
import Ingest

/// HusbankenReader on CSV exports (an input starting with "PK" goes the .xlsx way, which
/// FuzzXLSX covers too). Even lengths map municipality numbers, odd lengths map names only,
/// resolved by a small lookup that knows a few names and suggests near matches otherwise.
let numbers = HusbankenMapping(
    municipality: "Kommune", year: "År", kind: "Type", stage: "Status",
    purpose: "Formål", places: "Antall plasser", amount: "Tilskudd (kr)")
let names = HusbankenMapping(
    municipalityName: "Kommunenavn", year: "År", kind: "Type", stage: "Status",
    places: "Antall plasser")

let known: [String: String] = ["oslo": "0301", "indre østfold": "3118", "ålesund": "1508", "haram": "1580"]

@Sendable func lookup(_ name: String, _ year: Int) -> Result<String, NameLookupError> {
    if let code = known[name.lowercased()] { return .success(code) }
    return .failure(NameLookupError(name: name, year: year, nearMatches: ["Oslo (0301)"]))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = FuzzInput.write(data, size, suffix: ".csv")
    let byName = size % 2 == 1
    expectingErrors {
        let reader: HusbankenReader
        if byName {
            reader = try HusbankenReader(path: path, mapping: names, displayName: "fuzz.csv", resolveName: lookup)
        } else {
            reader = try HusbankenReader(path: path, mapping: numbers, displayName: "fuzz.csv")
        }
        var sink = CountingSink()
        try reader.read(into: &sink)
    }
    return 0
}

/// The process entry point SwiftPM links as `main` (see `runFuzzer`).
@_cdecl("FuzzHusbanken_main")
public func entry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
