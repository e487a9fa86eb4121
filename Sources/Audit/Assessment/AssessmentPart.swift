import DMARC
import DNSCore
import SPF

/// One part of a domain's assessment and what is known of it. `id` is stable for the JSON documents:
/// `spf.record`, `spf.include:NAME`, `spf.addresses:TERM@HOLDER`, `spf.lookups`, `dmarc.record`,
/// `dmarc.policy`, `dmarc.organizational-domain`, `dmarc.destination:URI`, `sender:KIND:VALUE`, `ip:ADDRESS`,
/// `observed:ADDRESS`, `flattened:INCLUDE`, `dkim:SELECTOR._domainkey.DOMAIN`, `mx.set`, `mx.host:HOST`,
/// `dnssec:NAME/TYPE`, `dane:HOST`.
public struct AssessmentPart: Sendable, Hashable {
    public var id: String
    /// What the part is, in words: "the SPF record of example.com".
    public var label: String
    public var verdict: PartVerdict

    public init(id: String, label: String, verdict: PartVerdict) {
        self.id = id; self.label = label; self.verdict = verdict
    }
}

/// The parts of an assessment, in a stable order: SPF, DMARC, senders, observed sources, flattened copies.
enum AssessmentParts {
    static func list(_ o: DomainObservation, observed: ObservedJudge.Outcome, flattenedUnknown: [String: DNSFailure]) -> [AssessmentPart] {
        spf(o.spf, domain: o.domain) + dmarc(o) + senders(o) + observedParts(o, observed) + flattened(o, flattenedUnknown)
            + dkim(o) + transport(o) + dnssec(o)
    }

    static func dnssec(_ o: DomainObservation) -> [AssessmentPart] {
        let dane = o.dane.compactMap { host -> AssessmentPart? in
            guard case .unknown(let failure) = host.tlsa else { return nil }
            return AssessmentPart(id: "dane:\(host.host.key)", label: "the TLSA records at \(host.name)", verdict: .unknown(failure))
        }
        return dane + o.dnssec.map { check in
            let verdict: PartVerdict
            if case .indeterminate(let cause) = check.status {
                verdict = .unknown(DNSFailure(.network, name: check.name, type: check.type, detail: "DNSSEC: \(cause)"))
            } else {
                verdict = .known
            }
            return AssessmentPart(id: "dnssec:\(check.id)", label: "the DNSSEC status of \(check.role) (\(check.name) \(check.type))",
                                  verdict: verdict)
        }
    }

    static func transport(_ o: DomainObservation) -> [AssessmentPart] {
        guard o.transportRead else { return [] }
        let t = o.transport, d = o.domain.text
        var parts = [AssessmentPart(id: "mta-sts.record", label: "the MTA-STS record at _mta-sts.\(d)", verdict: t.mtaSTS.verdict)]
        if case .notRead = t.policy {} else {
            parts.append(AssessmentPart(id: "mta-sts.policy", label: "the MTA-STS policy of \(d)", verdict: t.policyVerdict))
        }
        if let mx = t.mailExchangers {
            parts.append(AssessmentPart(id: "mx.set", label: "the MX records of \(d)", verdict: mx.verdict))
            for host in mx.hosts where host.isUnknown {
                parts.append(AssessmentPart(id: "mx.host:\(host.host.key)", label: "the addresses of the mail host \(host.host)",
                                            verdict: .unknown(host.failure!)))
            }
        } else if case .failure(let failure)? = t.mx, failure.isTemporary {
            parts.append(AssessmentPart(id: "mx.set", label: "the MX records of \(d)", verdict: .unknown(failure)))
        }
        parts.append(AssessmentPart(id: "tlsrpt.record", label: "the TLS-RPT record at _smtp._tls.\(d)", verdict: t.tlsRPT.verdict))
        parts.append(AssessmentPart(id: "bimi.record", label: "the BIMI record at default._bimi.\(d)", verdict: t.bimi.verdict))
        for (id, label, asset) in [("bimi.logo", "the BIMI logo of \(d)", t.logo.map { $0.isUnknown ? $0.reason : nil }),
                                   ("bimi.certificate", "the BIMI mark certificate of \(d)", t.markCertificate.map { $0.isUnknown ? $0.reason : nil })] {
            guard let asset else { continue }
            parts.append(AssessmentPart(id: id, label: label,
                                        verdict: asset.map { PartVerdict.unknown(DNSFailure(.network, detail: $0)) } ?? .known))
        }
        return parts
    }

    static func dkim(_ o: DomainObservation) -> [AssessmentPart] {
        o.dkimKeys.map { lookup in
            AssessmentPart(id: "dkim:\(lookup.name)", label: "the DKIM key of selector \(lookup.facts.selector) at \(lookup.name)",
                           verdict: lookup.verdict)
        }
    }

    static func spf(_ spf: SPFAnalysis, domain: DomainName) -> [AssessmentPart] {
        var parts: [AssessmentPart] = []
        let top = spf.recordVerdict
        parts.append(AssessmentPart(id: "spf.record", label: "the SPF record of \(domain)", verdict: top))
        guard !top.isUnknown else { return parts }
        for node in (spf.tree?.descendants ?? []).dropFirst() {
            let unknown = spf.unknownParts.first { $0.kind == .record && $0.name.lowercased() == node.domain.lowercased() }
            let verdict: PartVerdict = unknown.map { .unknown($0.cause) }
                ?? (node.verdict == "impossible" ? .impossible(node.error ?? "cannot be evaluated") : .known)
            parts.append(AssessmentPart(id: "spf.include:\(node.domain.lowercased())",
                                        label: "the SPF record of \(node.domain) (\(node.via ?? "included"))", verdict: verdict))
        }
        for part in spf.unknownParts where part.kind == .addresses {
            parts.append(AssessmentPart(id: "spf.addresses:\(part.term ?? "")@\((part.holder ?? "").lowercased())",
                                        label: part.label, verdict: .unknown(part.cause)))
        }
        let lookups: PartVerdict = spf.dnsLookupsAreLowerBound
            ? .unknown(spf.unknownParts.first { $0.kind == .record }!.cause) : .known
        parts.append(AssessmentPart(id: "spf.lookups", label: spf.dnsLookupsAreLowerBound
                                        ? "the DNS lookup count (at least \(spf.dnsLookups))" : "the DNS lookup count (\(spf.dnsLookups))",
                                    verdict: lookups))
        return parts
    }

    static func dmarc(_ o: DomainObservation) -> [AssessmentPart] {
        let dmarc = o.dmarc
        let own = "_dmarc.\(o.domain)"
        var parts = [AssessmentPart(id: "dmarc.record", label: "the DMARC record at \(own)",
                                    verdict: o.ownDMARCUnknown.map(PartVerdict.unknown) ?? .known)]
        parts.append(AssessmentPart(id: "dmarc.policy", label: "the DMARC policy that applies to \(o.domain)", verdict: dmarc.verdict))
        if dmarc.status != .temperror {
            parts.append(AssessmentPart(id: "dmarc.organizational-domain", label: "the Organizational Domain of \(o.domain)",
                                        verdict: dmarc.organizationalDomainVerdict))
        }
        for auth in o.reportAuthorizations {
            let label = auth.external ? "the authorization of \(auth.uri) (\(auth.queried ?? auth.host))" : "the report destination \(auth.uri)"
            parts.append(AssessmentPart(id: "dmarc.destination:\(auth.uri)", label: label, verdict: auth.verdict))
        }
        return parts
    }

    static func senders(_ o: DomainObservation) -> [AssessmentPart] {
        var parts: [AssessmentPart] = []
        for check in o.senderChecks where check.sender == nil {
            parts.append(AssessmentPart(id: "ip:\(check.ip)", label: "SPF for \(check.ip)", verdict: check.evaluation.verdict))
        }
        for expanded in o.expandedSenders {
            let sender = expanded.sender
            var verdict = PartVerdict.known
            if let failure = expanded.failure {
                verdict = .unknown(failure)
            } else if let cause = o.senderChecks.first(where: { $0.sender?.key == sender.key && $0.evaluation.unknownCause != nil })?
                        .evaluation.unknownCause {
                verdict = .unknown(cause)
            } else if sender.kind == .include, !o.spf.isComplete,
                      !(o.spf.tree?.descendants.contains { $0.via != nil && $0.domain.lowercased() == sender.value.lowercased() } ?? false),
                      let part = o.spf.unknownParts.first {
                verdict = .unknown(part.cause)
            }
            parts.append(AssessmentPart(id: "sender:\(sender.key)", label: "the approved sender \(InventoryFindings.describe(sender))",
                                        verdict: verdict))
        }
        return parts
    }

    static func observedParts(_ o: DomainObservation, _ observed: ObservedJudge.Outcome) -> [AssessmentPart] {
        o.observedChecks.keys.sorted().map { ip in
            let verdict = observed.unknownSources[ip].map(PartVerdict.unknown) ?? .known
            return AssessmentPart(id: "observed:\(ip)", label: "SPF now for the observed source \(ip)", verdict: verdict)
        }
    }

    static func flattened(_ o: DomainObservation, _ unknown: [String: DNSFailure]) -> [AssessmentPart] {
        Set(o.providerReadings.keys).union(unknown.keys).sorted().map { include in
            let verdict: PartVerdict = unknown[include].map(PartVerdict.unknown) ?? .known
            return AssessmentPart(id: "flattened:\(include)", label: "the provider \(include) behind a flattened copy", verdict: verdict)
        }
    }
}
