import DNSCore

/// Findings of the MX set: where a domain's mail can be delivered (RFC 5321 section 5.1) and what a null MX
/// says (RFC 7505). An MX set or a host's addresses not answered say nothing (`EvidenceCoverage`).
public enum MXFindings {
    public static func findings(_ o: DomainObservation, facts: DomainFacts) -> [Finding] {
        guard let mx = o.transport.mailExchangers else { return [] }
        let d = o.domain.text
        switch mx.set {
        case .unknown, .impossible:
            return []
        case .none(let nxdomain):
            // Only for domains that send: a parked domain without MX or address is no concern.
            guard !nxdomain, let own = mx.hosts.first, !own.isUnknown, sendingReason(o, facts: facts) != nil else { return [] }
            // No MX and no address: the domain takes no mail at all. Reported only through the MX part (`implicit`,
            // no host address), not as a finding: it is the state of countless sending-only names.
            if own.addresses.isEmpty { return [] }
            return [finding(.mxImplicit, .info, o, nil,
                            "\(d) has no MX record: mail to it goes to its own address (implicit MX, RFC 5321 section 5.1): "
                                + own.addresses.prefix(4).map(\.description).joined(separator: ", "),
                            fix: "publish \(d) MX 10 <your mail host>, or \(d) MX 0 . (null MX) if it receives no mail",
                            evidence: ["addresses": own.addresses.map(\.description).joined(separator: " ")])]
        case .records(let exchanges):
            return nullMX(o, exchanges, facts: facts) + hosts(o, mx)
        }
    }

    static func finding(_ kind: FindingKind, _ severity: Severity, _ o: DomainObservation, _ subject: String?, _ message: String,
                        fix: String?, evidence: [String: String] = [:]) -> Finding {
        Finding(kind: kind, severity: severity, domain: o.domain.text, subject: subject, message: message, evidence: evidence, fix: fix)
    }

    static func nullMX(_ o: DomainObservation, _ exchanges: [MXObservation.Exchange], facts: DomainFacts) -> [Finding] {
        guard exchanges.contains(where: { $0.host == nil }) else { return [] }
        let d = o.domain.text
        let set = exchanges.map(\.text).joined(separator: ", ")
        var found: [Finding] = []
        if exchanges.count > 1 {
            found.append(finding(.mxNullMixed, .error, o, nil,
                                 "\(d) publishes a null MX (0 .) beside other MX records (\(set)): RFC 7505 section 3 forbids it, "
                                    + "and senders may treat the domain as accepting no mail",
                                 fix: "remove the null MX if \(d) receives mail, or every other MX record if it does not",
                                 evidence: ["mx": set]))
        }
        if let reason = sendingReason(o, facts: facts) {
            found.append(finding(.mxNullOnSendingDomain, .error, o, nil,
                                 "\(d) publishes a null MX (it accepts no mail) but sends mail (\(reason)): receivers may reject "
                                    + "its mail, since bounces to it cannot be delivered (RFC 7505 section 4.2)",
                                 fix: "publish an MX record for a host that accepts bounces for \(d)",
                                 evidence: ["mx": set, "sends": reason]))
        }
        return found
    }

    /// Why the domain looks like one that sends mail, or nil: approved senders, observed sources, or an SPF
    /// record that authorizes anything.
    static func sendingReason(_ o: DomainObservation, facts: DomainFacts) -> String? {
        if !facts.approved.isEmpty { return "the monitor file approves \(facts.approved.count) sender(s)" }
        if let sources = facts.observed?.recent.filter({ $0.messages > 0 }), !sources.isEmpty {
            return "the reports show \(sources.count) source(s) sending as it"
        }
        if !o.spf.authorizedNetworks.isEmpty || (o.spf.tree?.children.contains { $0.via != nil } ?? false) {
            return "its SPF record authorizes senders"
        }
        return nil
    }

    static func hosts(_ o: DomainObservation, _ mx: MXObservation) -> [Finding] {
        var found: [Finding] = []
        let named = mx.exchanges.compactMap(\.host)
        for host in named where IPAddress(host.text) != nil {
            found.append(finding(.mxIPLiteral, .error, o, host.key,
                                 "the MX record of \(o.domain) names \(host), an IP address: MX exchanges are host names "
                                    + "(RFC 5321 section 5.1) and senders look it up as one, finding nothing",
                                 fix: "point the MX record at a name, such as mx1.\(o.domain), with an A record \(host)"))
        }
        let readings = mx.hosts.filter { named.contains($0.host) }
        let reachable = readings.contains { !$0.addresses.isEmpty }
        let anyUnknown = readings.contains(where: \.isUnknown)
        for reading in readings {
            if let alias = reading.canonicalName {
                found.append(finding(.mxCNAME, .warning, o, reading.host.key,
                                     "the MX host \(reading.host) is an alias (CNAME to \(alias)): RFC 2181 section 10.3 forbids it, "
                                        + "and some senders refuse to deliver",
                                     fix: "point the MX record at \(alias) itself", evidence: ["target": alias.text]))
            }
            guard !reading.isUnknown, reading.addresses.isEmpty else { continue }
            let none = !reachable && !anyUnknown
            found.append(finding(.mxHostWithoutAddress, none ? .critical : .warning, o, reading.host.key,
                                 "the MX host \(reading.host) has no A or AAAA record"
                                    + (none ? ": no MX host of \(o.domain) has an address, so no mail can be delivered"
                                        : ": senders skip it and try the other MX hosts"),
                                 fix: "publish an address for \(reading.host), or remove it from the MX set"))
        }
        return found
    }
}
