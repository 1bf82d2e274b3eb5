/// An error a reader raises for input it cannot read. It always names the place and says
/// what was expected and what was found, so the message can go straight to the user.
public struct ReadError: Error, Sendable, CustomStringConvertible, Equatable {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): error: \(message)" }
}
