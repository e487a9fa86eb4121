import Audit
import Foundation
import Inventory
import Testing
import TestSupport
@testable import Alerting

/// Delivery to a real HTTP receiver on loopback (Sinks/http_sink.py), through the outbox.
@Suite(.enabled(if: Sinks.httpAvailable, Sinks.skipNote), .serialized)
struct WebhookDeliveryTests {
    let secret = "hook-secret-\(UUID().uuidString.prefix(8))"
    let env = "SW_TEST_HOOK_SECRET"
    var environment: [String: String] { [env: secret] }
    let t0 = Fixtures.t0

    func sink(failFirst: Int = 0, port: Int = 0, directory: URL) throws -> SinkProcess {
        try SinkProcess(script: "http_sink.py", arguments: ["--secret", secret, "--fail-first", String(failFirst)],
                        workDirectory: directory, port: port)
    }

    func dispatcher(_ store: InventoryStore, _ routes: [AlertRoute]) -> OutboxDispatcher {
        OutboxDispatcher(store: store, routes: routes, retry: RetryPolicy(base: 60, maximum: 86400),
                         random: { 0.5 }, clock: { Fixtures.t0 }, environment: environment)
    }

    @Test func deliversSignedEvents() async throws {
        let dir = try Sinks.temporaryDirectory()
        let receiver = try sink(directory: dir)
        defer { receiver.stop() }
        let store = try Fixtures.store()
        let route = Fixtures.webhook(port: receiver.port, secretEnv: env)
        let rows = try Fixtures.enqueueOpened([Fixtures.finding(), Fixtures.finding(.dmarcMissing, .critical)], routes: [route], store: store)
        let report = await dispatcher(store, [route]).dispatch(now: t0)
        #expect(report.delivered == 2 && report.isClean)
        let got = receiver.records()
        #expect(got.count == 2)
        #expect(got.allSatisfy { $0["signatureValid"] as? Bool == true })
        #expect(got.map { $0["body"] as? String } == rows.map(\.payloadJSON))
        let headers = got.compactMap { $0["headers"] as? [String: String] }
        #expect(headers.map { $0["x-senderwatch-event-id"] } == rows.map(\.eventId))
        #expect(headers.allSatisfy { $0["x-senderwatch-event"] == "opened" && $0["content-type"] == "application/json" })
        #expect(try store.outbox(state: OutboxRow.stateDelivered).count == 2)
        #expect(await dispatcher(store, [route]).dispatch(now: t0 + 10_000).delivered == 0)   // never twice
        #expect(receiver.records().count == 2)
    }

    @Test func slackFormat() async throws {
        let dir = try Sinks.temporaryDirectory()
        let receiver = try sink(directory: dir)
        defer { receiver.stop() }
        var route = Fixtures.webhook(port: receiver.port, secretEnv: env)
        if case .webhook(var hook) = route.target { hook.format = .slack; route.target = .webhook(hook) }
        let failure = await dispatcher(try Fixtures.store(), [route]).sendTest(route: route, now: t0)
        #expect(failure == nil)
        let body = try #require(receiver.records().first?["body"] as? String)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String])
        #expect(json.keys.sorted() == ["text"] && json["text"]?.contains("*TEST*") == true)
        #expect(receiver.records().first?["signatureValid"] as? Bool == true)
    }

    /// The receiver is down for three runs, then comes back: every event arrives exactly once. While it is
    /// down, each run tries the first alert only (the route's breaker holds the other, attempt count kept).
    @Test func receiverDownThenBack() async throws {
        let dir = try Sinks.temporaryDirectory()
        let port = freePort()
        let store = try Fixtures.store()
        let route = Fixtures.webhook(port: port, secretEnv: env)
        try Fixtures.enqueueOpened([Fixtures.finding(), Fixtures.finding(.spfNoAll, .warning)], routes: [route], store: store)
        var now = t0
        for _ in 1...3 {
            let report = await dispatcher(store, [route]).dispatch(now: now)
            #expect(report.delivered == 0 && report.failed == 1 && report.held == 1)
            #expect(report.errors["hook"]?.first?.contains("127.0.0.1") == true)
            now += 86400
        }
        #expect(try store.outbox().map(\.attempts) == [3, 0])
        let receiver = try sink(port: port, directory: dir)
        defer { receiver.stop() }
        #expect(await dispatcher(store, [route]).dispatch(now: now).delivered == 2)
        #expect(await dispatcher(store, [route]).dispatch(now: now + 86400).delivered == 0)
        let ids = receiver.records().compactMap { ($0["headers"] as? [String: String])?["x-senderwatch-event-id"] }
        #expect(ids.count == 2 && Set(ids).count == 2)
        #expect(try store.outbox(state: OutboxRow.stateDelivered).map(\.attempts) == [4, 1])
    }

    /// 500, 500, then 200: retried on a growing back-off, then delivered once.
    @Test func serverErrorIsRetriedWithGrowingBackoff() async throws {
        let dir = try Sinks.temporaryDirectory()
        let receiver = try sink(failFirst: 2, directory: dir)
        defer { receiver.stop() }
        let store = try Fixtures.store()
        let route = Fixtures.webhook(port: receiver.port, secretEnv: env)
        try Fixtures.enqueueOpened([Fixtures.finding()], routes: [route], store: store)
        var schedule: [Int64] = []
        var now = t0
        for _ in 1...2 {
            let report = await dispatcher(store, [route]).dispatch(now: now)
            #expect(report.failed == 1)
            #expect(report.errors["hook"] == ["POST http://127.0.0.1:\(receiver.port)/hook: HTTP 500: receiver failing on purpose"])
            let row = try #require(try store.outbox().first)
            schedule.append(row.nextAttemptAt - now)
            #expect(await dispatcher(store, [route]).dispatch(now: row.nextAttemptAt - 1).failed == 0)   // not before its time
            now = row.nextAttemptAt
        }
        #expect(schedule == [45, 90])
        #expect(await dispatcher(store, [route]).dispatch(now: now).delivered == 1)
        #expect(receiver.records().map { $0["status"] as? Int } == [500, 500, 200])
        #expect(try store.outbox().first?.state == OutboxRow.stateDelivered)
    }

    /// After max_attempts the row is dead (and visible); retry revives it and it is delivered.
    @Test func maxAttemptsThenDeadThenRetry() async throws {
        let dir = try Sinks.temporaryDirectory()
        let port = freePort()
        let store = try Fixtures.store()
        let route = Fixtures.webhook(port: port, secretEnv: env, maxAttempts: 3)
        try Fixtures.enqueueOpened([Fixtures.finding()], routes: [route], store: store)
        var now = t0, dead = 0
        for _ in 1...5 {
            dead += await dispatcher(store, [route]).dispatch(now: now).dead
            now += 86400
        }
        #expect(dead == 1)
        let row = try #require(try store.outbox(state: OutboxRow.stateDead).first)
        #expect(row.attempts == 3 && row.lastError?.contains("POST http://127.0.0.1") == true)
        let receiver = try sink(port: port, directory: dir)
        defer { receiver.stop() }
        #expect(try store.reviveOutbox(ids: [], allDead: true, now: now) == 1)
        #expect(await dispatcher(store, [route]).dispatch(now: now).delivered == 1)
        #expect(receiver.records().count == 1)
        #expect(try store.reviveOutbox(ids: [row.id!], allDead: false, now: now) == 0)   // delivered stays delivered
    }

    /// A poll committed its alerts and was killed before dispatching: a new dispatcher sends them, once.
    @Test func killedBeforeDispatchDeliversOnce() async throws {
        let dir = try Sinks.temporaryDirectory()
        let receiver = try sink(directory: dir)
        defer { receiver.stop() }
        let path = try Sinks.temporaryDirectory().appendingPathComponent("inventory.sqlite").path
        let route = Fixtures.webhook(port: receiver.port, secretEnv: env)
        do {
            let killed = try InventoryStore(path: path)
            try Fixtures.enqueueOpened([Fixtures.finding(), Fixtures.finding(.spfNoAll, .warning)], routes: [route], store: killed)
        }
        let reopened = try InventoryStore(path: path)
        #expect(await dispatcher(reopened, [route]).dispatch(now: t0).delivered == 2)
        #expect(await dispatcher(try InventoryStore(path: path), [route]).dispatch(now: t0 + 3600).delivered == 0)
        #expect(receiver.records().count == 2)
    }

    /// A secret missing at dispatch time is a failed attempt with a clear message; no secret leaks anywhere.
    @Test func missingSecretAndNoLeaks() async throws {
        let dir = try Sinks.temporaryDirectory()
        let receiver = try sink(failFirst: 1, directory: dir)
        defer { receiver.stop() }
        let store = try Fixtures.store()
        let route = Fixtures.webhook(port: receiver.port, secretEnv: env)
        try Fixtures.enqueueOpened([Fixtures.finding()], routes: [route], store: store)
        let missing = OutboxDispatcher(store: store, routes: [route], random: { 0.5 }, environment: [:])
        let report = await missing.dispatch(now: t0)
        #expect(report.failed == 1)
        #expect(report.errors["hook"] == ["secret: environment variable \(env) is not set"])
        var now = try #require(try store.outbox().first?.nextAttemptAt)
        #expect(await dispatcher(store, [route]).dispatch(now: now).failed == 1)    // the 500
        now = try #require(try store.outbox().first?.nextAttemptAt)
        #expect(await dispatcher(store, [route]).dispatch(now: now).delivered == 1)
        let everything = try store.outbox().map { "\($0)" }.joined() + (try store.outbox().map { row -> String in
            let data = try JSONEncoder().encode(OutboxListing(row))
            return String(decoding: data, as: UTF8.self)
        }.joined()) + "\(report)"
        #expect(!everything.contains(secret))
        let database = try Data(contentsOf: URL(fileURLWithPath: store.path!))
        #expect(database.range(of: Data(secret.utf8)) == nil)
    }
}
