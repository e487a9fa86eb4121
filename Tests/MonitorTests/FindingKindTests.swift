import Audit
import DNSCore
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots
import TestSupport
import Testing

/// Every finding kind from the fixture table, polled through the in-memory resolver and through NSD: each
/// domain's open findings after a first poll must be exactly the kinds the table lists.
@Suite struct FindingKindTests {
    /// Compares the open kinds of every fixture domain with the table; returns the mismatches.
    static func mismatches(_ open: [String: [FindingRow]]) -> [String] {
        MonitorFixture.domains.compactMap { domain in
            let actual = open.kinds(domain.name)
            guard actual != domain.kinds else { return nil }
            let details = (open[domain.name] ?? []).map { "\($0.kind) [\($0.subject ?? "-")]: \($0.message)" }
            return "\(domain.name): expected \(domain.kinds.sorted()), got \(actual.sorted())\n    " + details.joined(separator: "\n    ")
        }
    }

    /// Checks the details that tell the variants of a kind apart (subjects, severities, messages).
    static func checkDetails(_ open: [String: [FindingRow]]) {
        func only(_ label: String, _ kind: String) -> [FindingRow] {
            (open[MonitorFixture.d(label)] ?? []).filter { $0.kind == kind }
        }
        #expect(only("ip-unauth", "spf.sender-unauthorized").map(\.subject) == ["ip:192.0.2.11"])
        #expect(only("ip-unauth", "spf.sender-unauthorized").first?.message.contains("fail (domain of ip-unauth.monitor.test does not designate 192.0.2.11") == true)
        #expect(only("cidr-unauth", "spf.sender-unauthorized").map(\.subject) == ["cidr:192.0.2.0/27"])
        #expect(only("cidr-unauth", "spf.sender-unauthorized").first?.evidenceJSON.contains("192.0.2.31") == true)
        #expect(only("host-unauth", "spf.sender-unauthorized").map(\.subject) == ["host:relay.providers.test"])
        #expect(only("host-unauth", "spf.sender-unauthorized").first?.message.contains("192.0.2.77") == true)
        #expect(only("mx-unauth", "spf.sender-unauthorized").map(\.subject) == ["mx:mx-unauth.monitor.test"])
        #expect(only("mx-unauth", "spf.sender-unauthorized").first?.message.contains("192.0.2.88") == true)
        #expect(only("include-unauth", "spf.sender-unauthorized").map(\.subject) == ["include:_spf.providers.test"])
        #expect(only("include-unauth", "spf.sender-unauthorized").first?.fix?.contains("include:_spf.providers.test") == true)
        #expect(Set(only("unapproved", "spf.unapproved-authorization").compactMap(\.subject))
                == ["ip4:198.18.0.0/15", "include:_spf.providers.test"])
        #expect(only("lookups-over", "spf.lookup-limit").map(\.severity) == ["critical"])
        #expect(only("lookups-over", "spf.lookup-limit").map(\.subject) == ["limit"])
        #expect(only("lookups-headroom", "spf.lookup-limit").map(\.severity) == ["warning"])
        #expect(only("lookups-headroom", "spf.lookup-limit").map(\.subject) == ["headroom"])
        #expect(only("void", "spf.void-limit").map(\.severity) == ["critical"])
        #expect(only("permissive", "spf.permissive-all").map(\.severity) == ["critical"])
        #expect(only("weakdmarc", "dmarc.weaker-than-expected").first?.message.contains("p=none, weaker than the expected reject") == true)
        #expect(only("rua-unauth", "dmarc.rua-unauthorized").map(\.subject) == ["mailto:agg@other.providers.test"])
        for row in open.values.flatMap({ $0 }) {
            #expect(row.kind != "dns.temporary" && row.kind != "dns.unreachable", "no DNS failure in a healthy fixture: \(row.message)")
        }
    }

    @Test("each finding kind from the in-memory zone")
    func inMemory() async throws {
        let harness = try Harness(MonitorFixture.domains)
        let resolver = ZoneResolver(MonitorFixture.memoryZone())
        let results = try await harness.poll(resolver)
        #expect(results.count == MonitorFixture.domains.count)
        #expect(results.values.allSatisfy { $0.status == "ok" })
        let open = try harness.openFindings()
        let wrong = Self.mismatches(open)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
        Self.checkDetails(open)
        print("finding-kinds (memory): \(MonitorFixture.domains.count) domains, \(open.values.map(\.count).reduce(0, +)) open findings, kinds \(Set(open.values.flatMap { $0.map(\.kind) }).sorted())")

        // A second poll of an unchanged zone opens and resolves nothing.
        let again = try await harness.poll(resolver)
        #expect(again.values.allSatisfy { $0.opened.isEmpty && $0.resolved.isEmpty }, "\(again.values.filter { !$0.opened.isEmpty || !$0.resolved.isEmpty }.map(\.domain))")
    }

    @Test("each finding kind through NSD, the same as from memory")
    func throughNSD() async throws {
        guard let server = try NSDServer.start(zones: MonitorFixture.nsdZones()) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let resolver = try MonitorFixture.resolver(server.address)
        defer { resolver.shutdown() }
        let started = Date()
        let harness = try Harness(MonitorFixture.domains)
        let results = try await harness.poll(resolver)
        #expect(results.values.allSatisfy { $0.status == "ok" }, "\(results.values.filter { $0.status != "ok" }.map(\.domain))")
        let open = try harness.openFindings()
        let wrong = Self.mismatches(open)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
        Self.checkDetails(open)

        // The very same fingerprints, severities and subjects as the in-memory poll.
        let memory = try Harness(MonitorFixture.domains)
        try await memory.poll(ZoneResolver(MonitorFixture.memoryZone()))
        let viaMemory = try memory.openFindings()
        for domain in MonitorFixture.domains {
            let a = Set((open[domain.name] ?? []).map { "\($0.fingerprint) \($0.severity)" })
            let b = Set((viaMemory[domain.name] ?? []).map { "\($0.fingerprint) \($0.severity)" })
            #expect(a == b, "\(domain.name): NSD \(a.sorted()) vs memory \(b.sorted())")
        }
        print("finding-kinds (NSD): \(MonitorFixture.domains.count) domains polled in \(String(format: "%.2f", Date().timeIntervalSince(started))) s, \(open.values.map(\.count).reduce(0, +)) open findings, \(server.queryCount.map(String.init) ?? "?") queries")
    }
}
