/// A malformed spec row, with the file and line that holds it.
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SpecLocation
    public var message: String

    public init(_ location: SpecLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// In the form compilers use, so that editors and build logs link to the row.
    public var description: String { "\(location): error: \(message)" }
}
