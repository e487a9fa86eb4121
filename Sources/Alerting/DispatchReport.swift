/// What one dispatch run did: counts of rows, and per route the errors met (never a secret).
public struct DispatchReport: Sendable, Hashable, Codable {
    /// Outbox rows delivered (every row of a delivered digest counts).
    public var delivered = 0
    /// Rows whose attempt failed and that will be tried again.
    public var failed = 0
    /// Rows that failed their last allowed attempt and are now dead.
    public var dead = 0
    /// Rows not tried because their route's receiver did not answer earlier in the run (circuit breaker):
    /// still pending, attempt counts unchanged.
    public var held = 0
    /// Route name -> messages, in the order met.
    public var errors: [String: [String]] = [:]

    public init() {}

    /// One line for people: what was delivered, what waits for another try, what was given up, and what the
    /// circuit breaker held back without trying.
    public var summary: String {
        "\(delivered) delivered, \(failed) to retry, \(dead) given up"
            + (held > 0 ? ", \(held) held until the receiver answers (not tried, attempts unchanged)" : "")
    }

    public var isClean: Bool { failed == 0 && dead == 0 && held == 0 && errors.isEmpty }

    mutating func merge(_ other: DispatchReport) {
        delivered += other.delivered
        failed += other.failed
        dead += other.dead
        held += other.held
        for (route, messages) in other.errors.sorted(by: { $0.key < $1.key }) {
            for message in messages { error(route, message) }
        }
    }

    mutating func error(_ route: String, _ message: String) {
        if errors[route]?.contains(message) != true { errors[route, default: []].append(message) }
    }
}
