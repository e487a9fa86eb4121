import Inventory
import Testing

@Suite("Desired state: domains and senders")
struct DomainTests {
    @Test("upsert reports added, then unchanged, then each change", arguments: StoreKind.allCases)
    func upsertOutcomes(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            #expect(try store.upsertDomain(sampleDomain("Example.COM."), senders: sampleSenders, now: t0) == .added)
            let added = try #require(try store.domain(named: "example.com"))
            #expect(added.name == "example.com")
            #expect(added.createdAt == t0 && added.updatedAt == t0)
            #expect(added.nextPollAt == nil)

            // Same definition, a moved source line: nothing changed, updatedAt stays.
            let moved = sampleDomain(source: "monitors/a.yaml:9")
            #expect(try store.upsertDomain(moved, senders: sampleSenders.reversed(), now: t0 + 10) == .unchanged)
            let unchanged = try #require(try store.domain(named: "example.com"))
            #expect(unchanged.updatedAt == t0)
            #expect(unchanged.source == "monitors/a.yaml:9")
            #expect(unchanged.id == added.id)

            let stricter = sampleDomain(interval: 900, spfAll: "~", dmarcPolicy: "quarantine", maxLookups: nil)
            let senders = [
                SenderRow(kind: "ip", value: "192.0.2.10", name: "Office relay (new)"),
                SenderRow(kind: "cidr", value: "198.51.100.0/28"),
            ]
            let outcome = try store.upsertDomain(stricter, senders: senders, now: t0 + 20)
            #expect(outcome == .changed([
                "interval 3600s -> 900s",
                "expected SPF all - -> ~",
                "expected DMARC policy reject -> quarantine",
                "expected max lookups 8 -> none",
                "sender added: cidr 198.51.100.0/28",
                "sender removed: include _spf.mail.example.net",
                "sender ip 192.0.2.10: name changed",
            ]))
            let changed = try #require(try store.domain(named: "example.com"))
            #expect(changed.updatedAt == t0 + 20)
            #expect(changed.createdAt == t0)
            #expect(changed.id == added.id)
            #expect(try store.senders(domainId: changed.id!).map(\.key) == ["cidr 198.51.100.0/28", "ip 192.0.2.10"])
        }
    }

    @Test("a shorter interval brings a far next poll forward", arguments: StoreKind.allCases)
    func shorterInterval(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            try store.schedule(domainId: id, nextPollAt: t0 + 3600)
            try store.upsertDomain(sampleDomain(interval: 600), senders: sampleSenders, now: t0 + 60)
            #expect(try store.domain(id: id)?.nextPollAt == t0 + 660)
        }
    }

    @Test("a definition must have a positive interval and known sender kinds", arguments: StoreKind.allCases)
    func invalidDefinitions(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let zero = try #require(throws: InventoryError.self) {
                try store.upsertDomain(sampleDomain(interval: 0), senders: [], now: t0)
            }
            #expect(zero.code == .invalidRow && zero.message.contains("example.com"))
            let badKind = try #require(throws: InventoryError.self) {
                try store.upsertDomain(sampleDomain(), senders: [SenderRow(kind: "a", value: "x")], now: t0)
            }
            #expect(badKind.message.contains("\"a\""))
            #expect(try store.domains().isEmpty)
        }
    }

    @Test("senders: add, refuse a duplicate, remove, and list by kind then value", arguments: StoreKind.allCases)
    func senderAddRemove(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            #expect(try store.addSender(SenderRow(kind: "mx", value: "example.com"), toDomain: "EXAMPLE.com"))
            #expect(try !store.addSender(SenderRow(kind: "ip", value: "192.0.2.10", name: "other"),
                                         toDomain: "example.com"))
            #expect(try store.senders(domainId: id).map(\.key)
                == ["include _spf.mail.example.net", "ip 192.0.2.10", "mx example.com"])
            #expect(try store.senders(domainId: id).first { $0.kind == "ip" }?.name == "Office relay")

            #expect(try store.removeSender(kind: "ip", value: "192.0.2.10", fromDomain: "example.com"))
            #expect(try !store.removeSender(kind: "ip", value: "192.0.2.10", fromDomain: "example.com"))
            #expect(try store.senders(domainId: id).count == 2)

            let unknown = try #require(throws: InventoryError.self) {
                try store.addSender(SenderRow(kind: "ip", value: "192.0.2.1"), toDomain: "nowhere.example")
            }
            #expect(unknown.code == .unknownDomain && unknown.message.contains("nowhere.example"))
        }
    }

    @Test("domains are listed by name and removed with their senders and history", arguments: StoreKind.allCases)
    func listAndRemove(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            _ = try addDomain(store, "b.example")
            let a = try addDomain(store, "a.example")
            _ = try store.recordPoll(poll(a, at: t0, opened: [sampleFinding("a.example|spf.lookup-limit")]))
            #expect(try store.domains().map(\.name) == ["a.example", "b.example"])

            #expect(try store.removeDomain(named: "A.example"))
            #expect(try !store.removeDomain(named: "a.example"))
            #expect(try store.domains().map(\.name) == ["b.example"])
            #expect(try store.senders(domainId: a).isEmpty)
            #expect(try store.observations(domainId: a).isEmpty)
            #expect(try store.findings(openOnly: false, domain: nil).isEmpty)
            #expect(try store.integrityCheck() == "ok")
        }
    }

    @Test("due domains: never polled first, then most overdue, ties by name", arguments: StoreKind.allCases)
    func dueOrdering(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let ids = try ["d.example", "c.example", "b.example", "a.example", "e.example"]
                .reduce(into: [String: Int64]()) { $0[$1] = try addDomain(store, $1) }
            try store.schedule(domainId: ids["a.example"]!, nextPollAt: t0 + 100)
            try store.schedule(domainId: ids["b.example"]!, nextPollAt: t0 - 50)
            try store.schedule(domainId: ids["c.example"]!, nextPollAt: t0 - 50)
            try store.schedule(domainId: ids["d.example"]!, nextPollAt: t0)
            // e.example was never polled: nextPollAt is nil.

            #expect(try store.dueDomains(now: t0).map(\.name) == ["e.example", "b.example", "c.example", "d.example"])
            #expect(try store.dueDomains(now: t0, limit: 2).map(\.name) == ["e.example", "b.example"])
            #expect(try store.dueDomains(now: t0 + 100).count == 5)
        }
    }
}
