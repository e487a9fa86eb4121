/// What one dispatch run did: counts of rows, and per route the errors met (never a secret).
public struct DispatchReport: Sendable, Hashable, Codable {
    /// Outbox rows delivered (every row of a delivered digest counts).
    public var delivered = 0
    /// Rows whose attempt failed and that will be tried again.
    public var failed = 0
    /// Rows that failed their last allowed attempt and are now dead.
    public var dead = 0
    /// Route name -> messages, in the order met.
    public var errors: [String: [String]] = [:]

    public init() {}

    public var isClean: Bool { failed == 0 && dead == 0 && errors.isEmpty }

    mutating func error(_ route: String, _ message: String) {
        if errors[route]?.contains(message) != true { errors[route, default: []].append(message) }
    }
}
