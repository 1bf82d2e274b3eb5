import Ingest
import Testing

/// The `ReadError` that `body` throws. Records an issue and returns nil when it throws
/// something else or nothing, so a refusal test cannot pass by accident.
public func readError(_ body: () throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> ReadError? {
    do { try body() } catch let e as ReadError { return e } catch {
        Issue.record("expected a ReadError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
    Issue.record("expected a ReadError, got none", sourceLocation: sourceLocation)
    return nil
}
