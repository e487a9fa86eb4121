import Foundation
import Inventory
import Testing

/// `apply --prune` removes restorably (migration v5-removed-domains): the domain leaves every listing and
/// comes back with its rows, ids and all.
@Suite("Removed domains: restorable removal")
struct RemovedDomainTests {
    /// A domain with senders, two observations, an open and a resolved finding, a flattened include and an
    /// alert about one of its findings.
    func populated(_ store: InventoryStore) throws -> Int64 {
        let id = try addDomain(store)
        let runId = try store.beginRun(mode: "poll", pid: 1, now: t0)
        let alert = OutboxRow(eventId: "e1", route: "hook", payloadJSON: "{}")
        _ = try store.recordPoll(poll(id, at: t0, hash: "h1", runId: runId, opened: [sampleFinding("f1"), sampleFinding("f2")]))
        _ = try store.recordPoll(poll(id, at: t0 + 60, hash: "h2", runId: runId, resolved: ["f2"], outbox: [alert]))
        try store.replaceFlattenedIncludes(domainId: id, with: [
            FlattenedIncludeRow(domainId: id, include: "_spf.mail.example.net", networksJSON: "[]", recordJSON: "[]", flattenedAt: t0),
        ])
        return id
    }

    struct Picture: Equatable {
        var domain: DomainRow?
        var senders: [SenderRow]
        var observations: [ObservationRow]
        var findings: [FindingRow]
        var flattened: [FlattenedIncludeRow]
    }

    func picture(_ store: InventoryStore, _ id: Int64) throws -> Picture {
        Picture(domain: try store.domain(id: id), senders: try store.senders(domainId: id),
                observations: try store.observations(domainId: id), findings: try store.findings(openOnly: false, domain: "example.com"),
                flattened: try store.flattenedIncludes(domainId: id))
    }

    @Test("removed: invisible; restored: exactly as before", arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try populated(store)
            try addDomain(store, "other.example")
            let before = try picture(store, id)
            #expect(before.observations.count == 2 && before.findings.count == 2 && before.flattened.count == 1)

            let removed = try #require(try store.removeDomainRestorably(named: "Example.COM", now: t0 + 100, retention: 86400))
            #expect(removed.name == "example.com" && removed.purgeAfter == t0 + 100 + 86400)
            #expect((removed.senders, removed.observations, removed.findings, removed.openFindings) == (2, 2, 2, 1))
            #expect(try store.domains().map(\.name) == ["other.example"])
            #expect(try store.domain(named: "example.com") == nil)
            #expect(try store.findings(openOnly: false).isEmpty)
            #expect(try store.dueDomains(now: t0 + 10_000_000).map(\.name) == ["other.example"])
            #expect(try store.healthCounts(now: t0).domains == 1)
            #expect(try store.observations(domainId: id).isEmpty)
            #expect(try store.outbox().first?.findingId == nil)
            #expect(try store.removedDomains().map(\.name) == ["example.com"])

            let restored = try store.restoreDomain(named: "example.com")
            #expect(restored.name == "example.com")
            #expect(try picture(store, id) == before)
            #expect(try store.removedDomains().isEmpty)
            #expect(try store.findings(openOnly: true).map(\.fingerprint) == ["f1"])
        }
    }

    @Test("outbox rows point at their findings again after a restore", arguments: StoreKind.allCases)
    func outboxLink(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            _ = try store.recordPoll(poll(id, at: t0, opened: [sampleFinding("f1")]))
            let finding = try #require(try store.openFindings(domainId: id).first?.id)
            try store.enqueue(OutboxRow(eventId: "e1", findingId: finding, route: "hook", payloadJSON: "{}"))
            try store.removeDomainRestorably(named: "example.com", now: t0, retention: 86400)
            #expect(try store.outbox().map(\.findingId) == [nil])
            try store.restoreDomain(named: "example.com")
            #expect(try store.outbox().map(\.findingId) == [finding])
        }
    }

    @Test("retention: purged after it; restore refused when unknown or live again", arguments: StoreKind.allCases)
    func retentionAndRefusals(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            _ = try populated(store)
            try store.removeDomainRestorably(named: "example.com", now: t0, retention: 86400)
            #expect(try store.purgeRemovedDomains(now: t0 + 86399) == 0)
            try addDomain(store, "example.com", now: t0 + 10)
            let live = try #require(throws: InventoryError.self) { try store.restoreDomain(named: "example.com") }
            #expect(live.code == .invalidRow && live.message.contains("is in the inventory again"))
            #expect(try store.purgeRemovedDomains(now: t0 + 86400) == 1)
            let gone = try #require(throws: InventoryError.self) { try store.restoreDomain(named: "example.com") }
            #expect(gone.code == .unknownDomain && gone.message.contains("not among the removed domains"))
        }
    }

    @Test("apply's writes are one transaction: a failing step leaves everything as it was", arguments: StoreKind.allCases)
    func applyIsAtomic(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            try addDomain(store, "keep.example")
            var changes = InventoryChanges()
            changes.upserts = [(sampleDomain("new.example"), sampleSenders), (sampleDomain("bad.example", interval: 0), [])]
            changes.remove = ["keep.example"]
            #expect(throws: InventoryError.self) { try store.apply(changes, now: t0) }
            #expect(try store.domains().map(\.name) == ["keep.example"])
            #expect(try store.removedDomains().isEmpty)
            changes.upserts.removeLast()
            changes.restore = ["never-removed.example"]
            #expect(throws: InventoryError.self) { try store.apply(changes, now: t0) }
            changes.restore = []
            try store.apply(changes, now: t0)
            #expect(try store.domains().map(\.name) == ["new.example"])
            #expect(try store.removedDomains().map(\.name) == ["keep.example"])
        }
    }

    @Test("a read-only store reads without creating, migrating or writing")
    func readOnly() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("inventory.sqlite")
        #expect(throws: InventoryError.self) { try InventoryStore.readOnly(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
        do {
            let store = try InventoryStore(path: path)
            try addDomain(store)
            try store.checkpoint()
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try InventoryStore.readOnly(path: path)
        #expect(try reader.domains().map(\.name) == ["example.com"])
        #expect(try reader.removedDomains().isEmpty)
        #expect(throws: (any Error).self) { try reader.upsertDomain(sampleDomain("x.example"), senders: [], now: t0) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }
}
