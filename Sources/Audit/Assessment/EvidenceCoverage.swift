import DNSCore
import SPF

/// Which findings this assessment could have seen. A finding open before and not seen now resolves only
/// when the evidence it rests on was known in this assessment; otherwise it stays open as it was (no
/// resolution, no alert, last seen not moved). One rule per finding kind, from the parts it depends on.
public struct EvidenceCoverage: Sendable {
    let domain: String
    /// The domain's own SPF record was answered (found, absent, or unusable for good).
    let spfTop: Bool
    /// Every record and address of the SPF tree was answered.
    let spfComplete: Bool
    /// The top record and the redirect chain that stands in for it were answered.
    let spfChain: Bool
    /// Records of the tree that were answered, lower-cased.
    let spfRecords: Set<String>
    /// `term|holder` of every term whose target went unanswered, lower-cased.
    let spfUnknownTerms: Set<String>
    /// Top-level providers whose subtree went unanswered.
    let unknownProviders: Set<String>
    let dmarc: Bool
    /// Report destinations whose authorization is unknown, by URI.
    let unknownDestinations: Set<String>
    /// Approved senders (by key) and `--ip` addresses whose check met a temporary failure.
    let unknownSenders: Set<String>
    let unknownObservedSources: Set<String>
    let unknownSightings: Set<String>
    let observedClassification: Bool
    let unknownFlattened: Set<String>
    /// Some of the domain's own records (SPF, `_dmarc`) answered: what `dns.unreachable` is about.
    let ownRecords: Bool
    /// DKIM key names whose lookup went unanswered, lower-cased.
    let unknownDKIMKeys: Set<String>
    /// Transport parts answered: the MTA-STS record, its policy, the MX hosts, TLS-RPT, BIMI.
    let mtaSTSRecord: Bool, mtaSTSPolicy: Bool, mx: Bool, tlsRPT: Bool, bimi: Bool, logo: Bool, markCertificate: Bool
    /// The MX set was answered (or not read at all); hosts (and the domain itself, under the implicit MX) whose
    /// addresses went unanswered, lower-cased.
    let mxSet: Bool
    let unknownMXHosts: Set<String>
    /// Answers (`NAME/TYPE`) whose DNSSEC status is indeterminate; `dnssecRan` when any was validated.
    let unknownDNSSEC: Set<String>
    let dnssecRan: Bool
    /// MX hosts whose TLSA set, or its DNSSEC status or their addresses', went unanswered, lower-cased.
    let unknownDANEHosts: Set<String>

    /// True when everything was answered: nothing stays open for lack of evidence.
    public var isComplete: Bool {
        spfTop && spfComplete && dmarc && unknownDestinations.isEmpty && unknownSenders.isEmpty
            && unknownObservedSources.isEmpty && unknownSightings.isEmpty && observedClassification && unknownFlattened.isEmpty
            && unknownDKIMKeys.isEmpty && mtaSTSRecord && mtaSTSPolicy && mx && tlsRPT && bimi && logo && markCertificate
            && mxSet && unknownMXHosts.isEmpty && unknownDNSSEC.isEmpty && unknownDANEHosts.isEmpty
    }

    /// Whether the absence of this finding now is conclusive.
    public func covers(_ finding: Finding) -> Bool {
        let subject = finding.subject ?? ""
        switch finding.kind {
        case .spfMissing:
            return spfTop
        case .spfMultiple, .spfSyntax, .spfPTR, .spfPermissiveAll, .spfTooLong, .spfBrokenInclude, .spfNoAll:
            return spfRecordKnown(finding.evidence["recordDomain"] ?? domain)
        case .spfLookupLimit, .spfVoidLimit, .spfRedundant, .spfIncludeLoop, .spfMXLimit, .spfDNSError:
            return spfTop && spfComplete
        case .spfAllQualifier:
            return spfChain
        case .spfUnapprovedAuthorization:
            return spfTop && !spfUnknownTerms.contains("\(subject.lowercased())|\(domain.lowercased())")
        case .spfSenderUnauthorized:
            if subject.lowercased().hasPrefix("include:") { return spfTop && spfComplete }
            return spfTop && !unknownSenders.contains(subject.lowercased())
        case .inventorySenderUnresolvable:
            return !unknownSenders.contains(subject.lowercased())
        case .spfFlattenedStale:
            return spfTop && !unknownFlattened.contains(subject.lowercased())
        case .spfObservedUnauthorized:
            return spfTop && observedClassification && !unknownObservedSources.contains(subject)
        case .dmarcSpoofing:
            return observedClassification
        case .inventoryStale:
            return !unknownSightings.contains(subject.lowercased())
        case .dmarcMissing, .dmarcInvalid, .dmarcMultiple, .dmarcMonitoringOnly, .dmarcWeakerThanExpected,
             .dmarcRecordWarning, .dmarcDNSError:
            return dmarc
        case .dmarcRUAUnauthorized:
            return dmarc && !unknownDestinations.contains(subject)
        case .dkimKeyMissing, .dkimKeyRevoked, .dkimKeyTooSmall, .dkimWeakKey, .dkimSHA1Only, .dkimTesting, .dkimSyntax,
             .dkimOrphanedKey:
            // A selector no longer known is not looked up: its findings resolve.
            return !unknownDKIMKeys.contains(subject.lowercased())
        case .dkimUnaligned, .tlsrptFailures:
            // From the reports alone; no DNS answer is involved.
            return true
        case .mtaSTSMissing, .mtaSTSPolicyWithoutRecord:
            return mtaSTSRecord && mtaSTSPolicy
        case .mtaSTSSyntax:
            return subject == "policy" ? mtaSTSRecord && mtaSTSPolicy : mtaSTSRecord
        case .mtaSTSRecordWithoutPolicy, .mtaSTSWeakerThanExpected, .mtaSTSCertificateExpiring, .mtaSTSMaxAge, .mtaSTSIDUnchanged:
            return mtaSTSRecord && mtaSTSPolicy
        case .mtaSTSMXNotCovered:
            return mtaSTSRecord && mtaSTSPolicy && mx
        case .tlsRPTSyntax, .tlsRPTMissing:
            return tlsRPT && mtaSTSRecord
        case .bimiSyntax, .bimiMissing:
            return bimi
        case .bimiDMARCNotEnforced:
            return bimi && dmarc
        case .bimiLogoUnavailable, .bimiLogoInvalid:
            return bimi && logo
        case .bimiCertificateInvalid, .bimiCertificateExpiring:
            return bimi && markCertificate
        case .mxNullMixed, .mxIPLiteral:
            return mxSet
        case .mxNullOnSendingDomain:
            return mxSet && spfTop
        case .mxImplicit:
            return mxSet && !unknownMXHosts.contains(domain.lowercased()) && spfTop
        case .mxCNAME, .mxHostWithoutAddress:
            return mxSet && !unknownMXHosts.contains(subject.lowercased())
        case .dnssecBogus:
            // No validation (turned off) resolves what it found.
            return !unknownDNSSEC.contains(subject.lowercased())
        case .daneSyntax, .daneUnusable, .daneInsecure:
            return mxSet && !unknownDANEHosts.contains(subject.lowercased())
        case .dnssecDSMismatch, .dnssecSignatureExpiring:
            return unknownDNSSEC.isEmpty
        case .recordChanged:
            if subject.hasPrefix("dnssec@") { return dnssecRan && unknownDNSSEC.isEmpty }
            if subject.hasPrefix("mx@") { return mxSet }
            if subject.hasPrefix("mta-sts-policy@") { return mtaSTSRecord && mtaSTSPolicy }
            if subject.hasPrefix("mta-sts@") { return mtaSTSRecord }
            if subject.hasPrefix("tlsrpt@") { return tlsRPT }
            if subject.hasPrefix("bimi@") { return bimi }
            if subject.hasPrefix("dkim:") {
                return !unknownDKIMKeys.contains(String(subject.dropFirst(5).split(separator: "@").first ?? "").lowercased())
            }
            return subject.hasPrefix("dmarc@") ? dmarc : spfTop
        case .providerChanged:
            let provider = subject.split(separator: "@").dropLast().joined(separator: "@").lowercased()
            return spfTop && !unknownProviders.contains(provider)
        case .dnsUnreachable:
            return ownRecords
        default:
            return isComplete
        }
    }

    /// A record-local finding can be judged when that record was read, or when the whole tree was read and the
    /// record is no longer part of it.
    func spfRecordKnown(_ name: String) -> Bool {
        spfTop && (spfRecords.contains(name.lowercased()) || spfComplete)
    }
}

extension EvidenceCoverage {
    /// The coverage of an observation, with what the observed and flattened judges could not tell.
    init(_ o: DomainObservation, observed: ObservedJudge.Outcome, flattenedUnknown: [String: DNSFailure]) {
        let spf = o.spf
        domain = o.domain.text
        spfTop = spf.topRecordUnknown == nil
        spfComplete = spf.isComplete
        spfChain = spfTop && !spf.unknownParts.contains { $0.kind == .record && ($0.term?.lowercased().hasPrefix("redirect=") ?? false) }
        spfRecords = Set((spf.tree?.descendants ?? []).filter { $0.verdict != "unknown" }.map { $0.domain.lowercased() })
        spfUnknownTerms = Set(spf.unknownParts.compactMap { part in
            part.term.map { "\($0.lowercased())|\((part.holder ?? "").lowercased())" }
        })
        var providers: Set<String> = []
        for child in spf.tree?.children ?? [] where child.via != nil {
            let subtree = Set(child.descendants.map { $0.domain.lowercased() })
            if spf.unknownParts.contains(where: { subtree.contains($0.name.lowercased()) || subtree.contains(($0.holder ?? "").lowercased()) }) {
                providers.insert(child.domain.lowercased())
            }
        }
        unknownProviders = providers
        dmarc = !o.dmarc.verdict.isUnknown
        unknownDestinations = Set(o.reportAuthorizations.filter { $0.verdict.isUnknown }.map(\.uri))
        var senders: Set<String> = []
        for expanded in o.expandedSenders where expanded.temporary { senders.insert(expanded.sender.key) }
        for check in o.senderChecks where check.evaluation.unknownCause != nil {
            senders.insert(check.sender?.key ?? check.ip.description)
        }
        unknownSenders = senders
        unknownObservedSources = Set(observed.unknownSources.keys)
        unknownSightings = Set(observed.unknownSightings.keys)
        observedClassification = observed.classificationUnknown == nil
        unknownFlattened = Set(flattenedUnknown.keys)
        ownRecords = o.ownRecordsUnanswered == nil
        unknownDKIMKeys = Set(o.dkimKeys.filter { $0.verdict.isUnknown }.map(\.name))
        // Records not read at all (`--no-transport`) are no evidence: nothing resting on them may resolve.
        let t = o.transport, read = o.transportRead
        mtaSTSRecord = read && !t.mtaSTS.verdict.isUnknown
        mtaSTSPolicy = read && !t.policyVerdict.isUnknown
        mx = read && !(t.mx.map { if case .failure(let f) = $0 { f.isTemporary } else { false } } ?? false)
        tlsRPT = read && !t.tlsRPT.verdict.isUnknown
        bimi = read && !t.bimi.verdict.isUnknown
        logo = read && !(t.logo?.isUnknown ?? false)
        markCertificate = read && !(t.markCertificate?.isUnknown ?? false)
        mxSet = read && !(t.mailExchangers?.verdict.isUnknown ?? false)
        unknownMXHosts = Set((t.mailExchangers?.hosts ?? []).filter(\.isUnknown).map(\.host.key))
        unknownDNSSEC = Set(o.dnssec.filter(\.status.isIndeterminate).map { $0.id.lowercased() })
        dnssecRan = !o.dnssec.isEmpty
        unknownDANEHosts = Set(o.dane.filter { host in
            host.isUnknown || o.dnssec.contains { check in
                check.status.isIndeterminate && (check.name == host.name && check.type == .tlsa || check.name == host.host && check.type == .a)
            }
        }.map(\.host.key))
    }
}
