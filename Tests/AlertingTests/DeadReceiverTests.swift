import Audit
import Foundation
import Inventory
import Testing
import TestSupport
@testable import Alerting

/// Bounded waits: a receiver that accepts the connection and never answers (SilentServer) costs one timeout
/// per dispatch run and route, whatever the number of queued alerts, and never delays other routes.
@Suite(.enabled(if: Sinks.httpAvailable, Sinks.skipNote), .serialized)
struct DeadReceiverTests {
    let env = "SW_TEST_HOOK_SECRET"
    var environment: [String: String] { [env: "hook-secret"] }
    let t0 = Fixtures.t0

    func route(_ name: String, port: Int, timeout: Double) -> AlertRoute {
        AlertRoute(name: name, target: .webhook(WebhookTarget(url: "http://127.0.0.1:\(port)/hook", secret: .env(env),
                                                              timeout: timeout, connectTimeout: 1)))
    }

    func dispatcher(_ store: InventoryStore, _ routes: [AlertRoute]) -> OutboxDispatcher {
        OutboxDispatcher(store: store, routes: routes, retry: RetryPolicy(base: 60, maximum: 86400),
                         random: { 0.5 }, clock: { Fixtures.t0 }, environment: environment)
    }

    /// One dispatch run and its wall time, on threads no other test holds (ThreadTaskExecutor).
    func timed(_ dispatcher: OutboxDispatcher, now: Int64) async -> (DispatchReport, Duration) {
        await withTaskExecutorPreference(ThreadTaskExecutor.shared) {
            let started = ContinuousClock.now
            let report = await dispatcher.dispatch(now: now)
            return (report, ContinuousClock.now - started)
        }
    }

    func findings(_ count: Int, domain: String = "example.com") -> [Finding] {
        (0..<count).map { Fixtures.finding(subject: "192.0.2.\($0 + 1)") }
    }

    /// Issue 13: 7 queued alerts to a hung receiver took 7 timeouts, one after another.
    @Test func sevenAlertsCostOneTimeout() async throws {
        let silent = try SilentServer()
        defer { silent.stop() }
        let store = try Fixtures.store()
        let hung = route("hung", port: silent.port, timeout: 1)
        try Fixtures.enqueueOpened(findings(7), routes: [hung], store: store)
        let (report, elapsed) = await timed(dispatcher(store, [hung]), now: t0)
        #expect(elapsed < .seconds(3), "one dispatch run took \(elapsed)")
        #expect(report.failed == 1 && report.held == 6 && report.delivered == 0 && !report.isClean)
        #expect(report.summary == "0 delivered, 1 to retry, 0 given up, 6 held until the receiver answers (not tried, attempts unchanged)")
        #expect(report.errors["hung"]?.first?.contains("Timeout was reached") == true, "\(report.errors)")
        #expect(silent.acceptedCount == 1)
        let rows = try store.outbox()
        #expect(rows.map(\.state) == Array(repeating: OutboxRow.statePending, count: 7))
        #expect(rows.map(\.attempts) == [1, 0, 0, 0, 0, 0, 0], "held alerts keep their attempt counts")
        // Held until the failed alert's next attempt, so the next runs before it do not knock again.
        let next = rows[0].nextAttemptAt
        #expect(rows.dropFirst().allSatisfy { $0.nextAttemptAt == next })
        #expect(await dispatcher(store, [hung]).dispatch(now: next - 1).failed == 0)
        #expect(silent.acceptedCount == 1)
    }

    /// Routes are delivered at the same time: two hung receivers cost one timeout together, and a working
    /// route's alerts arrive beside them.
    @Test func routesAreDeliveredInParallel() async throws {
        let dir = try Sinks.temporaryDirectory()
        let first = try SilentServer(), second = try SilentServer()
        defer { first.stop(); second.stop() }
        let sink = try SinkProcess(script: "http_sink.py", arguments: ["--secret", "hook-secret"], workDirectory: dir)
        defer { sink.stop() }
        let store = try Fixtures.store()
        let routes = [route("a", port: first.port, timeout: 2), route("b", port: second.port, timeout: 2),
                      route("ok", port: sink.port, timeout: 5)]
        try Fixtures.enqueueOpened(findings(3), routes: routes, store: store)
        let (report, elapsed) = await timed(dispatcher(store, routes), now: t0)
        #expect(elapsed < .milliseconds(3500), "two 2 s timeouts in parallel took \(elapsed)")
        #expect(report.delivered == 3 && report.failed == 2 && report.held == 4)
        #expect(Set(report.errors.keys) == ["a", "b"])
        #expect(sink.records().count == 3)
    }

    /// An SMTP server that accepts and never greets is bounded by the route's timeout too.
    @Test func hungSMTPServerIsBounded() async throws {
        let silent = try SilentServer()
        defer { silent.stop() }
        let store = try Fixtures.store()
        let mail = AlertRoute(name: "mail", target: .email(EmailTarget(
            from: "sw@example.com", to: ["ops@example.com"],
            smtp: EmailTarget.SMTP(url: "smtp://127.0.0.1:\(silent.port)", starttls: false, timeout: 1, connectTimeout: 1))))
        try Fixtures.enqueueOpened(findings(3), routes: [mail], store: store)
        let (report, elapsed) = await timed(dispatcher(store, [mail]), now: t0)
        #expect(elapsed < .seconds(3))
        #expect(report.failed == 3 && report.errors["mail"]?.first?.hasPrefix("SMTP smtp://127.0.0.1:") == true, "\(report.errors)")
    }

    /// AUTH without TLS is refused at send time as well, for routes built without the loader.
    @Test func cleartextAuthIsRefusedAtSendTime() async throws {
        let silent = try SilentServer()
        defer { silent.stop() }
        let store = try Fixtures.store()
        let mail = AlertRoute(name: "mail", target: .email(EmailTarget(
            from: "sw@example.com", to: ["ops@example.com"],
            smtp: EmailTarget.SMTP(url: "smtp://127.0.0.1:\(silent.port)", starttls: false, username: "sw",
                                   password: .env("SW_TEST_PASSWORD"), timeout: 1))))
        try Fixtures.enqueueOpened(findings(1), routes: [mail], store: store)
        let report = await OutboxDispatcher(store: store, routes: [mail], random: { 0.5 }, environment: ["SW_TEST_PASSWORD": "pw"])
            .dispatch(now: t0)
        #expect(report.failed == 1)
        #expect(report.errors["mail"]?.first?.contains("SMTP AUTH without TLS") == true, "\(report.errors)")
        #expect(silent.acceptedCount == 0, "nothing was sent")
    }

    /// `alerts retry` keeps the attempt count (issue 13: it was reset to 0): a dead alert gets one more
    /// attempt, and is dead again at once if that fails.
    @Test func retryKeepsAttemptCounts() async throws {
        let store = try Fixtures.store()
        let down = Fixtures.webhook(port: freePort(), secretEnv: env, maxAttempts: 2)
        try Fixtures.enqueueOpened(findings(1), routes: [down], store: store)
        var now = t0
        for _ in 1...2 {
            _ = await dispatcher(store, [down]).dispatch(now: now)
            now += 86400
        }
        #expect(try store.outbox().map { "\($0.state) \($0.attempts)" } == ["dead 2"])
        #expect(try store.reviveOutbox(ids: [], allDead: true, now: now) == 1)
        #expect(try store.outbox().map { "\($0.state) \($0.attempts)" } == ["pending 2"])
        let report = await dispatcher(store, [down]).dispatch(now: now)
        #expect(report.dead == 1 && report.failed == 0)
        #expect(try store.outbox().map { "\($0.state) \($0.attempts)" } == ["dead 3"])
    }

    /// A webhook URL by reference is read at send time; its token shows nowhere.
    @Test func urlByReferenceIsDeliveredAndNeverShown() async throws {
        let dir = try Sinks.temporaryDirectory()
        let sink = try SinkProcess(script: "http_sink.py", arguments: ["--secret", "hook-secret", "--fail-first", "1"],
                                   workDirectory: dir)
        defer { sink.stop() }
        let token = "tok-\(UUID().uuidString)"
        let hook = AlertRoute(name: "chat", target: .webhook(WebhookTarget(url: .secret(.env("SW_CHAT_URL")), secret: .env(env))))
        let store = try Fixtures.store()
        try Fixtures.enqueueOpened(findings(1), routes: [hook], store: store)
        let environment = [env: "hook-secret", "SW_CHAT_URL": "http://127.0.0.1:\(sink.port)/services/\(token)?token=\(token)"]
        let send = { (now: Int64) in
            await OutboxDispatcher(store: store, routes: [hook], random: { 0.5 }, environment: environment).dispatch(now: now)
        }
        let failed = await send(t0)
        #expect(failed.failed == 1)
        #expect(failed.errors["chat"] == ["POST (url from environment variable SW_CHAT_URL): HTTP 500: receiver failing on purpose"])
        let next = try #require(try store.outbox().first?.nextAttemptAt)
        #expect(await send(next).delivered == 1)
        #expect(sink.records().last?["path"] as? String == "/services/\(token)?token=\(token)")
        let stored = try store.outbox().map { "\($0)" }.joined() + "\(failed)"
        #expect(!stored.contains(token))
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path!)).range(of: Data(token.utf8)) == nil)
    }
}
