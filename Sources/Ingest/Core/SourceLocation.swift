/// Where a value came from, precise enough for a person to open the file and find it:
/// a line and column for text formats, a JSON path or an XML element for structured ones.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// JSON path (`value[17]`) or XML element path (`DataSet/Series[3]/Obs[2]`).
    public var path: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, path: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        if let path { s += (line == nil ? ":" : " ") + path }
        return s
    }
}
