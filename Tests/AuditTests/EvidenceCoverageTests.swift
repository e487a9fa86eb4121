import Audit
import DNSCore
import SPF
import TestSupport
import Testing

/// For every finding kind: with the evidence it rests on unanswered, an open finding of that kind stays open
/// as it was (neither resolved nor touched) and nothing opens; with the evidence answered and the problem
/// gone, it resolves. Each case is a zone (in memory, with names marked as timing out) and stored facts.
@Suite struct EvidenceCoverageTests {
    static let domain = "example.test"

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        /// The open finding (kind, subject, evidence).
        var open: Finding
        /// The zone in which the finding's evidence is unanswered.
        var unknown: @Sendable () -> MemoryZone
        /// The zone in which the evidence answers and the problem is gone.
        var fixed: @Sendable () -> MemoryZone
        var facts: @Sendable () -> DomainFacts = { DomainFacts() }
        var description: String { name }
    }

    static func finding(_ kind: FindingKind, _ subject: String? = nil, evidence: [String: String] = [:]) -> Finding {
        Finding(kind: kind, severity: .warning, domain: domain, subject: subject, message: "stored", evidence: evidence)
    }

    /// A healthy zone: SPF with an include and mx, DMARC with an internal destination.
    static func healthy() -> MemoryZone {
        var zone = MemoryZone()
        zone.add(domain, txt: "v=spf1 ip4:192.0.2.1 include:_spf.provider.test mx -all")
        zone.add("_spf.provider.test", txt: "v=spf1 ip4:198.51.100.0/24 -all")
        zone.add(try! DomainName(domain), .mx(preference: 10, exchange: try! DomainName("mx.example.test")))
        zone.add(try! DomainName("mx.example.test"), .a(IPv4Address("192.0.2.25")!))
        zone.add("_dmarc.\(domain)", txt: "v=DMARC1; p=reject; rua=mailto:d@example.test")
        zone.touch(try! DomainName("_dmarc.test"))
        return zone
    }

    static func healthy(_ change: (inout MemoryZone) -> Void) -> @Sendable () -> MemoryZone {
        var zone = healthy()
        change(&zone)
        let built = zone
        return { built }
    }

    static func timeout(_ names: String...) -> @Sendable () -> MemoryZone {
        healthy { zone in for name in names { zone.addTimeout(try! DomainName(name)) } }
    }

    static let approved = [ApprovedSender(kind: .ip, value: "192.0.2.1"), ApprovedSender(kind: .include, value: "_spf.provider.test"),
                           ApprovedSender(kind: .mx, value: domain)]

    static let cases: [Case] = [
        Case(name: "spf.missing: own SPF unanswered", open: finding(.spfMissing),
             unknown: timeout(domain), fixed: { healthy() }),
        Case(name: "spf.syntax in an include whose record is unanswered",
             open: finding(.spfSyntax, "ip4:bad", evidence: ["recordDomain": "_spf.provider.test"]),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "spf.broken-include whose target is unanswered",
             open: finding(.spfBrokenInclude, "include:_spf.provider.test", evidence: ["recordDomain": "_spf.provider.test"]),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "spf.ptr in the own record, own record unanswered", open: finding(.spfPTR, "ptr"),
             unknown: timeout(domain), fixed: { healthy() }),
        Case(name: "spf.permissive-all, own record unanswered", open: finding(.spfPermissiveAll, "+all"),
             unknown: timeout(domain), fixed: { healthy() }),
        Case(name: "spf.no-all, own record unanswered", open: finding(.spfNoAll), unknown: timeout(domain), fixed: { healthy() }),
        Case(name: "spf.too-long, own record unanswered", open: finding(.spfTooLong, "too-long"),
             unknown: timeout(domain), fixed: { healthy() }),
        Case(name: "spf.multiple, own record unanswered", open: finding(.spfMultiple), unknown: timeout(domain), fixed: { healthy() }),
        Case(name: "spf.lookup-limit with a subtree unanswered (a lower bound resolves nothing)", open: finding(.spfLookupLimit, "limit"),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "spf.lookup-limit headroom with a subtree unanswered", open: finding(.spfLookupLimit, "headroom"),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "spf.void-limit with the MX host unanswered", open: finding(.spfVoidLimit),
             unknown: timeout("mx.example.test"), fixed: { healthy() }),
        Case(name: "spf.redundant with a subtree unanswered", open: finding(.spfRedundant, "overlapping-networks ip4:192.0.2.1"),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "spf.include-loop with a subtree unanswered", open: finding(.spfIncludeLoop, "include:_spf.provider.test"),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "spf.mx-limit with the MX set unanswered", open: finding(.spfMXLimit, "mx"),
             unknown: healthy { $0.addTimeout(try! DomainName(domain)); $0.add(domain, txt: "v=spf1 mx -all") }, fixed: { healthy() }),
        Case(name: "spf.dns-error with a subtree unanswered", open: finding(.spfDNSError, "include:_spf.provider.test"),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "spf.all-weaker-than-expected with the redirect target unanswered", open: finding(.spfAllQualifier),
             unknown: healthy { zone in
                 zone.replaceTXT(domain, "v=spf1 redirect=_spf.provider.test")
                 zone.addTimeout(try! DomainName("_spf.provider.test"))
             }, fixed: { healthy() }, facts: { DomainFacts(expectations: Expectations(spfAll: "-")) }),
        Case(name: "spf.unapproved-authorization of mx with the MX set unanswered", open: finding(.spfUnapprovedAuthorization, "mx"),
             unknown: healthy { zone in
                 zone.replaceTXT(domain, "v=spf1 ip4:192.0.2.1 mx -all")
                 zone.addTimeout(try! DomainName("mx.example.test"))
             }, fixed: { healthy { $0.replaceTXT(domain, "v=spf1 ip4:192.0.2.1 -all") }() },
             facts: { DomainFacts(approved: [ApprovedSender(kind: .ip, value: "192.0.2.1")]) }),
        Case(name: "spf.sender-unauthorized for an address whose check met a timeout", open: finding(.spfSenderUnauthorized, "ip:192.0.2.9"),
             unknown: timeout("_spf.provider.test"),
             fixed: { healthy { $0.replaceTXT(domain, "v=spf1 ip4:192.0.2.1 ip4:192.0.2.9 include:_spf.provider.test mx -all") }() },
             facts: { DomainFacts(approved: approved + [ApprovedSender(kind: .ip, value: "192.0.2.9")]) }),
        Case(name: "spf.sender-unauthorized for an include while the tree is incomplete",
             open: finding(.spfSenderUnauthorized, "include:_spf.other.test"),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }, facts: { DomainFacts(approved: approved) }),
        Case(name: "inventory.sender-unresolvable with the host unanswered",
             open: finding(.inventorySenderUnresolvable, "host:relay.example.test"),
             unknown: timeout("relay.example.test"),
             fixed: { healthy { $0.add(try! DomainName("relay.example.test"), .a(IPv4Address("192.0.2.1")!)) }() },
             facts: { DomainFacts(approved: [ApprovedSender(kind: .host, value: "relay.example.test")]) }),
        Case(name: "dmarc.missing with _dmarc unanswered", open: finding(.dmarcMissing),
             unknown: timeout("_dmarc.\(domain)"), fixed: { healthy() }),
        Case(name: "dmarc.invalid with _dmarc unanswered", open: finding(.dmarcInvalid, "p"),
             unknown: timeout("_dmarc.\(domain)"), fixed: { healthy() }),
        Case(name: "dmarc.multiple with the parent's _dmarc unanswered", open: finding(.dmarcMultiple),
             unknown: healthy { zone in
                 zone.replaceTXT("_dmarc.\(domain)", "nothing here")
                 zone.addTimeout(try! DomainName("_dmarc.test"))
             }, fixed: { healthy() }),
        Case(name: "dmarc.monitoring-only with _dmarc unanswered", open: finding(.dmarcMonitoringOnly),
             unknown: timeout("_dmarc.\(domain)"), fixed: { healthy() }),
        Case(name: "dmarc.weaker-than-expected with _dmarc unanswered", open: finding(.dmarcWeakerThanExpected),
             unknown: timeout("_dmarc.\(domain)"), fixed: { healthy() }),
        Case(name: "dmarc.record-warning with _dmarc unanswered", open: finding(.dmarcRecordWarning, "no-rua"),
             unknown: timeout("_dmarc.\(domain)"), fixed: { healthy() }),
        Case(name: "dmarc.dns-error with _dmarc unanswered", open: finding(.dmarcDNSError, "_dmarc.\(domain)"),
             unknown: timeout("_dmarc.\(domain)"), fixed: { healthy() }),
        Case(name: "dmarc.rua-unauthorized with the authorization unanswered", open: finding(.dmarcRUAUnauthorized, "mailto:r@vendor.test"),
             unknown: healthy { zone in
                 zone.replaceTXT("_dmarc.\(domain)", "v=DMARC1; p=reject; rua=mailto:r@vendor.test")
                 zone.addTimeout(try! DomainName("\(domain)._report._dmarc.vendor.test"))
             },
             fixed: { healthy { zone in
                 zone.replaceTXT("_dmarc.\(domain)", "v=DMARC1; p=reject; rua=mailto:r@vendor.test")
                 zone.add("\(domain)._report._dmarc.vendor.test", txt: "v=DMARC1")
             }() }),
        Case(name: "dmarc.rua-unauthorized while the Organizational Domain is unanswered",
             open: finding(.dmarcRUAUnauthorized, "mailto:r@vendor.test"),
             unknown: healthy { zone in
                 zone.replaceTXT("_dmarc.\(domain)", "v=DMARC1; p=reject; rua=mailto:r@vendor.test")
                 zone.addTimeout(try! DomainName("_dmarc.test"))
             },
             fixed: { healthy { zone in
                 zone.replaceTXT("_dmarc.\(domain)", "v=DMARC1; p=reject; rua=mailto:r@vendor.test")
                 zone.add("\(domain)._report._dmarc.vendor.test", txt: "v=DMARC1")
             }() }),
        Case(name: "record.changed of SPF with the own SPF unanswered", open: finding(.recordChanged, "spf@0123456789abcdef"),
             unknown: timeout(domain), fixed: { healthy() }),
        Case(name: "record.changed of DMARC with _dmarc unanswered", open: finding(.recordChanged, "dmarc@0123456789abcdef"),
             unknown: timeout("_dmarc.\(domain)"), fixed: { healthy() }),
        Case(name: "provider.changed with the provider unanswered", open: finding(.providerChanged, "_spf.provider.test@0123456789abcdef"),
             unknown: timeout("_spf.provider.test"), fixed: { healthy() }),
        Case(name: "dns.unreachable with the own records unanswered (below the threshold again)", open: finding(.dnsUnreachable),
             unknown: timeout(domain, "_dmarc.\(domain)"), fixed: { healthy() }),
    ]

    static func assess(_ zone: MemoryZone, _ facts: DomainFacts) async -> DomainAssessment {
        await DomainAssessor(resolver: ZoneResolver(zone)).assess(try! DomainName(domain), facts: facts)
    }

    @Test(arguments: cases + DKIMCoverageTests.cases + TransportCoverageTests.cases)
    func unknownEvidenceKeepsTheFindingAsItWas(_ c: Case) async throws {
        var facts = c.facts()
        facts.openFindings = [StoredFinding(finding: c.open, firstSeenAt: 1)]
        let assessment = await Self.assess(c.unknown(), facts)
        let transitions = assessment.transitions
        #expect(transitions.undetermined == [c.open.fingerprint], "\(c.name): \(transitions)")
        #expect(transitions.resolved.isEmpty && transitions.stillOpen.isEmpty)
        #expect(!assessment.unknownParts.isEmpty, "the assessment names the unknown part")
    }

    @Test(arguments: cases + DKIMCoverageTests.cases + TransportCoverageTests.cases)
    func knownEvidenceResolvesIt(_ c: Case) async throws {
        var facts = c.facts()
        facts.openFindings = [StoredFinding(finding: c.open, firstSeenAt: 1)]
        let assessment = await Self.assess(c.fixed(), facts)
        #expect(assessment.unknownParts.isEmpty, "\(c.name): \(assessment.unknownParts.map(\.label))")
        #expect(assessment.transitions.resolved == [c.open.fingerprint], "\(c.name): \(assessment.transitions)")
    }

    @Test func coverageNamesEveryKind() {
        // Every kind the judge can produce has a case above (or is dns.temporary, which is never stored).
        // The DNSSEC and DANE kinds need a validator: DNSSECStatusTests and DANETests cover them the same way.
        let covered = Set((Self.cases + ObservedCoverageTests.cases + DKIMCoverageTests.cases + TransportCoverageTests.cases
                           + MXCoverageTests.cases).map(\.open.kind))
        let kinds: [FindingKind] = [.spfMissing, .spfMultiple, .spfSyntax, .spfLookupLimit, .spfVoidLimit, .spfBrokenInclude,
                                    .spfPermissiveAll, .spfNoAll, .spfPTR, .spfTooLong, .spfRedundant, .spfSenderUnauthorized,
                                    .spfUnapprovedAuthorization, .spfAllQualifier, .spfIncludeLoop, .spfMXLimit, .spfDNSError,
                                    .inventorySenderUnresolvable, .dmarcMissing, .dmarcInvalid, .dmarcMultiple,
                                    .dmarcMonitoringOnly, .dmarcWeakerThanExpected, .dmarcRecordWarning, .dmarcRUAUnauthorized,
                                    .dmarcDNSError, .dnsUnreachable, .recordChanged, .providerChanged, .spfFlattenedStale,
                                    .spfObservedUnauthorized, .dmarcSpoofing, .inventoryStale, .dkimKeyMissing,
                                    .dkimKeyRevoked, .dkimKeyTooSmall, .dkimWeakKey, .dkimSHA1Only, .dkimTesting, .dkimSyntax,
                                    .dkimOrphanedKey, .mtaSTSRecordWithoutPolicy, .mtaSTSPolicyWithoutRecord, .mtaSTSMissing,
                                    .mtaSTSSyntax, .mtaSTSMXNotCovered, .mtaSTSWeakerThanExpected, .mtaSTSIDUnchanged,
                                    .mtaSTSCertificateExpiring, .mtaSTSMaxAge, .tlsRPTSyntax, .tlsRPTMissing, .bimiSyntax, .bimiMissing,
                                    .bimiDMARCNotEnforced, .bimiLogoUnavailable, .bimiLogoInvalid, .bimiCertificateInvalid,
                                    .bimiCertificateExpiring, .mxImplicit, .mxNullOnSendingDomain, .mxNullMixed, .mxCNAME,
                                    .mxIPLiteral, .mxHostWithoutAddress]
        #expect(Set(kinds).subtracting(covered).isEmpty, "\(Set(kinds).subtracting(covered))")
    }
}
