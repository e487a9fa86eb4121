import GRDB

/// An alert waiting to be delivered (transactional outbox).
///
/// Rows are written in the same transaction as the finding change that caused them, so an alert is never lost
/// (the finding committed, the alert not) nor invented (the alert committed, the finding rolled back). The
/// dispatcher delivers at least once; `eventId` is unique so the same event is never enqueued twice and
/// receivers can deduplicate on it.
public struct OutboxRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outbox"

    public static let statePending = "pending"
    public static let stateDelivered = "delivered"
    /// Gave up after too many attempts; kept for the operator to inspect.
    public static let stateDead = "dead"
    public static let states: [String] = [statePending, stateDelivered, stateDead]

    public enum Columns {
        public static let id = Column("id")
        public static let eventId = Column("eventId")
        public static let findingId = Column("findingId")
        public static let route = Column("route")
        public static let payloadJSON = Column("payloadJSON")
        public static let state = Column("state")
        public static let attempts = Column("attempts")
        public static let nextAttemptAt = Column("nextAttemptAt")
        public static let lastError = Column("lastError")
        public static let createdAt = Column("createdAt")
        public static let deliveredAt = Column("deliveredAt")
    }

    public var id: Int64?
    /// Stable identity of the event (for example the finding fingerprint plus "opened" and the run).
    public var eventId: String
    /// The finding the alert is about, if any; set to NULL if that finding is deleted with its domain.
    public var findingId: Int64?
    /// The alert route's name, as configured.
    public var route: String
    /// JSON object: what the notifier sends.
    public var payloadJSON: String
    /// `pending`, `delivered` or `dead`.
    public var state: String
    public var attempts: Int
    /// Not handed out before this time (back-off after a failed attempt).
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var createdAt: Int64
    public var deliveredAt: Int64?

    public init(id: Int64? = nil, eventId: String, findingId: Int64? = nil, route: String, payloadJSON: String,
                state: String = OutboxRow.statePending, attempts: Int = 0, nextAttemptAt: Int64 = 0,
                lastError: String? = nil, createdAt: Int64 = 0, deliveredAt: Int64? = nil) {
        self.id = id; self.eventId = eventId; self.findingId = findingId; self.route = route
        self.payloadJSON = payloadJSON; self.state = state; self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt; self.lastError = lastError
        self.createdAt = createdAt; self.deliveredAt = deliveredAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension DerivableRequest<OutboxRow> {
    /// Pending rows whose back-off has passed, oldest first.
    public func deliverable(at now: Int64) -> Self {
        filter(OutboxRow.Columns.state == OutboxRow.statePending && OutboxRow.Columns.nextAttemptAt <= now)
            .order(OutboxRow.Columns.id)
    }
}
