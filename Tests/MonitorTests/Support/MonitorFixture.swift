import Audit
import DNSCore
import Foundation
import Inventory
import LDNSResolver
import Monitor
import MonitorConfig
import Snapshots
import Synchronization
import TestSupport

/// One resource record of the fixture, with an absolute owner name (no trailing dot).
struct FixtureRecord: Sendable {
    enum Data: Sendable {
        case txt([String])
        case a(String)
        case mx(UInt16, String)
    }

    var owner: String
    var data: Data

    static func txt(_ owner: String, _ text: String) -> FixtureRecord {
        FixtureRecord(owner: owner, data: .txt(chunks(text)))
    }

    /// Splits a long TXT value into character-strings of at most 200 octets (RFC 7208 section 3.3:
    /// receivers join them without a separator).
    static func chunks(_ text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while rest.utf8.count > 200 {
            let cut = rest.index(rest.startIndex, offsetBy: 200)
            out.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        out.append(String(rest))
        return out
    }

    /// The record as one master-file line.
    var zoneLine: String {
        switch data {
        case .txt(let strings):
            let quoted = strings.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            return "\(owner). 3600 IN TXT \(quoted.joined(separator: " "))"
        case .a(let address): return "\(owner). 3600 IN A \(address)"
        case .mx(let preference, let exchange): return "\(owner). 3600 IN MX \(preference) \(exchange)."
        }
    }

    func add(to zone: inout MemoryZone) {
        let name = try! DomainName(owner)
        switch data {
        case .txt(let strings): zone.add(name, .txt(strings.map { Array($0.utf8) }))
        case .a(let address): zone.add(name, .a(IPv4Address(address)!))
        case .mx(let preference, let exchange): zone.add(name, .mx(preference: preference, exchange: try! DomainName(exchange)))
        }
    }
}

/// A monitored fixture domain: what DNS publishes for it, what the monitor file says, and the exact set of
/// finding kinds a first poll must open.
struct FixtureDomain: Sendable {
    var label: String
    var records: [FixtureRecord]
    var senders: [ApprovedSender]
    var expect: Expectations
    var kinds: Set<String>

    var name: String { "\(label).\(MonitorFixture.origin)" }

    var monitored: MonitoredDomain {
        MonitoredDomain(name: try! DomainName(name), interval: 3600, expectations: expect, senders: senders)
    }
}

/// The fixture: one zone of monitored domains (`monitor.test`), one of providers (`providers.test`) and an
/// empty parent (`test`) so that the DMARC tree walk's last query (`_dmarc.test`) gets an authoritative
/// NXDOMAIN from NSD rather than REFUSED (which is a temporary failure).
enum MonitorFixture {
    static let origin = "monitor.test"
    static let providers = "providers.test"

    // MARK: helpers for the table

    static func d(_ label: String) -> String { "\(label).\(origin)" }
    static func p(_ label: String) -> String { "\(label).\(providers)" }
    static func ip(_ value: String) -> ApprovedSender { ApprovedSender(kind: .ip, value: value) }
    static func cidr(_ value: String) -> ApprovedSender { ApprovedSender(kind: .cidr, value: value) }
    static func host(_ value: String) -> ApprovedSender { ApprovedSender(kind: .host, value: value) }
    static func mx(_ value: String) -> ApprovedSender { ApprovedSender(kind: .mx, value: value) }
    static func include(_ value: String) -> ApprovedSender { ApprovedSender(kind: .include, value: value) }

    /// p=reject with aggregate reports to the domain itself (without rua, a `dmarc.record-warning` opens).
    static func dmarc(_ label: String, policy: String = "reject") -> String { "v=DMARC1; p=\(policy); rua=mailto:dmarc@\(d(label))" }

    /// A domain with one SPF record (nil: none) and one DMARC record (nil: none; default: `dmarc(label)`),
    /// plus extra records.
    static func domain(_ label: String, spf: String?, dmarc dmarcText: String?? = .some(nil), extra: [FixtureRecord] = [],
                       senders: [ApprovedSender] = [], expect: Expectations = .init(), kinds: Set<String>) -> FixtureDomain {
        var records: [FixtureRecord] = []
        if let spf { records.append(.txt(d(label), spf)) }
        switch dmarcText {
        case .some(.some(let text)): records.append(.txt("_dmarc." + d(label), text))
        case .some(.none): records.append(.txt("_dmarc." + d(label), dmarc(label)))
        case .none: break
        }
        return FixtureDomain(label: label, records: records + extra, senders: senders, expect: expect, kinds: kinds)
    }

    static let includes11 = (1...11).map { "include:i\($0).\(providers)" }.joined(separator: " ")
    static let includes5 = (1...5).map { "include:i\($0).\(providers)" }.joined(separator: " ")
    /// 36 single-address terms: about 530 octets, over RFC 7208's recommended 450.
    static let longRecord = "v=spf1 " + (1...36).map { "ip4:192.0.2.\($0 + 100)" }.joined(separator: " ") + " -all"

    /// The table: one domain per finding kind (and per sender-kind variant), plus clean controls.
    static let domains: [FixtureDomain] = [
        // Controls: everything approved is authorized and nothing else is.
        domain("clean", spf: "v=spf1 ip4:192.0.2.10 -all", senders: [ip("192.0.2.10")], kinds: []),
        domain("senders-ok", spf: "v=spf1 ip4:192.0.2.10 ip4:192.0.2.32/28 a:\(p("relay")) mx include:_spf.\(providers) -all",
               extra: [FixtureRecord(owner: d("senders-ok"), data: .mx(10, p("mx1")))],
               senders: [ip("192.0.2.10"), cidr("192.0.2.32/28"), host(p("relay")), mx(d("senders-ok")), include("_spf.\(providers)")],
               kinds: []),
        domain("rua-ok", spf: "v=spf1 ip4:192.0.2.10 -all", dmarc: "v=DMARC1; p=reject; rua=mailto:agg@reports.\(providers)",
               senders: [ip("192.0.2.10")], kinds: []),

        // spf.sender-unauthorized, one per sender kind.
        domain("ip-unauth", spf: "v=spf1 ip4:192.0.2.10 -all", senders: [ip("192.0.2.10"), ip("192.0.2.11")],
               kinds: ["spf.sender-unauthorized"]),
        domain("cidr-unauth", spf: "v=spf1 ip4:192.0.2.0/28 -all", senders: [cidr("192.0.2.0/27")],
               kinds: ["spf.sender-unauthorized"]),
        domain("host-unauth", spf: "v=spf1 ip4:192.0.2.10 -all", senders: [ip("192.0.2.10"), host(p("relay"))],
               kinds: ["spf.sender-unauthorized"]),
        domain("mx-unauth", spf: "v=spf1 ip4:192.0.2.10 -all",
               extra: [FixtureRecord(owner: d("mx-unauth"), data: .mx(10, p("mx1")))],
               senders: [ip("192.0.2.10"), mx(d("mx-unauth"))], kinds: ["spf.sender-unauthorized"]),
        domain("include-unauth", spf: "v=spf1 ip4:192.0.2.10 -all", senders: [ip("192.0.2.10"), include("_spf.\(providers)")],
               kinds: ["spf.sender-unauthorized"]),

        // spf.unapproved-authorization: a network and an include nobody approved.
        domain("unapproved", spf: "v=spf1 ip4:192.0.2.10 ip4:198.18.0.0/15 include:_spf.\(providers) -all",
               senders: [ip("192.0.2.10")], kinds: ["spf.unapproved-authorization"]),

        // Lookup limits: 11 includes is over RFC 7208's 10 (critical); 5 is over max_lookups 4 (warning).
        domain("lookups-over", spf: "v=spf1 \(includes11) -all", kinds: ["spf.lookup-limit"]),
        domain("lookups-headroom", spf: "v=spf1 \(includes5) -all", expect: Expectations(maxLookups: 4),
               kinds: ["spf.lookup-limit"]),
        domain("void", spf: "v=spf1 ip4:192.0.2.10 a:nx1.\(origin) a:nx2.\(origin) a:nx3.\(origin) -all",
               kinds: ["spf.void-limit"]),

        // Record problems.
        domain("nospf", spf: nil, kinds: ["spf.missing"]),
        domain("twospf", spf: "v=spf1 ip4:192.0.2.10 -all", extra: [.txt(d("twospf"), "v=spf1 -all")], kinds: ["spf.multiple"]),
        domain("syntax", spf: "v=spf1 ip4:192.0.2.300 -all", kinds: ["spf.syntax"]),
        domain("permissive", spf: "v=spf1 ip4:192.0.2.10 +all", kinds: ["spf.permissive-all"]),
        domain("ptr", spf: "v=spf1 ip4:192.0.2.10 ptr -all", kinds: ["spf.ptr"]),
        domain("toolong", spf: longRecord, kinds: ["spf.too-long"]),

        // DMARC.
        domain("nodmarc", spf: "v=spf1 ip4:192.0.2.10 -all", dmarc: .none, kinds: ["dmarc.missing"]),
        domain("baddmarc", spf: "v=spf1 ip4:192.0.2.10 -all", dmarc: "v=DMARC1; p=bogus", kinds: ["dmarc.invalid"]),
        domain("twodmarc", spf: "v=spf1 ip4:192.0.2.10 -all",
               extra: [.txt("_dmarc." + d("twodmarc"), dmarc("twodmarc", policy: "none"))], kinds: ["dmarc.multiple"]),
        domain("weakdmarc", spf: "v=spf1 ip4:192.0.2.10 -all", dmarc: dmarc("weakdmarc", policy: "none"),
               expect: Expectations(dmarcPolicy: .reject), kinds: ["dmarc.weaker-than-expected"]),
        domain("rua-unauth", spf: "v=spf1 ip4:192.0.2.10 -all", dmarc: "v=DMARC1; p=reject; rua=mailto:agg@other.\(providers)",
               senders: [ip("192.0.2.10")], kinds: ["dmarc.rua-unauthorized"]),

        // Drift subjects (clean at first; the drift tests change their zones).
        domain("record-drift", spf: "v=spf1 ip4:192.0.2.10 ip4:198.18.5.5 -all",
               senders: [ip("192.0.2.10"), ip("192.0.2.20")],
               kinds: ["spf.sender-unauthorized", "spf.unapproved-authorization"]),
        domain("dmarc-drift", spf: "v=spf1 ip4:192.0.2.10 -all", senders: [ip("192.0.2.10")], kinds: []),
        domain("provider-drift", spf: "v=spf1 ip4:192.0.2.10 include:_spf.crm.\(providers) -all",
               senders: [ip("192.0.2.10"), include("_spf.crm.\(providers)")], kinds: []),
    ]

    static var providerRecords: [FixtureRecord] {
        var records: [FixtureRecord] = [
            .txt("_spf.\(providers)", "v=spf1 ip4:198.51.100.0/24 -all"),
            .txt("_spf.crm.\(providers)", crmBefore),
            FixtureRecord(owner: p("relay"), data: .a("192.0.2.77")),
            FixtureRecord(owner: p("mx1"), data: .a("192.0.2.88")),
            FixtureRecord(owner: p("reports"), data: .a("192.0.2.99")),
            FixtureRecord(owner: p("other"), data: .a("192.0.2.98")),
            .txt("\(d("rua-ok"))._report._dmarc.reports.\(providers)", "v=DMARC1"),
        ]
        for index in 1...11 { records.append(.txt(p("i\(index)"), "v=spf1 ip4:100.64.\(index).0/24 -all")) }
        return records
    }

    static let crmBefore = "v=spf1 ip4:203.0.113.64/26 ip4:203.0.113.200 -all"
    static let crmAfter = "v=spf1 ip4:203.0.113.128/26 ip4:203.0.113.200 -all"

    static func soa(_ origin: String) -> String {
        """
        $TTL 3600
        \(origin). IN SOA ns1.\(origin). hostmaster.\(origin). 2024010101 3600 600 86400 300
        \(origin). IN NS ns1.\(origin).
        ns1.\(origin). IN A 127.0.0.1

        """
    }

    static func zoneText(origin: String, records: [FixtureRecord]) -> String {
        soa(origin) + records.map(\.zoneLine).joined(separator: "\n") + "\n"
    }

    static func monitorRecords(_ domains: [FixtureDomain] = domains) -> [FixtureRecord] { domains.flatMap(\.records) }

    static func nsdZones(monitor: [FixtureRecord] = monitorRecords(), providers providerRecords: [FixtureRecord] = providerRecords) -> [NSDServer.Zone] {
        [NSDServer.Zone(origin: "test", text: soa("test")),
         NSDServer.Zone(origin: origin, text: zoneText(origin: origin, records: monitor)),
         NSDServer.Zone(origin: providers, text: zoneText(origin: providers, records: providerRecords))]
    }

    static func memoryZone(monitor: [FixtureRecord] = monitorRecords(), providers providerRecords: [FixtureRecord] = providerRecords) -> MemoryZone {
        var zone = MemoryZone()
        for record in monitor + providerRecords { record.add(to: &zone) }
        for name in ["test", origin, providers] { zone.touch(try! DomainName(name)) }
        return zone
    }

    /// A YAML monitor file for the domains, loaded and applied as `apply` does.
    static func apply(_ domains: [FixtureDomain], to store: InventoryStore, directory: URL) throws {
        var yaml = "domains:\n"
        for domain in domains {
            yaml += "  - domain: \(domain.name)\n    interval: 1h\n"
            var expect: [String] = []
            if let all = domain.expect.spfAll { expect.append("spf_all: \"\(all)all\"") }
            if let policy = domain.expect.dmarcPolicy { expect.append("dmarc_policy: \(policy.rawValue)") }
            if let max = domain.expect.maxLookups { expect.append("max_lookups: \(max)") }
            if !expect.isEmpty { yaml += "    expect: { \(expect.joined(separator: ", ")) }\n" }
            if !domain.senders.isEmpty {
                yaml += "    senders:\n"
                for sender in domain.senders { yaml += "      - { \(sender.kind.rawValue): \"\(sender.value)\" }\n" }
            }
        }
        let file = directory.appendingPathComponent("monitor-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try MonitorLoader.load(paths: [file.path])
        _ = try MonitorApply.apply(configuration, store: store, prune: false, now: 1_000)
    }

    static func resolver(_ address: String, timeout: Double = 2, retries: Int = 1) throws -> LDNSResolver {
        var configuration = LDNSConfiguration(nameservers: [try Nameserver(parsing: address)])
        configuration.timeout = timeout
        configuration.retries = retries
        return try LDNSResolver(configuration: configuration, workers: 4)
    }
}

/// A clock the tests move: each poll happens at a later second, so lastSeenAt visibly moves.
final class TestClock: Sendable {
    private let value = Mutex<Int64>(10_000)
    func now() -> Int64 { value.withLock { $0 } }
    func advance(_ seconds: Int64 = 60) { value.withLock { $0 += seconds } }
}

/// A store with the fixture applied, and a poller per resolver sharing it.
struct Harness {
    let store: InventoryStore
    let clock = TestClock()

    init(_ domains: [FixtureDomain]) throws {
        store = try InventoryStore.inMemory()
        try MonitorFixture.apply(domains, to: store, directory: FileManager.default.temporaryDirectory)
    }

    /// Polls every domain (or the named ones) once through `resolver`, one second-step later than the last poll.
    @discardableResult
    func poll(_ resolver: any DNSResolver, only names: [String]? = nil) async throws -> [String: DomainPollResult] {
        clock.advance()
        let clock = self.clock
        let poller = Poller(store: store, resolver: resolver, concurrency: 8, unreachableAfter: 3, now: { clock.now() })
        var rows = try store.domains()
        if let names { rows = rows.filter { names.contains($0.name) } }
        let results = try await poller.poll(rows, runId: nil)
        return Dictionary(uniqueKeysWithValues: results.map { ($0.domain, $0) })
    }

    /// Open findings by domain name.
    func openFindings() throws -> [String: [FindingRow]] {
        let names = Dictionary(uniqueKeysWithValues: try store.domains().map { ($0.id!, $0.name) })
        return Dictionary(grouping: try store.findings(openOnly: true), by: { names[$0.domainId] ?? "?" })
    }

    func openFindings(_ domain: String) throws -> [FindingRow] {
        try store.findings(openOnly: true, domain: domain)
    }

    func allFindings(_ domain: String) throws -> [FindingRow] {
        try store.findings(openOnly: false, domain: domain)
    }
}

extension Dictionary where Key == String, Value == [FindingRow] {
    func kinds(_ domain: String) -> Set<String> { Set((self[domain] ?? []).map(\.kind)) }
}
