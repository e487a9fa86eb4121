import Audit
import Inventory

/// One outbox row as `alerts list` shows it: what, where, and how delivery went. Built from the row and its
/// payload, which hold no secret (secrets are references, resolved only while sending).
public struct OutboxListing: Sendable, Hashable, Codable {
    public var id: Int64?
    public var eventId: String
    public var route: String
    public var state: String
    public var attempts: Int
    public var event: String?
    public var domain: String?
    public var kind: String?
    public var severity: String?
    public var subject: String?
    public var findingId: Int64?
    public var createdAt: String
    public var nextAttemptAt: String?
    public var deliveredAt: String?
    public var lastError: String?

    public init(_ row: OutboxRow) {
        let payload = try? AlertPayload.decode(row.payloadJSON)
        id = row.id; eventId = row.eventId; route = row.route; state = row.state; attempts = row.attempts
        event = payload?.event.rawValue; domain = payload?.finding.domain; kind = payload?.finding.kind
        severity = payload?.finding.severity; subject = payload?.finding.subject; findingId = row.findingId
        createdAt = Timestamp.iso(row.createdAt)
        nextAttemptAt = row.state == OutboxRow.statePending ? Timestamp.iso(row.nextAttemptAt) : nil
        deliveredAt = row.deliveredAt.map(Timestamp.iso)
        // Stored errors are redacted when written; scrubbed again for rows written by an older senderwatch.
        lastError = row.lastError.map { RedactedURL.scrub($0, secrets: []) }
    }

    /// One line for the text listing.
    public var line: String {
        var text = "#\(id ?? 0)  \(state)  \(route)  \(event ?? "?")  \(domain ?? "?") \(kind ?? "?")"
        if let severity { text += " [\(severity)]" }
        text += "  attempts \(attempts)"
        if let nextAttemptAt, state == OutboxRow.statePending { text += "  next \(nextAttemptAt)" }
        if let deliveredAt { text += "  delivered \(deliveredAt)" }
        if let lastError { text += "\n    last error: \(lastError)" }
        return text
    }
}
