import Audit
import DNSCore
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots
import TestSupport
import Testing

/// The finding state machine over several polls, and drift (record.changed, provider.changed) after a
/// zone change, in memory and through NSD with a reload between polls.
@Suite struct LifecycleAndDriftTests {
    typealias F = MonitorFixture

    /// The fixture domains' records with some domains' SPF or DMARC text replaced (keyed by label).
    static func records(_ domains: [FixtureDomain], spf: [String: String] = [:], dmarc: [String: String] = [:]) -> [FixtureRecord] {
        domains.flatMap { domain -> [FixtureRecord] in
            domain.records.map { record in
                if let text = spf[domain.label], record.owner == domain.name { return .txt(record.owner, text) }
                if let text = dmarc[domain.label], record.owner == "_dmarc." + domain.name { return .txt(record.owner, text) }
                return record
            }
        }
    }

    static func evidence(_ row: FindingRow) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(row.evidenceJSON.utf8))) ?? [:]
    }

    @Test("a finding opens once, stays open, resolves, and reopens as a new row")
    func lifecycle() async throws {
        let domains = F.domains.filter { $0.label == "ip-unauth" }
        let name = F.d("ip-unauth")
        let harness = try Harness(domains)
        let resolver = ZoneResolver(F.memoryZone(monitor: F.monitorRecords(domains)))
        let fingerprint = "spf.sender-unauthorized|\(name)|ip:192.0.2.11"

        // Poll 1: opens.
        let first = try await harness.poll(resolver)[name]!
        #expect(first.opened.map(\.fingerprint) == [fingerprint])
        let opened = try harness.openFindings(name)
        #expect(opened.count == 1)
        let openedAt = try #require(opened.first).firstSeenAt
        #expect(opened.first?.lastSeenAt == openedAt)

        // Polls 2 and 3: still open, one row, lastSeenAt moves, firstSeenAt does not.
        for _ in 0..<2 {
            let again = try await harness.poll(resolver)[name]!
            #expect(again.opened.isEmpty && again.resolved.isEmpty)
            #expect(again.stillOpen == [fingerprint])
            let rows = try harness.allFindings(name)
            #expect(rows.count == 1, "still one row: \(rows.map(\.fingerprint))")
            #expect(rows.first?.firstSeenAt == openedAt)
            #expect(rows.first?.lastSeenAt == harness.clock.now())
            #expect(rows.first?.state == "open")
        }

        // The sender gets authorized: the finding resolves (and the record change is drift).
        resolver.update { $0 = F.memoryZone(monitor: Self.records(domains, spf: ["ip-unauth": "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all"])) }
        let fixed = try await harness.poll(resolver)[name]!
        #expect(fixed.resolved.map(\.fingerprint) == [fingerprint])
        #expect(fixed.opened.map(\.kind.rawValue) == ["record.changed"])
        let resolvedRow = try #require(try harness.store.findingHistory(fingerprint: fingerprint).first)
        #expect(resolvedRow.state == "resolved")
        #expect(resolvedRow.resolvedAt == harness.clock.now())

        // Nothing changes: the drift finding resolves, nothing is open.
        let quiet = try await harness.poll(resolver)[name]!
        #expect(quiet.opened.isEmpty)
        #expect(quiet.resolved.map(\.kind.rawValue) == ["record.changed"])
        #expect(try harness.openFindings(name).isEmpty)

        // The sender is dropped from SPF again: the same fingerprint opens as a new row.
        resolver.update { $0 = F.memoryZone(monitor: F.monitorRecords(domains)) }
        let back = try await harness.poll(resolver)[name]!
        #expect(Set(back.opened.map(\.kind.rawValue)) == ["spf.sender-unauthorized", "record.changed"])
        let history = try harness.store.findingHistory(fingerprint: fingerprint)
        #expect(history.count == 2, "a new episode, a new row")
        #expect(history.map(\.state) == ["open", "resolved"])
        #expect(history[0].id != history[1].id && history[0].firstSeenAt > history[1].resolvedAt!)
        #expect(try harness.openFindings(name).filter { $0.fingerprint == fingerprint }.count == 1)
    }

    enum Backend: String, CaseIterable { case memory, nsd }

    @Test("record.changed and provider.changed open on the poll after a change and resolve on the next",
          arguments: Backend.allCases)
    func drift(_ backend: Backend) async throws {
        let domains = F.domains.filter { ["record-drift", "dmarc-drift", "provider-drift"].contains($0.label) }
        let monitor = F.monitorRecords(domains)
        let made: DriftBackend? = backend == .memory
            ? DriftBackend.memory(monitor: monitor, providers: F.providerRecords)
            : try DriftBackend.nsd(monitor: monitor, providers: F.providerRecords)
        guard let dns = made else { try Test.cancel("NSD is not installed") }
        defer { dns.stop() }
        let harness = try Harness(domains)
        let record = F.d("record-drift"), dmarc = F.d("dmarc-drift"), provider = F.d("provider-drift")

        // Poll 1: the baseline. record-drift lacks an approved sender and has an unapproved network.
        let baseline = try await harness.poll(dns.resolver)
        #expect(baseline.values.allSatisfy { $0.status == "ok" })
        #expect(try harness.openFindings().kinds(record) == ["spf.sender-unauthorized", "spf.unapproved-authorization"])
        #expect(try harness.openFindings().kinds(dmarc).isEmpty)
        #expect(try harness.openFindings().kinds(provider).isEmpty)

        // The owner fixes record-drift's SPF and weakens dmarc-drift's policy.
        let newSPF = "v=spf1 ip4:192.0.2.10 ip4:192.0.2.20 -all"
        let changed = Self.records(domains, spf: ["record-drift": newSPF], dmarc: ["dmarc-drift": F.dmarc("dmarc-drift", policy: "quarantine")])
        try await dns.publish(monitor: changed, providers: F.providerRecords, probe: ("_dmarc." + dmarc, F.dmarc("dmarc-drift", policy: "quarantine")))

        // Poll 2: record.changed opens with the semantic diff; the fixed findings resolve.
        let after = try await harness.poll(dns.resolver)
        let recordResult = try #require(after[record])
        #expect(Set(recordResult.resolved.map(\.kind.rawValue)) == ["spf.sender-unauthorized", "spf.unapproved-authorization"])
        #expect(recordResult.opened.map(\.kind.rawValue) == ["record.changed"])
        let spfChange = try #require(try harness.openFindings(record).first { $0.kind == "record.changed" })
        #expect(spfChange.message.contains("added ip4:192.0.2.20"), "\(spfChange.message)")
        #expect(spfChange.message.contains("removed ip4:198.18.5.5"), "\(spfChange.message)")
        let spfEvidence = Self.evidence(spfChange)
        #expect(spfEvidence["before"] == "v=spf1 ip4:192.0.2.10 ip4:198.18.5.5 -all")
        #expect(spfEvidence["after"] == newSPF)
        #expect(spfEvidence["termsAdded"] == "ip4:192.0.2.20")
        #expect(spfEvidence["termsRemoved"] == "ip4:198.18.5.5")
        #expect(spfEvidence["networksAdded"]?.hasPrefix("192.0.2.20") == true, "\(spfEvidence)")
        #expect(spfEvidence["networksRemoved"]?.hasPrefix("198.18.5.5") == true, "\(spfEvidence)")
        #expect(try harness.openFindings().kinds(record) == ["record.changed"])

        let dmarcResult = try #require(after[dmarc])
        #expect(dmarcResult.opened.map(\.kind.rawValue) == ["record.changed"])
        let dmarcChange = try #require(dmarcResult.opened.first)
        #expect(dmarcChange.severity == .error)
        #expect(dmarcChange.message.contains("p: reject -> quarantine"), "\(dmarcChange.message)")
        #expect(dmarcChange.message.contains("the policy is weaker now"))
        #expect(try #require(after[provider]).opened.isEmpty)

        // Poll 3: no further change: the drift findings resolve, nothing opens.
        let steady = try await harness.poll(dns.resolver)
        #expect(steady.values.allSatisfy { $0.opened.isEmpty }, "\(steady.values.flatMap(\.opened).map(\.fingerprint))")
        #expect(steady[record]?.resolved.map(\.kind.rawValue) == ["record.changed"])
        #expect(steady[dmarc]?.resolved.map(\.kind.rawValue) == ["record.changed"])
        #expect(try harness.openFindings().values.allSatisfy { $0.isEmpty })

        // Only the provider's zone changes: its networks move under provider-drift's unchanged record.
        let providers = F.providerRecords.map { $0.owner == "_spf.crm.\(F.providers)" ? .txt($0.owner, F.crmAfter) : $0 }
        try await dns.publish(monitor: changed, providers: providers, probe: ("_spf.crm.\(F.providers)", F.crmAfter))
        let moved = try await harness.poll(dns.resolver)
        let providerResult = try #require(moved[provider])
        #expect(providerResult.opened.map(\.kind.rawValue) == ["provider.changed"], "\(providerResult.opened)")
        #expect(providerResult.resolved.isEmpty)
        #expect(moved[record]?.opened.isEmpty == true && moved[dmarc]?.opened.isEmpty == true)
        let providerChange = try #require(try harness.openFindings(provider).first)
        #expect(providerChange.kind == "provider.changed")
        let providerEvidence = Self.evidence(providerChange)
        #expect(providerEvidence["provider"] == "_spf.crm.providers.test")
        #expect(providerEvidence["networksAdded"] == "203.0.113.128/26", "\(providerEvidence)")
        #expect(providerEvidence["networksRemoved"] == "203.0.113.64/26", "\(providerEvidence)")
        #expect(providerChange.message.contains("_spf.crm.providers.test, included by \(provider)"))
        #expect(try harness.openFindings().values.flatMap { $0 }.count == 1, "nothing but provider.changed is open")

        // And it resolves on the next poll without change.
        let settled = try await harness.poll(dns.resolver)
        #expect(settled[provider]?.resolved.map(\.kind.rawValue) == ["provider.changed"])
        #expect(settled.values.allSatisfy { $0.opened.isEmpty })
        #expect(try harness.openFindings().values.allSatisfy { $0.isEmpty })
        print("drift (\(backend.rawValue)): record.changed, DMARC record.changed and provider.changed opened and resolved as expected")
    }
}
