import Inventory
import Testing

@Suite("Findings: open, touched, resolved, reopened")
struct FindingTests {
    @Test("a fingerprint opens once; opening it again refreshes it", arguments: StoreKind.allCases)
    func opensOnce(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            let run = try store.beginRun(mode: "poll", pid: 1, now: t0)
            let first = try store.recordPoll(poll(id, at: t0, runId: run, opened: [sampleFinding("fp-1")]))
            #expect(first.opened == 1)

            // Open again while open, twice in one poll: no error, no new row, the content is refreshed.
            let again = sampleFinding("fp-1", severity: "critical", message: "eleven lookups")
            let second = try store.recordPoll(poll(id, at: t0 + 300, opened: [again, again]))
            #expect(second.opened == 0)

            let rows = try store.findings(openOnly: false, domain: "example.com")
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.state == "open" && row.isOpen)
            #expect(row.firstSeenAt == t0 && row.lastSeenAt == t0 + 300)
            #expect(row.severity == "critical" && row.message == "eleven lookups")
            #expect(row.openedRunId == run)
            #expect(row.domainId == id)
        }
    }

    @Test("touched moves lastSeenAt of open findings only", arguments: StoreKind.allCases)
    func touched(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            _ = try store.recordPoll(poll(id, at: t0, opened: [sampleFinding("fp-1"), sampleFinding("fp-2")]))
            _ = try store.recordPoll(poll(id, at: t0 + 300, touched: ["fp-1", "fp-unknown"]))
            let byFingerprint = Dictionary(uniqueKeysWithValues: try store.openFindings(domainId: id)
                .map { ($0.fingerprint, $0.lastSeenAt) })
            #expect(byFingerprint == ["fp-1": t0 + 300, "fp-2": t0])
        }
    }

    @Test("resolving sets state and time; the fingerprint can open again as a new row", arguments: StoreKind.allCases)
    func resolveAndReopen(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let id = try addDomain(store)
            _ = try store.recordPoll(poll(id, at: t0, opened: [sampleFinding("fp-1")]))
            let run = try store.beginRun(mode: "poll", pid: 1, now: t0 + 600)
            let resolved = try store.recordPoll(poll(id, at: t0 + 600, runId: run, resolved: ["fp-1", "fp-never"]))
            #expect(resolved.resolved == 1)
            #expect(try store.openFindings(domainId: id).isEmpty)
            let closed = try #require(try store.findings(openOnly: false, domain: nil).first)
            #expect(closed.state == "resolved" && closed.resolvedAt == t0 + 600 && closed.resolvedRunId == run)

            // Resolving again changes nothing.
            #expect(try store.recordPoll(poll(id, at: t0 + 700, resolved: ["fp-1"])).resolved == 0)

            let reopened = try store.recordPoll(poll(id, at: t0 + 900, opened: [sampleFinding("fp-1")]))
            #expect(reopened.opened == 1)
            let history = try store.findingHistory(fingerprint: "fp-1")
            #expect(history.map(\.state) == ["open", "resolved"])
            #expect(history[0].firstSeenAt == t0 + 900 && history[0].resolvedAt == nil)
            #expect(history[0].id != history[1].id)
            #expect(try store.findings(openOnly: true, domain: nil).count == 1)
        }
    }

    @Test("listing: open first, then severity, domain, kind, subject", arguments: StoreKind.allCases)
    func ordering(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            let a = try addDomain(store, "a.example")
            let b = try addDomain(store, "b.example")
            _ = try store.recordPoll(poll(b, at: t0, opened: [
                sampleFinding("b1", kind: "spf.permerror", severity: "critical"),
                sampleFinding("b2", kind: "dmarc.weak", severity: "warning"),
                sampleFinding("b3", kind: "spf.old", severity: "info"),
            ]))
            _ = try store.recordPoll(poll(a, at: t0, opened: [
                sampleFinding("a1", kind: "spf.unknown-sender", severity: "error", subject: "ip 203.0.113.9"),
                sampleFinding("a2", kind: "spf.unknown-sender", severity: "error", subject: "ip 203.0.113.1"),
                sampleFinding("a3", kind: "dmarc.weak", severity: "warning"),
                sampleFinding("a4", kind: "spf.gone", severity: "critical"),
            ]))
            _ = try store.recordPoll(poll(b, at: t0 + 1, resolved: ["b1"]))

            #expect(try store.findings(openOnly: false, domain: nil).map(\.fingerprint)
                == ["a4", "a2", "a1", "a3", "b2", "b3", "b1"])
            #expect(try store.findings(openOnly: true, domain: nil).map(\.fingerprint)
                == ["a4", "a2", "a1", "a3", "b2", "b3"])
            #expect(try store.findings(openOnly: false, domain: "B.example").map(\.fingerprint) == ["b2", "b3", "b1"])
            #expect(try store.findings(openOnly: true, domain: "nowhere.example").isEmpty)
            #expect(try store.openFindings(domainId: a).map(\.fingerprint) == ["a4", "a2", "a1", "a3"])
        }
    }
}
