import Audit
import DNSCore
import SPF
import TestSupport
import Testing

/// The finding kinds drawn from stored facts (DMARC reports, flattened copies) with their DNS evidence
/// unanswered, then answered: the open finding stays as it was, then resolves.
@Suite struct ObservedCoverageTests {
    typealias E = EvidenceCoverageTests
    static let domain = E.domain

    static func source(_ ip: String, messages: Int = 20, dkim: Int = 20, dmarcFail: Int = 0, lastDay: String = "2026-11-30") -> ObservedSenderFacts {
        ObservedSenderFacts(ip: IPAddress(ip)!, messages: messages, dkimAlignedPass: dkim, spfAlignedPass: 0, dmarcFail: dmarcFail,
                            dispositions: ["none": messages], firstDay: "2026-10-01", lastDay: lastDay, reporters: ["r.example"])
    }

    static func observed(_ sources: [ObservedSenderFacts], staleBefore: String? = nil) -> ObservedFacts {
        ObservedFacts(firstDay: "2026-10-01", lastDay: "2026-11-30", recent: sources, all: sources, staleBefore: staleBefore)
    }

    static let cases: [EvidenceCoverageTests.Case] = [
        .init(name: "spf.observed-unauthorized: the source's check_host met a timeout",
              open: E.finding(.spfObservedUnauthorized, "60.130.71.1"),
              unknown: E.timeout("_spf.provider.test"),
              fixed: { E.healthy { $0.replaceTXT(domain, "v=spf1 ip4:192.0.2.1 ip4:60.130.71.1 include:_spf.provider.test mx -all") }() },
              facts: { DomainFacts(observed: observed([source("60.130.71.1")])) }),
        .init(name: "dmarc.spoofing: an approved host's addresses are unanswered",
              open: E.finding(.dmarcSpoofing, "spoofing"),
              unknown: E.timeout("relay.example.test"),
              fixed: { E.healthy { $0.add(try! DomainName("relay.example.test"), .a(IPv4Address("192.0.2.77")!)) }() },
              facts: { DomainFacts(approved: [ApprovedSender(kind: .host, value: "relay.example.test")],
                                   observed: observed([source("192.0.2.77", dkim: 0, dmarcFail: 5)])) }),
        .init(name: "inventory.stale: the approved include's subtree is unanswered",
              open: E.finding(.inventoryStale, "include:_spf.provider.test"),
              unknown: E.timeout("_spf.provider.test"), fixed: { E.healthy() },
              facts: { DomainFacts(approved: [ApprovedSender(kind: .include, value: "_spf.provider.test")],
                                   observed: observed([source("198.51.100.5", lastDay: "2026-11-29")], staleBefore: "2026-10-31")) }),
        .init(name: "spf.flattened-stale: the provider behind the copy is unanswered",
              open: E.finding(.spfFlattenedStale, "_spf.old.test"),
              unknown: E.timeout("_spf.old.test"),
              fixed: { E.healthy { $0.add("_spf.old.test", txt: "v=spf1 ip4:203.0.113.0/24 -all") }() },
              facts: { DomainFacts(approved: [ApprovedSender(kind: .include, value: "_spf.old.test")],
                                   flattened: [FlattenedCopy(include: "_spf.old.test", networks: [CIDRNetwork("203.0.113.0/24")!],
                                                             subRecordTerms: [], flattenedAt: 1_790_000_000)]) }),
    ]

    @Test(arguments: cases)
    func unknownEvidenceKeepsTheFindingAsItWas(_ c: EvidenceCoverageTests.Case) async throws {
        var facts = c.facts()
        facts.openFindings = [StoredFinding(finding: c.open, firstSeenAt: 1)]
        let assessment = await E.assess(c.unknown(), facts)
        #expect(assessment.transitions.undetermined == [c.open.fingerprint], "\(c.name): \(assessment.transitions)")
        #expect(assessment.transitions.resolved.isEmpty)
        #expect(!assessment.findings.contains { $0.kind == c.open.kind }, "nothing of the kind opens on unknown evidence")
    }

    @Test(arguments: cases)
    func knownEvidenceResolvesIt(_ c: EvidenceCoverageTests.Case) async throws {
        var facts = c.facts()
        facts.openFindings = [StoredFinding(finding: c.open, firstSeenAt: 1)]
        let assessment = await E.assess(c.fixed(), facts)
        #expect(assessment.transitions.resolved == [c.open.fingerprint], "\(c.name): \(assessment.transitions) \(assessment.findings.map(\.fingerprint))")
    }
}
