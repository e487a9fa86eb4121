/// A zone file that cannot be used. The description names the file, the line when known, what was wrong
/// and what was expected, e.g. `zones/example.com.zone:12: syntax error in rdata (expected ...)`.
public struct ZoneFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let path: String
    /// 1-based; nil when the problem is with the file as a whole.
    public let line: Int?
    public let message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path; self.line = line; self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
