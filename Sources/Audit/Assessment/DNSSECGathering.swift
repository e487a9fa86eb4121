import DNSCore

/// The DNSSEC status of one answer that decides a verdict: `name`/`type` as asked.
public struct DNSSECCheck: Sendable, Hashable {
    public var name: DomainName
    public var type: DNSRecordType
    public var status: DNSSECStatus
    /// What the answer is, in words: "the SPF record".
    public var role: String

    public init(name: DomainName, type: DNSRecordType, status: DNSSECStatus, role: String) {
        self.name = name; self.type = type; self.status = status; self.role = role
    }

    /// `NAME/TYPE`, lower-cased: the subject of its findings and the part id's tail.
    public var id: String { "\(name.key)/\(type)" }
}

/// Asks the validator about the answers of an observation that decide its verdicts, one after another so
/// that the first (the SPF record at the domain) shows where signing stops and the others cost nothing
/// more on an unsigned domain.
public enum DNSSECReader {
    /// DKIM keys validated per domain at most.
    public static let maximumDKIMKeys = 8
    /// Includes (and the redirect) of the domain's own SPF record validated at most.
    public static let maximumIncludes = 10

    public static func read(_ o: DomainObservation, validator: any DNSSECValidator, now: Int64) async -> [DNSSECCheck] {
        var wanted: [(DomainName, DNSRecordType, String)] = [(o.domain, .txt, "the SPF record")]
        if let own = try? o.domain.prepending("_dmarc") { wanted.append((own, .txt, "the DMARC record")) }
        if let policy = o.dmarc.policyDomain, policy != o.domain, let name = try? policy.prepending("_dmarc") {
            wanted.append((name, .txt, "the DMARC record of the policy domain"))
        }
        // The records the domain's own record includes or redirects to: bogus there is temperror for its SPF too.
        for child in (o.spf.tree?.children ?? []).prefix(maximumIncludes) {
            guard let via = child.via, let name = try? DomainName(child.domain) else { continue }
            wanted.append((name, .txt, "the SPF record of \(child.domain) (\(via))"))
        }
        wanted.append((o.domain, .mx, "the MX records"))
        if o.transport.mtaSTS.isPresent, let name = try? o.domain.prepending("_mta-sts") {
            wanted.append((name, .txt, "the MTA-STS record"))
        }
        for lookup in o.dkimKeys.prefix(maximumDKIMKeys) {
            if let name = try? DomainName(lookup.name) { wanted.append((name, .txt, "the DKIM key \(lookup.name)")) }
        }
        // DANE (RFC 7672 section 2.2): a host's TLSA set counts only when it and the host's addresses are secure.
        for host in o.dane where host.isPresent {
            wanted.append((host.name, .tlsa, "the TLSA records of \(host.host)"))
            wanted.append((host.host, .a, "the IPv4 addresses of the MX host \(host.host)"))
        }
        var checks: [DNSSECCheck] = []
        for (name, type, role) in wanted where !checks.contains(where: { $0.name == name && $0.type == type }) {
            checks.append(DNSSECCheck(name: name, type: type, status: await validator.status(name, type, now: now), role: role))
        }
        return checks
    }
}
