import DMARC
import DNSCore
import TestSupport
import Testing

/// The DNS Tree Walk's query sequences (RFC 9989 section 4.10), asserted on `ZoneResolver.queries`.
/// Cases written for this project from the section's rules.
@Suite("DMARC discovery queries")
struct DiscoveryQueryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let domain: String
        let zone: [String: [String]]
        var timeouts: [String] = []
        let status: DMARCDiscoveryResult.Status
        var policyDomain: String?
        var organizationalDomain: String?
        var applied: DMARCPolicy?
        let queries: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "own record, walk continues only to find the Organizational Domain",
              domain: "mail.example.com", zone: ["_dmarc.mail.example.com": ["v=DMARC1; p=reject"], "_dmarc.example.com": ["v=DMARC1; p=none"]],
              status: .found, policyDomain: "mail.example.com", organizationalDomain: "example.com", applied: .reject,
              queries: ["_dmarc.mail.example.com TXT", "_dmarc.example.com TXT", "_dmarc.com TXT"]),
        .init(name: "psd=n stops the walk at once",
              domain: "example.com", zone: ["_dmarc.example.com": ["v=DMARC1; p=reject; psd=n"]],
              status: .found, policyDomain: "example.com", organizationalDomain: "example.com", applied: .reject,
              queries: ["_dmarc.example.com TXT"]),
        .init(name: "record at a PSD: Organizational Domain is one label below it; np differs from sp, so existence is checked",
              domain: "shop.brand.bank.example", zone: ["_dmarc.bank.example": ["v=DMARC1; p=reject; sp=quarantine; np=reject; psd=y"]],
              status: .found, policyDomain: "bank.example", organizationalDomain: "brand.bank.example", applied: .reject,
              queries: ["_dmarc.shop.brand.bank.example TXT", "_dmarc.brand.bank.example TXT", "_dmarc.bank.example TXT", "shop.brand.bank.example A"]),
        .init(name: "nine labels jump to the rightmost seven; eight queries at most",
              domain: "a.b.c.d.e.f.g.example.com", zone: [:],
              status: .none, organizationalDomain: "a.b.c.d.e.f.g.example.com",
              queries: ["_dmarc.a.b.c.d.e.f.g.example.com TXT", "_dmarc.c.d.e.f.g.example.com TXT", "_dmarc.d.e.f.g.example.com TXT",
                        "_dmarc.e.f.g.example.com TXT", "_dmarc.f.g.example.com TXT", "_dmarc.g.example.com TXT",
                        "_dmarc.example.com TXT", "_dmarc.com TXT", "a.b.c.d.e.f.g.example.com TXT"]),
        .init(name: "timeout at the domain is temperror, not none, and the walk stops",
              domain: "example.com", zone: ["_dmarc.com": ["v=DMARC1; p=reject"]], timeouts: ["_dmarc.example.com"],
              status: .temperror, queries: ["_dmarc.example.com TXT"]),
        .init(name: "timeout above an empty level is temperror too",
              domain: "mail.example.com", zone: [:], timeouts: ["_dmarc.example.com"],
              status: .temperror, queries: ["_dmarc.mail.example.com TXT", "_dmarc.example.com TXT"]),
        .init(name: "multiple records stop discovery",
              domain: "mail.example.com", zone: ["_dmarc.mail.example.com": ["v=DMARC1; p=reject", "v=DMARC1; p=none"], "_dmarc.example.com": ["v=DMARC1; p=none"]],
              status: .multiple, policyDomain: "mail.example.com", queries: ["_dmarc.mail.example.com TXT"]),
        .init(name: "an invalid record is passed over and the parent applies",
              domain: "mail.example.com", zone: ["_dmarc.mail.example.com": ["v=DMARC1; p=bogus"], "_dmarc.example.com": ["v=DMARC1; p=quarantine"]],
              status: .found, policyDomain: "example.com", organizationalDomain: "example.com", applied: .quarantine,
              queries: ["_dmarc.mail.example.com TXT", "_dmarc.example.com TXT", "_dmarc.com TXT"]),
        .init(name: "an invalid record alone is invalid",
              domain: "example.com", zone: ["_dmarc.example.com": ["v=DMARC1; p=bogus"]],
              status: .invalid, policyDomain: "example.com", organizationalDomain: "example.com",
              queries: ["_dmarc.example.com TXT", "_dmarc.com TXT"]),
    ]

    @Test(arguments: cases)
    func walk(_ c: Case) async throws {
        var zone = MemoryZone()
        for (owner, texts) in c.zone { for text in texts { zone.add(owner, txt: text) } }
        for owner in c.timeouts { zone.addTimeout(try DomainName(owner)) }
        let resolver = ZoneResolver(zone)
        let result = await DMARCDiscovery(resolver: resolver).discover(try DomainName(c.domain))
        #expect(result.status == c.status, "\(result.problem ?? "")")
        #expect(result.policyDomain?.text == c.policyDomain)
        if c.status != .temperror { #expect(result.organizationalDomain?.text == c.organizationalDomain) }
        #expect(result.appliedPolicy == c.applied)
        #expect(resolver.queries.map(\.description) == c.queries)
        #expect(result.queries == resolver.queries.map(\.name.text))
        if c.status == .temperror { #expect(result.problem?.contains("timeout") == true) }
    }

    @Test func nonexistentSubdomainGetsNp() async throws {
        var zone = MemoryZone()
        zone.add("_dmarc.example.com", txt: "v=DMARC1; p=reject; sp=none; np=quarantine")
        zone.add(try DomainName("www.example.com"), .a(IPv4Address(192, 0, 2, 1)))
        let discovery = DMARCDiscovery(resolver: ZoneResolver(zone))
        let ghost = await discovery.discover(try DomainName("ghost.example.com"))
        #expect(ghost.appliedPolicy == .quarantine && ghost.domainExists == false)
        let www = await discovery.discover(try DomainName("www.example.com"))
        #expect(www.appliedPolicy == DMARCPolicy.none && www.domainExists == true)
    }

    @Test func existenceCheckTimeoutIsTemperror() async throws {
        var zone = MemoryZone()
        zone.add("_dmarc.example.com", txt: "v=DMARC1; p=reject; np=quarantine")
        zone.addTimeout(try DomainName("sub.example.com"))
        let result = await DMARCDiscovery(resolver: ZoneResolver(zone)).discover(try DomainName("sub.example.com"))
        #expect(result.status == .temperror)
        #expect(result.record?.policy == .reject)
        #expect(result.appliedPolicy == nil)
    }
}
