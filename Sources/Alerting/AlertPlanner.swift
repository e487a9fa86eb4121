import Audit
import Crypto
import Foundation
import Inventory

/// Decides which alerts a domain's poll produces: pure, so the poller can call it before the domain's
/// transaction and enqueue its rows atomically with the finding changes (transactional outbox).
///
/// Event ids are deterministic (hex SHA-256 of route, fingerprint, event, the episode's firstSeenAt and, for
/// reminders, the period number), so planning the same change twice, or a reminder on every poll within
/// one period, enqueues it once: the outbox refuses a duplicate `eventId`.
public struct AlertPlanner: Sendable {
    public let routes: [AlertRoute]

    public init(routes: [AlertRoute]) { self.routes = routes }

    /// - Parameters:
    ///   - opened: findings opening now (their firstSeen is `now`).
    ///   - resolved: the stored rows of findings resolving now (their data is what was stored).
    ///   - stillOpen: the stored rows of findings that stay open, for reminders.
    public func events(domain: String, opened: [Finding], resolved: [FindingRow], stillOpen: [FindingRow],
                       now: Int64) -> [OutboxRow] {
        var rows: [OutboxRow] = []
        for route in routes {
            for finding in Finding.ordered(opened) {
                let info = Self.info(finding, firstSeen: now, lastSeen: now)
                rows += plan(route, .opened, info, severity: finding.severity, findingId: nil, firstSeenAt: now, now: now)
            }
            for row in resolved {
                let info = Self.info(row, domain: domain, resolvedAt: now)
                rows += plan(route, .resolved, info, severity: Self.severity(row), findingId: row.id,
                             firstSeenAt: row.firstSeenAt, now: now)
            }
            guard let every = route.reminderAfter, every > 0 else { continue }
            for row in stillOpen {
                let period = Int((now - row.firstSeenAt) / Int64(every))
                guard period >= 1 else { continue }
                let info = Self.info(row, domain: domain, resolvedAt: nil)
                rows += plan(route, .reminder, info, severity: Self.severity(row), findingId: row.id,
                             firstSeenAt: row.firstSeenAt, period: period, now: now)
            }
        }
        return rows
    }

    /// The shape of `Poller.onTransitions`: `openRows` are the domain's open finding rows as stored before
    /// this poll (`store.openFindings(domainId:)`); those among `resolved` resolve, the rest stay open.
    public func events(domain: String, opened: [Finding], resolved: [Finding], openRows: [FindingRow],
                       now: Int64) -> [OutboxRow] {
        let gone = Set(resolved.map(\.fingerprint))
        return events(domain: domain, opened: opened, resolved: openRows.filter { gone.contains($0.fingerprint) },
                      stillOpen: openRows.filter { !gone.contains($0.fingerprint) }, now: now)
    }

    /// A `test` event for `senderwatch alerts test`: unique per call time, not filtered by the route's rules.
    public static func testEvent(route: AlertRoute, now: Int64) -> OutboxRow {
        let finding = AlertPayload.FindingInfo(
            domain: "example.com", kind: "senderwatch.test", severity: Severity.info.rawValue, subject: nil,
            message: "Test alert from senderwatch through route \(route.name); no action needed.",
            evidence: [:], fix: nil, fingerprint: "senderwatch.test|example.com|",
            firstSeen: Timestamp.iso(now), lastSeen: Timestamp.iso(now))
        let id = eventId(route: route.name, fingerprint: finding.fingerprint, event: .test, firstSeenAt: now)
        let payload = AlertPayload(event: .test, eventId: id, route: route.name, occurredAt: Timestamp.iso(now), finding: finding)
        return OutboxRow(eventId: id, route: route.name, payloadJSON: payload.json, createdAt: now)
    }

    public static func eventId(route: String, fingerprint: String, event: AlertEvent, firstSeenAt: Int64,
                               period: Int? = nil) -> String {
        var parts = [route, fingerprint, event.rawValue, String(firstSeenAt)]
        if let period { parts.append(String(period)) }
        return SHA256.hash(data: Data(parts.joined(separator: "|").utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func plan(_ route: AlertRoute, _ event: AlertEvent, _ info: AlertPayload.FindingInfo, severity: Severity,
              findingId: Int64?, firstSeenAt: Int64, period: Int? = nil, now: Int64) -> [OutboxRow] {
        guard route.accepts(event, severity: severity, domain: info.domain) else { return [] }
        let id = Self.eventId(route: route.name, fingerprint: info.fingerprint, event: event,
                              firstSeenAt: firstSeenAt, period: period)
        let payload = AlertPayload(event: event, eventId: id, route: route.name, occurredAt: Timestamp.iso(now),
                                   finding: info, reminderPeriod: period)
        return [OutboxRow(eventId: id, findingId: findingId, route: route.name, payloadJSON: payload.json, createdAt: now)]
    }

    static func severity(_ row: FindingRow) -> Severity { Severity(rawValue: row.severity) ?? .warning }

    static func info(_ f: Finding, firstSeen: Int64, lastSeen: Int64) -> AlertPayload.FindingInfo {
        AlertPayload.FindingInfo(domain: f.domain, kind: f.kind.rawValue, severity: f.severity.rawValue, subject: f.subject,
                                 message: f.message, evidence: f.evidence, fix: f.fix, fingerprint: f.fingerprint,
                                 firstSeen: Timestamp.iso(firstSeen), lastSeen: Timestamp.iso(lastSeen))
    }

    static func info(_ row: FindingRow, domain: String, resolvedAt: Int64?) -> AlertPayload.FindingInfo {
        let evidence = (try? JSONDecoder().decode([String: String].self, from: Data(row.evidenceJSON.utf8))) ?? [:]
        return AlertPayload.FindingInfo(domain: domain, kind: row.kind, severity: row.severity, subject: row.subject,
                                        message: row.message, evidence: evidence, fix: row.fix, fingerprint: row.fingerprint,
                                        firstSeen: Timestamp.iso(row.firstSeenAt), lastSeen: Timestamp.iso(row.lastSeenAt),
                                        resolvedAt: resolvedAt.map(Timestamp.iso))
    }
}
