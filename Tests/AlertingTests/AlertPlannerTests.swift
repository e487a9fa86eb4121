import Audit
import Foundation
import Inventory
import Testing
@testable import Alerting

/// Planner semantics from the alerting issue: which events each route gets, and ids that make re-planning
/// (the same change, or a reminder on every poll of one period) enqueue once.
@Suite struct AlertPlannerTests {
    let t0 = Fixtures.t0
    func route(_ name: String = "r", severities: Set<Severity> = AlertRoute.defaultSeverities, domains: [String] = [],
               events: Set<AlertEvent> = Set(AlertEvent.subscribable), reminder: Int? = nil) -> AlertRoute {
        AlertRoute(name: name, target: .webhook(WebhookTarget(url: "https://hooks.invalid/x", secret: .env("X"))),
                   severities: severities, domains: domains, events: events, reminderAfter: reminder)
    }

    @Test func severityFilterDefaultsToWarningAndUp() {
        let planner = AlertPlanner(routes: [route()])
        let rows = planner.events(domain: "example.com", opened: [Fixtures.finding(.spfPTR, .info), Fixtures.finding(.spfNoAll, .warning)],
                                  resolved: [], stillOpen: [], now: t0)
        #expect(rows.count == 1)
        #expect(rows.first.flatMap { try? AlertPayload.decode($0.payloadJSON) }?.finding.kind == "spf.no-all")
    }

    /// Cases: exact name, subdomain wildcard (not the apex), any, case and trailing dot.
    @Test(arguments: [
        ("example.com", "example.com", true), ("*.example.com", "mail.example.com", true),
        ("*.example.com", "example.com", false), ("*", "anything.org", true),
        ("EXAMPLE.com.", "example.COM", true), ("example.?om", "example.net", false),
    ])
    func domainGlobs(pattern: String, domain: String, expected: Bool) {
        #expect(DomainGlob.matches(pattern: pattern, domain: domain) == expected)
    }

    @Test func domainAndEventFilters() {
        let planner = AlertPlanner(routes: [route("only-shop", domains: ["shop.*"]), route("only-resolved", events: [.resolved])])
        let opened = [Fixtures.finding(domain: "shop.example"), Fixtures.finding(domain: "example.com")]
        let stored = Fixtures.row(Fixtures.finding(.dmarcMissing, .critical), id: 9, firstSeen: t0 - 100)
        let rows = planner.events(domain: "example.com", opened: opened, resolved: [stored], stillOpen: [], now: t0)
        let seen = rows.map { row -> String in
            let p = try! AlertPayload.decode(row.payloadJSON)
            return "\(row.route) \(p.event.rawValue) \(p.finding.domain)"
        }
        #expect(seen == ["only-shop opened shop.example", "only-resolved resolved example.com"])
        #expect(rows.last?.findingId == 9)
    }

    @Test func resolvedEventCarriesTheStoredFinding() throws {
        let stored = Fixtures.row(Fixtures.finding(.spfLookupLimit, .error), id: 3, firstSeen: t0 - 7200)
        let row = try #require(AlertPlanner(routes: [route()]).events(domain: "example.com", opened: [], resolved: [stored], stillOpen: [], now: t0).first)
        let payload = try AlertPayload.decode(row.payloadJSON)
        #expect(payload.event == .resolved)
        #expect(payload.finding.firstSeen == "2025-06-15T13:06:40Z")
        #expect(payload.finding.resolvedAt == "2025-06-15T15:06:40Z")
        #expect(payload.finding.evidence == ["record": "v=spf1 -all"])
        #expect(payload.schemaVersion == 1 && payload.eventId == row.eventId)
    }

    @Test func eventIdsAreStableAndDistinct() {
        let planner = AlertPlanner(routes: [route("a"), route("b")])
        let f = Fixtures.finding()
        let first = planner.events(domain: "example.com", opened: [f], resolved: [], stillOpen: [], now: t0)
        let again = planner.events(domain: "example.com", opened: [f], resolved: [], stillOpen: [], now: t0)
        #expect(first.map(\.eventId) == again.map(\.eventId))
        #expect(Set(first.map(\.eventId)).count == 2)
        #expect(first[0].eventId == AlertPlanner.eventId(route: "a", fingerprint: f.fingerprint, event: .opened, firstSeenAt: t0))
        #expect(first[0].eventId.count == 64 && first[0].eventId.allSatisfy(\.isHexDigit))
    }

    @Test func remindersOncePerPeriod() {
        let planner = AlertPlanner(routes: [route(reminder: 86400)])
        let open = Fixtures.row(Fixtures.finding(), id: 1, firstSeen: t0)
        func ids(at now: Int64) -> [String] {
            planner.events(domain: "example.com", opened: [], resolved: [], stillOpen: [open], now: now).map(\.eventId)
        }
        #expect(ids(at: t0 + 3600).isEmpty)                       // not yet due
        let day1 = ids(at: t0 + 86400)
        #expect(day1.count == 1)
        #expect(ids(at: t0 + 86400 + 900) == day1)                // every poll within the period: same id
        #expect(ids(at: t0 + 2 * 86400 - 1) == day1)
        let day2 = ids(at: t0 + 2 * 86400)
        #expect(day2.count == 1 && day2 != day1)
        #expect(AlertPlanner(routes: [route()]).events(domain: "example.com", opened: [], resolved: [], stillOpen: [open], now: t0 + 9 * 86400).isEmpty)
    }

    @Test func hookShapeSplitsOpenRowsIntoResolvedAndStillOpen() {
        let planner = AlertPlanner(routes: [route(reminder: 3600)])
        let gone = Fixtures.finding(.spfNoAll, .warning), stays = Fixtures.finding(.dmarcMissing, .error)
        let rows = planner.events(domain: "example.com", opened: [], resolved: [gone],
                                  openRows: [Fixtures.row(gone, id: 1, firstSeen: t0 - 7200), Fixtures.row(stays, id: 2, firstSeen: t0 - 7200)], now: t0)
        let events = rows.compactMap { try? AlertPayload.decode($0.payloadJSON) }.map { "\($0.event.rawValue) \($0.finding.kind)" }
        #expect(events == ["resolved spf.no-all", "reminder dmarc.missing"])
    }

    @Test func payloadHoldsNoSecretAndIsCanonical() throws {
        let secret = "s3cr3t-never-stored"
        let r = AlertRoute(name: "r", target: .webhook(WebhookTarget(url: "https://u:\(secret)@hooks.invalid/x", secret: .env("SECRET_ENV"))))
        let rows = AlertPlanner(routes: [r]).events(domain: "example.com", opened: [Fixtures.finding()], resolved: [], stillOpen: [], now: t0)
        let json = try #require(rows.first?.payloadJSON)
        #expect(!json.contains(secret) && !json.contains("SECRET_ENV") && !json.contains("hooks.invalid"))
        #expect(try AlertPayload.decode(json).json == json)
        #expect(r.destination == "webhook https://***@hooks.invalid/x")
    }

    @Test func digestSubjectIsFilterable() {
        let p1 = try! AlertPayload.decode(AlertPlanner(routes: [route()]).events(
            domain: "example.com", opened: [Fixtures.finding(), Fixtures.finding(.spfNoAll, .warning)],
            resolved: [Fixtures.row(Fixtures.finding(.dmarcMissing), id: 1, firstSeen: t0 - 10)], stillOpen: [], now: t0)[0].payloadJSON)
        let rows = AlertPlanner(routes: [route()]).events(
            domain: "example.com", opened: [Fixtures.finding(), Fixtures.finding(.spfNoAll, .warning)],
            resolved: [Fixtures.row(Fixtures.finding(.dmarcMissing), id: 1, firstSeen: t0 - 10)], stillOpen: [], now: t0)
        let digest = EmailDigest(payloads: rows.map { try! AlertPayload.decode($0.payloadJSON) }, from: "sw@example.com",
                                 to: ["pm@example.com"], now: t0)
        #expect(p1.event == .opened)
        #expect(digest.subject == "[senderwatch] 2 opened, 1 resolved: example.com spf.sender-unauthorized, example.com spf.no-all and 1 more")
        #expect(digest.message.contains("\r\nSubject: \(digest.subject)\r\n"))
        #expect(digest.message.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        #expect(digest.message.hasPrefix("Date: Sun, 15 Jun 2025 15:06:40 +0000\r\n"))
    }

    @Test func retryDelaysGrowAndCap() {
        let policy = RetryPolicy(base: 60, maximum: 3600)
        let delays = (1...10).map { policy.delay(afterAttempt: $0, random: 0.5) }
        #expect(delays.prefix(4) == [45, 90, 180, 360])
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(delays.last == 2700)
        #expect(policy.delay(afterAttempt: 3, random: 0) >= policy.delay(afterAttempt: 2, random: 0.999))
    }

    /// Userinfo, query and fragment are where URLs carry credentials (`?token=` of chat webhooks): all three go.
    @Test(arguments: [
        ("https://user:pass@host/x?y=1", "https://***@host/x?***"),
        ("smtp://user@host:587", "smtp://***@host:587"),
        ("https://host/a@b", "https://host/a@b"),
        ("https://hooks.example.net/services/hook?token=abc123&x=1", "https://hooks.example.net/services/hook?***"),
        ("https://h/p#access_token=abc", "https://h/p#***"),
        ("https://h/p?t=1#frag", "https://h/p?***#***"),
        ("https://h/p?", "https://h/p?"),
        ("https://h:8443", "https://h:8443"),
        ("not a url", "not a url"),
    ])
    func redaction(url: String, shown: String) {
        #expect(RedactedURL.string(url) == shown)
    }

    @Test func scrubbing() {
        #expect(RedactedURL.scrub("failed for token abc123 at https://u:p@h/", secrets: ["abc123"]) == "failed for token *** at https://***@h/")
        #expect(RedactedURL.scrub("POST https://h/x?token=abc: timed out", secrets: []) == "POST https://h/x?***: timed out")
        let url = "https://hooks.example.net/T0/B0/XXXXsecretpath?token=abc123"
        let parts = RedactedURL.sensitiveParts(of: url, wholeURL: true)
        #expect(RedactedURL.scrub("could not reach \(url) nor /T0/B0/XXXXsecretpath", secrets: parts) == "could not reach *** nor ***")
    }

    @Test func referencedURLIsShownByItsReference() {
        let hook = WebhookTarget(url: .secret(.env("SW_HOOK_URL")))
        let route = AlertRoute(name: "r", target: .webhook(hook))
        #expect(route.destination == "webhook (url from environment variable SW_HOOK_URL)")
        #expect(route.secrets.map(\.field) == ["url"])
    }
}
