import Audit
import DNSCore
import TestSupport
import Testing

/// The MTA-STS, TLS-RPT and BIMI finding kinds with the record they rest on unanswered, then answered and
/// fine: the open finding stays as it was, then resolves.
@Suite struct TransportCoverageTests {
    typealias E = EvidenceCoverageTests
    static let domain = E.domain

    static func unknown(_ kind: FindingKind, _ subject: String? = nil, name: String) -> EvidenceCoverageTests.Case {
        .init(name: "\(kind) \(subject ?? ""): \(name) timed out", open: E.finding(kind, subject),
              unknown: E.timeout(name), fixed: { E.healthy { $0.add("_smtp._tls.\(domain)", txt: "v=TLSRPTv1; rua=mailto:t@\(domain)") }() })
    }

    static let sts = "_mta-sts.\(domain)", tls = "_smtp._tls.\(domain)", bimi = "default._bimi.\(domain)"

    static let cases: [EvidenceCoverageTests.Case] = [
        unknown(.mtaSTSRecordWithoutPolicy, name: sts), unknown(.mtaSTSPolicyWithoutRecord, name: sts),
        unknown(.mtaSTSMissing, name: sts), unknown(.mtaSTSSyntax, "record", name: sts), unknown(.mtaSTSSyntax, "policy", name: sts),
        unknown(.mtaSTSMXNotCovered, "mx1.\(domain)", name: sts), unknown(.mtaSTSWeakerThanExpected, name: sts),
        unknown(.mtaSTSIDUnchanged, name: sts), unknown(.mtaSTSCertificateExpiring, "mta-sts.\(domain)", name: sts),
        unknown(.mtaSTSMaxAge, name: sts), unknown(.tlsRPTSyntax, name: tls), unknown(.tlsRPTMissing, name: tls),
        unknown(.tlsRPTMissing, name: sts), unknown(.bimiSyntax, name: bimi), unknown(.bimiMissing, name: bimi),
        unknown(.bimiDMARCNotEnforced, name: bimi), unknown(.bimiLogoUnavailable, name: bimi), unknown(.bimiLogoInvalid, name: bimi),
        unknown(.bimiCertificateInvalid, name: bimi), unknown(.bimiCertificateExpiring, name: bimi), unknown(.bimiDMARCNotEnforced, name: "_dmarc.\(domain)"),
        unknown(.recordChanged, "mta-sts@0123456789abcdef", name: sts), unknown(.recordChanged, "mta-sts-policy@0123456789abcdef", name: sts),
        unknown(.recordChanged, "tlsrpt@0123456789abcdef", name: tls), unknown(.recordChanged, "bimi@0123456789abcdef", name: bimi),
    ]

    /// Records that were not read at all (`--no-transport`) are no evidence: an open transport or MX finding
    /// neither resolves nor stays open; it is left as it was.
    @Test func recordsNotReadResolveNothing() async {
        for open in [E.finding(.mtaSTSRecordWithoutPolicy), E.finding(.tlsRPTMissing), E.finding(.mxImplicit)] {
            var facts = DomainFacts()
            facts.openFindings = [StoredFinding(finding: open, firstSeenAt: 1)]
            let assessment = await DomainAssessor(resolver: ZoneResolver(E.healthy()), readsTransport: false)
                .assess(try! DomainName(Self.domain), facts: facts)
            #expect(assessment.transitions.undetermined == [open.fingerprint], "\(open.kind): \(assessment.transitions)")
        }
    }

    @Test func aPublishedTLSRPTRecordIsDriftOnlyOnceKnownOnBothSides() async {
        let withRecord = E.healthy { $0.add(Self.tls, txt: "v=TLSRPTv1; rua=mailto:t@\(Self.domain)") }
        let first = await E.assess(E.healthy(), DomainFacts())
        var facts = DomainFacts()
        facts.baseline = first.summary
        let timedOut = await E.assess(E.timeout(Self.tls)(), facts)
        #expect(timedOut.findings.filter { $0.kind == .recordChanged }.isEmpty)
        #expect(timedOut.summary.transportPart("tlsrpt") == .carried)
        let second = await E.assess(withRecord(), facts)
        #expect(second.findings.filter { $0.kind == .recordChanged }.map(\.message) == ["TLS-RPT record of \(Self.domain) published"])
    }
}
