/// One thing the tool tells a person about their input or their numbers: a reader's refusal,
/// a rejected row, a plausibility warning, a mistake in a definition. Every kind carries the
/// same fields, so a warning can be stored with what it is about (`etl_warning`: code,
/// indicator, region, year) and printed the same way everywhere (docs/ARCHITECTURE.md).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning, note
    }

    /// A stable identifier of the kind of problem (`percent-above-100`, `negative-count`, …),
    /// for filtering in SQL; the message is for people.
    public var code: String
    public var severity: Severity
    /// The whole sentence as printed, with its place where it has one.
    public var message: String
    /// Where in an input file, when the diagnostic is about one place.
    public var location: SourceLocation?
    /// What to do about it, when there is one obvious step.
    public var hint: String?
    /// What the diagnostic is about, where it is about one indicator, measure, region or year.
    public var indicator: String?
    public var measure: String?
    public var region: String?
    public var year: Int?

    public init(
        _ severity: Severity, code: String, _ message: String, location: SourceLocation? = nil, hint: String? = nil,
        indicator: String? = nil, measure: String? = nil, region: String? = nil, year: Int? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
        self.indicator = indicator
        self.measure = measure
        self.region = region
        self.year = year
    }

    /// A warning that is only a sentence (a message from code that does not yet say more).
    public static func warning(_ message: String, code: String = "warning") -> Diagnostic {
        Diagnostic(.warning, code: code, message)
    }

    public var description: String { hint.map { "\(message); \($0)" } ?? message }
}

extension ReadError {
    /// The reader's refusal as a diagnostic.
    public var diagnostic: Diagnostic { Diagnostic(.error, code: "read", message, location: location) }
}

/// An error that says how a command ends when it is not caught: the exit status of the
/// README's table (1 failure, nothing published; 2 usage or definition error). Each module's
/// one error type conforms, every case with its status (docs/ARCHITECTURE.md, "Errors and exit
/// statuses"); the command line maps every error to its status in one place (`report` in
/// Sources/etl/Messages.swift).
public protocol ExitStatusError: Error {
    var exitStatus: Int32 { get }
}

extension ReadError: ExitStatusError {
    /// An input that cannot be read: nothing is published.
    public var exitStatus: Int32 { 1 }
}
