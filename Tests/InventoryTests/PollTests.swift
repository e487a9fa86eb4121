import Inventory
import Testing

@Suite("History: observations and the poll transaction")
struct PollTests {
    @Test("ten unchanged polls keep one observation seen ten times", arguments: StoreKind.allCases)
    func dedupe(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            var outcomes: [PollOutcome] = []
            for i in 0..<10 { outcomes.append(try store.recordPoll(poll(id, at: t0 + Int64(i) * 300))) }
            #expect(outcomes.map(\.observationInserted) == [true] + Array(repeating: false, count: 9))
            #expect(Set(outcomes.map(\.observationId)).count == 1)

            let rows = try store.observations(domainId: id)
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.seenCount == 10)
            #expect(row.firstSeenAt == t0 && row.lastSeenAt == t0 + 2700)
            #expect(row.spfRecord == "v=spf1 ip4:192.0.2.10 -all")
            #expect(row.networksJSON == #"["192.0.2.10/32"]"#)

            let domain = try #require(try store.domain(id: id))
            #expect(domain.lastPollAt == t0 + 2700 && domain.nextPollAt == t0 + 2700 + 3600)
            #expect(domain.updatedAt == t0)
        }
    }

    @Test("a changed hash adds a row; a poll that knew less with the same values extends it, a complete one upgrades it",
          arguments: StoreKind.allCases)
    func changes(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            #expect(try store.recordPoll(poll(id, at: t0, hash: "h1")).observationInserted)
            #expect(try store.recordPoll(poll(id, at: t0 + 1, hash: "h2")).observationInserted)
            // The same values, partly carried forward: the same observation, still "ok".
            let partial = try store.recordPoll(poll(id, at: t0 + 2, hash: "h2", status: "partial"))
            #expect(!partial.observationInserted)
            #expect(try store.latestObservation(domainId: id)?.status == "ok")
            // Values that differ, with a part carried: a new row, marked partial ...
            #expect(try store.recordPoll(poll(id, at: t0 + 3, hash: "h3", status: "partial")).observationInserted)
            #expect(try store.latestObservation(domainId: id)?.status == "partial")
            // ... which a complete poll of the same values upgrades in place.
            #expect(try !store.recordPoll(poll(id, at: t0 + 4, hash: "h3")).observationInserted)

            #expect(try store.observations(domainId: id).map(\.contentHash) == ["h3", "h2", "h1"])
            #expect(try store.observations(domainId: id).map(\.status) == ["ok", "ok", "ok"])
            #expect(try store.observations(domainId: id).map(\.seenCount) == [2, 2, 1])
            let good = try #require(try store.latestGoodObservation(domainId: id))
            #expect(good.contentHash == "h3" && good.status == "ok")
        }
    }

    @Test("polling an unknown domain id is refused", arguments: StoreKind.allCases)
    func unknownDomain(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let error = try #require(throws: InventoryError.self) { try store.recordPoll(poll(42, at: t0)) }
            #expect(error.code == .unknownDomain)
        }
    }

    @Test("a poll is all or nothing: a failing hook leaves no trace", arguments: StoreKind.allCases)
    func atomic(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            _ = try store.recordPoll(poll(id, at: t0, hash: "h1", opened: [sampleFinding("f-old")]))
            let before = try #require(try store.domain(id: id))

            var failing = poll(id, at: t0 + 60, hash: "h2", opened: [sampleFinding("f-new")], touched: ["f-old"],
                               outbox: [OutboxRow(eventId: "e1", route: "ops", payloadJSON: "{}")])
            failing.consecutiveTempFailures = 7
            failing.extra = { _ in throw InjectedFailure() }
            #expect(throws: InjectedFailure.self) { try store.recordPoll(failing) }

            var resolving = poll(id, at: t0 + 120, hash: "h1", resolved: ["f-old"])
            resolving.extra = { _ in throw InjectedFailure() }
            #expect(throws: InjectedFailure.self) { try store.recordPoll(resolving) }

            #expect(try store.observations(domainId: id).map(\.contentHash) == ["h1"])
            #expect(try store.latestObservation(domainId: id)?.seenCount == 1)
            #expect(try store.findings(openOnly: false, domain: nil).map(\.fingerprint) == ["f-old"])
            #expect(try store.openFindings(domainId: id).first?.lastSeenAt == t0)
            #expect(try store.domain(id: id) == before)
            #expect(try store.outbox().isEmpty)
            #expect(try store.integrityCheck() == "ok")

            // The same poll without the failing hook goes through.
            failing.extra = nil
            let outcome = try store.recordPoll(failing)
            #expect(outcome.opened == 1 && outcome.enqueued == 1 && outcome.observationInserted)
        }
    }

    @Test("a hook that succeeds runs inside the poll's transaction", arguments: StoreKind.allCases)
    func hookRuns(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            var record = poll(id, at: t0)
            let calls = Counter()
            record.extra = { _ in calls.increment() }
            _ = try store.recordPoll(record)
            #expect(calls.value == 1)
        }
    }
}

/// A thread-safe counter for hooks, which must be `@Sendable`.
final class Counter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLockLike()
    func increment() { lock.with { count += 1 } }
    var value: Int { lock.with { count } }
}
