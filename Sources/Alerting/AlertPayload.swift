import Audit
import Foundation

/// The event every receiver gets: the webhook body as stored in the outbox (`OutboxRow.payloadJSON`), and the
/// source of each e-mail digest entry. A documented, versioned contract (`schemaVersion`); it never holds a
/// secret, so the outbox table and `alerts list --json` may show it as is.
///
/// ```json
/// {"event":"opened","eventId":"<64 hex>","finding":{"domain":"example.com","evidence":{...},
///  "firstSeen":"2025-01-01T00:00:00Z","fix":"...","fingerprint":"spf.no-all|example.com|","kind":"spf.no-all",
///  "lastSeen":"...","message":"...","severity":"warning","subject":null},"occurredAt":"...","route":"ops",
///  "schemaVersion":1}
/// ```
public struct AlertPayload: Sendable, Hashable, Codable {
    public static let currentSchemaVersion = 1

    public struct FindingInfo: Sendable, Hashable, Codable {
        public var domain: String
        public var kind: String
        public var severity: String
        public var subject: String?
        public var message: String
        public var evidence: [String: String]
        public var fix: String?
        public var fingerprint: String
        public var firstSeen: String
        public var lastSeen: String
        /// Set on `resolved` events.
        public var resolvedAt: String?

        public init(domain: String, kind: String, severity: String, subject: String?, message: String,
                    evidence: [String: String], fix: String?, fingerprint: String, firstSeen: String,
                    lastSeen: String, resolvedAt: String? = nil) {
            self.domain = domain; self.kind = kind; self.severity = severity; self.subject = subject
            self.message = message; self.evidence = evidence; self.fix = fix; self.fingerprint = fingerprint
            self.firstSeen = firstSeen; self.lastSeen = lastSeen; self.resolvedAt = resolvedAt
        }

        enum CodingKeys: String, CodingKey {
            case domain, kind, severity, subject, message, evidence, fix, fingerprint, firstSeen, lastSeen, resolvedAt
        }

        /// Absent optionals are written as `null` so every key is always present for receivers.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(domain, forKey: .domain); try c.encode(kind, forKey: .kind)
            try c.encode(severity, forKey: .severity); try c.encode(subject, forKey: .subject)
            try c.encode(message, forKey: .message); try c.encode(evidence, forKey: .evidence)
            try c.encode(fix, forKey: .fix); try c.encode(fingerprint, forKey: .fingerprint)
            try c.encode(firstSeen, forKey: .firstSeen); try c.encode(lastSeen, forKey: .lastSeen)
            try c.encode(resolvedAt, forKey: .resolvedAt)
        }
    }

    public var schemaVersion: Int
    public var event: AlertEvent
    public var eventId: String
    public var route: String
    public var occurredAt: String
    public var finding: FindingInfo
    /// For `reminder` events: which reminder period since `firstSeen` (1 for the first reminder).
    public var reminderPeriod: Int?

    public init(event: AlertEvent, eventId: String, route: String, occurredAt: String, finding: FindingInfo,
                reminderPeriod: Int? = nil) {
        schemaVersion = Self.currentSchemaVersion
        self.event = event; self.eventId = eventId; self.route = route; self.occurredAt = occurredAt
        self.finding = finding; self.reminderPeriod = reminderPeriod
    }

    /// Canonical JSON: sorted keys, no escaped slashes, one line. The bytes a webhook signature covers.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ json: String) throws -> AlertPayload {
        try JSONDecoder().decode(AlertPayload.self, from: Data(json.utf8))
    }

    /// One line a human reads first: `OPENED [warning] example.com spf.no-all: message`.
    public var headline: String {
        let what = finding.subject.map { "\(finding.kind) (\($0))" } ?? finding.kind
        return "\(event.rawValue.uppercased()) [\(finding.severity)] \(finding.domain) \(what): \(finding.message)"
    }
}
