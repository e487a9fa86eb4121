import Inventory
import Testing

@Suite("Alert outbox")
struct OutboxTests {
    @Test("an event is enqueued once, handed out until delivered, then never again", arguments: StoreKind.allCases)
    func deliverOnce(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            #expect(try store.enqueue(OutboxRow(eventId: "e1", route: "ops", payloadJSON: #"{"n":1}"#,
                                                createdAt: t0)))
            #expect(try !store.enqueue(OutboxRow(eventId: "e1", route: "other", payloadJSON: "{}", createdAt: t0)))
            #expect(try store.enqueue(OutboxRow(eventId: "e2", route: "ops", payloadJSON: "{}", nextAttemptAt: t0 + 60,
                                                createdAt: t0)))

            let pending = try store.pendingOutbox(now: t0)
            #expect(pending.map(\.eventId) == ["e1"])
            let first = try #require(pending.first)
            #expect(first.route == "ops" && first.state == "pending" && first.attempts == 0)

            #expect(try store.markDelivered(id: first.id!, now: t0 + 5))
            #expect(try !store.markDelivered(id: first.id!, now: t0 + 6))
            #expect(try !store.markAttempt(id: first.id!, error: "late", nextAttemptAt: t0, dead: false))
            #expect(try store.pendingOutbox(now: t0 + 3600).map(\.eventId) == ["e2"])
            #expect(try !store.enqueue(OutboxRow(eventId: "e1", route: "ops", payloadJSON: "{}", createdAt: t0)))

            let delivered = try #require(try store.outbox(state: "delivered").first)
            #expect(delivered.deliveredAt == t0 + 5 && delivered.attempts == 1)
        }
    }

    @Test("failed attempts back off, then the row goes dead", arguments: StoreKind.allCases)
    func retryThenDead(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            try store.enqueue(OutboxRow(eventId: "e1", route: "ops", payloadJSON: "{}", createdAt: t0))
            let id = try #require(try store.pendingOutbox(now: t0).first?.id)

            #expect(try store.markAttempt(id: id, error: "HTTP 503", nextAttemptAt: t0 + 60, dead: false))
            #expect(try store.pendingOutbox(now: t0 + 59).isEmpty)
            let retry = try #require(try store.pendingOutbox(now: t0 + 60).first)
            #expect(retry.attempts == 1 && retry.lastError == "HTTP 503")

            #expect(try store.markAttempt(id: id, error: "connection refused", nextAttemptAt: t0 + 120, dead: true))
            #expect(try store.pendingOutbox(now: t0 + 10_000).isEmpty)
            let dead = try #require(try store.outbox(state: "dead").first)
            #expect(dead.attempts == 2 && dead.lastError == "connection refused")
            #expect(try !store.markDelivered(id: id, now: t0 + 200))
        }
    }

    @Test("a poll enqueues its alerts in its transaction, skipping known event ids", arguments: StoreKind.allCases)
    func enqueuedWithPoll(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            let alerts = [OutboxRow(eventId: "fp-1:opened:1", route: "ops", payloadJSON: "{}"),
                          OutboxRow(eventId: "fp-1:opened:1", route: "ops", payloadJSON: "{}")]
            let outcome = try store.recordPoll(poll(id, at: t0, opened: [sampleFinding("fp-1")], outbox: alerts))
            #expect(outcome.enqueued == 1)
            let row = try #require(try store.pendingOutbox(now: t0).first)
            #expect(row.createdAt == t0 && row.state == "pending")
            #expect(try store.recordPoll(poll(id, at: t0 + 1, outbox: alerts)).enqueued == 0)
            #expect(try store.outbox().count == 1)
        }
    }

    @Test("pending rows come out oldest first, up to the limit", arguments: StoreKind.allCases)
    func ordering(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            for n in 1...5 {
                try store.enqueue(OutboxRow(eventId: "e\(n)", route: "ops", payloadJSON: "{}", createdAt: t0))
            }
            #expect(try store.pendingOutbox(now: t0, limit: 3).map(\.eventId) == ["e1", "e2", "e3"])
        }
    }
}
