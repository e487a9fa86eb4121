/// A problem with files or settings that the user must fix; shown as is.
public struct InputFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
