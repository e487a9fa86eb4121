/// Why the store refused or failed, with a stable code for callers and a message for people.
///
/// The message says what was wrong and where (the database path, the domain, the row), so the CLI can print it
/// as it is.
public struct InventoryError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The file could not be opened or created (missing directory, permission, not SQLite, corrupt).
        case cannotOpen
        /// The file holds migrations this build does not know: it was written by a newer senderwatch.
        case newerSchema
        /// A domain name the inventory does not hold.
        case unknownDomain
        /// A run id the inventory does not hold.
        case unknownRun
        /// A row the caller passed breaks an invariant (empty name, bad kind, non-positive interval).
        case invalidRow
    }

    public let code: Code
    public let message: String
    /// `file:line` of the store method that raised it, for bug reports.
    public let location: String

    public init(_ code: Code, _ message: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(fileID):\(line)"
    }

    public var description: String { message }
}
