import Alerting
import Audit
import Foundation
import Inventory

/// Findings, routes and stores shared by the tests.
enum Fixtures {
    static let t0: Int64 = 1_750_000_000

    static func finding(_ kind: FindingKind = .spfSenderUnauthorized, _ severity: Severity = .error,
                        domain: String = "example.com", subject: String? = "192.0.2.7") -> Finding {
        Finding(kind: kind, severity: severity, domain: domain, subject: subject,
                message: "\(kind.rawValue) at \(domain)", evidence: ["record": "v=spf1 -all"], fix: "Fix \(kind.rawValue).")
    }

    static func row(_ f: Finding, id: Int64, firstSeen: Int64) -> FindingRow {
        FindingRow(id: id, domainId: 1, fingerprint: f.fingerprint, kind: f.kind.rawValue, severity: f.severity.rawValue,
                   subject: f.subject, message: f.message, evidenceJSON: "{\"record\":\"v=spf1 -all\"}", fix: f.fix,
                   firstSeenAt: firstSeen, lastSeenAt: firstSeen)
    }

    static func webhook(_ name: String = "hook", port: Int, secretEnv: String = "SW_TEST_HOOK_SECRET",
                        maxAttempts: Int = 10) -> AlertRoute {
        AlertRoute(name: name, target: .webhook(WebhookTarget(url: "http://127.0.0.1:\(port)/hook", secret: .env(secretEnv), timeout: 5)),
                   maxAttempts: maxAttempts)
    }

    /// A file store in a fresh directory (retry works on files only).
    static func store() throws -> InventoryStore {
        try InventoryStore(path: try Sinks.temporaryDirectory().appendingPathComponent("inventory.sqlite").path)
    }

    /// Enqueues opened events for `findings` through `route`, as a poll's transaction would.
    @discardableResult
    static func enqueueOpened(_ findings: [Finding], routes: [AlertRoute], store: InventoryStore, now: Int64 = t0) throws -> [OutboxRow] {
        let rows = AlertPlanner(routes: routes).events(domain: "example.com", opened: findings, resolved: [], stillOpen: [], now: now)
        for row in rows { try store.enqueue(row) }
        return rows
    }
}
