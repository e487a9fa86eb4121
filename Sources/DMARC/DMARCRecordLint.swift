/// Warnings about valid records: settings that weaken protection, lose reports, or that RFC 7489 and
/// RFC 9989 receivers read differently.
extension DMARCRecord {
    func lint() -> [DMARCDiagnostic] {
        var out: [DMARCDiagnostic] = []
        func warn(_ code: String, _ tag: String?, _ message: String) {
            out.append(DMARCDiagnostic(code: code, message: message, tag: tag))
        }
        if !hasExplicitPolicy {
            warn("missing-p", "p", "no p tag: RFC 9989 treats a missing p tag as p=none because rua is set, but a p tag is required in older versions of DMARC (RFC 7489 section 6.3); write p= explicitly")
        } else if tags.count > 1, tags[1].name != "p" {
            warn("p-not-second", "p", "the p tag does not immediately follow the v tag: RFC 9989 allows any order, but RFC 7489 section 6.4 requires p second and some receivers still enforce it")
        }
        if policy == .none {
            warn("policy-none", "p", "p=none only monitors: failing mail is delivered as usual; move to quarantine or reject once reports look clean")
        }
        if policy != .none, subdomainPolicy == DMARCPolicy.none {
            warn("subdomain-policy-none", "sp", "sp tag value of none leaves every subdomain unprotected while p=\(policy.rawValue) protects the domain itself")
        }
        if let pct = percentage, pct < 100 {
            warn("pct-below-100", "pct", "pct value is less than 100 (pct=\(pct)): RFC 7489 receivers apply the policy to only \(pct)% of failing mail; RFC 9989 replaced pct with t=y")
        }
        if aggregateURIs.isEmpty {
            warn("no-rua", "rua", "no rua tag: nobody receives aggregate reports, so you cannot see who sends as this domain")
        }
        for (name, uris) in [("rua", aggregateURIs), ("ruf", failureURIs)] {
            if uris.count > 2 {
                warn("too-many-\(name)", name, "more than two \(name) URIs (\(uris.count)): receivers may send to only the first two (RFC 7489 section 6.2 lets them limit the number)")
            }
            for uri in uris where uri.sizeLimit != nil {
                warn("uri-size-limit", name, "size limit (`!size`) on \(name) URI \(uri): this syntax is obsolete in RFC 9989 (reporters MUST ignore it) and RFC 7489 reporters drop reports larger than the limit")
            }
            for uri in uris where uri.scheme != "mailto" {
                warn("uri-scheme", name, "\(name) URI \(uri) uses the \(uri.scheme): scheme; receivers are only required to support mailto:")
            }
        }
        if failureOptions.contains(.allFail), failureOptions.contains(.anyFail) {
            warn("fo-redundant", "fo", "fo=\(value(of: "fo") ?? "") is redundant: 1 (any mechanism failed) already includes 0 (all failed)")
        }
        if !failureOptions.isEmpty, failureURIs.isEmpty {
            warn("fo-without-ruf", "fo", "fo has no effect without a ruf tag: failure reports have nowhere to go")
        }
        return out
    }

    /// Extra warnings for a domain that sends no mail (a parked domain), where anything short of reject
    /// leaves it open to spoofing (M3AAWG parked-domain guidance).
    public func parkedDomainWarnings() -> [DMARCDiagnostic] {
        var out: [DMARCDiagnostic] = []
        if policy != .reject {
            out.append(DMARCDiagnostic(code: "parked-policy", message: "p=\(policy.rawValue) on a parked domain: a domain that sends no mail should publish p=reject", tag: "p"))
        }
        if effectiveSubdomainPolicy != .reject {
            out.append(DMARCDiagnostic(code: "parked-subdomain-policy", message: "subdomain policy \(effectiveSubdomainPolicy.rawValue) on a parked domain: use sp=reject (or omit sp with p=reject)", tag: "sp"))
        }
        return out
    }
}
