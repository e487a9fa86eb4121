import DNSCore

/// Whether one report destination may receive reports (RFC 7489 section 7.1; RFC 9990, the
/// "External Destination Verification" of DMARCbis aggregate reporting).
public struct ReportAuthorization: Sendable, Hashable, Codable {
    /// The URI as written (with any `!size`).
    public var uri: String
    /// `rua` or `ruf`.
    public var tag: String
    /// The receiving host, or "" when the URI names none.
    public var host: String
    /// Whether the host lies outside the Domain Owner's Organizational Domain, which is when the
    /// destination has to authorize the reports.
    public var external: Bool
    /// For an external host: whether `<domain>._report._dmarc.<host>` holds a `v=DMARC1` record;
    /// nil when DNS failed temporarily (see `problem`) or the check was impossible. Nil for internal ones.
    public var authorized: Bool?
    /// The name queried.
    public var queried: String?
    public var problem: String?
    /// The temporary DNS failure that left `authorized` unknown.
    public var failure: DNSFailure?

    public init(uri: String, tag: String, host: String, external: Bool, authorized: Bool?, queried: String?, problem: String?,
                failure: DNSFailure? = nil) {
        self.uri = uri; self.tag = tag; self.host = host; self.external = external
        self.authorized = authorized; self.queried = queried; self.problem = problem; self.failure = failure
    }

    /// Known for internal destinations and answered checks; unknown after a temporary failure; impossible
    /// when no authorization can exist (a URI without a host, a verification name too long for DNS).
    public var verdict: PartVerdict {
        if let failure { return .unknown(failure) }
        if authorized == nil, external || host.isEmpty { return .impossible(problem ?? "the authorization cannot be checked") }
        return .known
    }
}

/// Checks that external report destinations agreed to receive a domain's reports. Without that record a
/// compliant reporter sends nothing there, so the owner silently loses reports (RFC 7489 section 7.1).
public struct DMARCReportAuthorizer: Sendable {
    public let resolver: any DNSResolver

    public init(resolver: any DNSResolver) { self.resolver = resolver }

    /// - Parameters:
    ///   - domain: the domain whose record lists the URIs (its policy domain); it is the first part of
    ///     the verification name.
    ///   - organizationalDomain: hosts at or below it are internal and need no authorization.
    /// - Returns: one entry per `rua` then `ruf` URI, in record order. Each host is queried once.
    public func authorize(domain: DomainName, record: DMARCRecord, organizationalDomain: DomainName) async -> [ReportAuthorization] {
        var cache: [DomainName: Check] = [:]
        var out: [ReportAuthorization] = []
        let uris = record.aggregateURIs.map { ("rua", $0) } + record.failureURIs.map { ("ruf", $0) }
        for (tag, uri) in uris {
            guard let host = uri.host else {
                out.append(ReportAuthorization(uri: uri.description, tag: tag, host: "", external: false, authorized: nil, queried: nil,
                                               problem: "\(uri) names no host, so its authorization cannot be checked"))
                continue
            }
            let external = !host.isSubdomain(of: organizationalDomain) && !host.isSubdomain(of: domain)
            guard external else {
                out.append(ReportAuthorization(uri: uri.description, tag: tag, host: host.text, external: false, authorized: nil, queried: nil, problem: nil))
                continue
            }
            let answer: Check
            if let cached = cache[host] { answer = cached } else {
                answer = await check(domain: domain, host: host)
                cache[host] = answer
            }
            out.append(ReportAuthorization(uri: uri.description, tag: tag, host: host.text, external: true,
                                           authorized: answer.authorized, queried: answer.queried, problem: answer.problem,
                                           failure: answer.failure))
        }
        return out
    }

    /// Queries `<domain>._report._dmarc.<host>`. A `*` wildcard there (`*._report._dmarc.<host>`) is
    /// answered by DNS itself, so it needs no special case.
    private struct Check {
        var authorized: Bool?
        var queried: String
        var problem: String?
        var failure: DNSFailure?
    }

    private func check(domain: DomainName, host: DomainName) async -> Check {
        let text = "\(domain.text)._report._dmarc.\(host.text)"
        guard let name = try? DomainName(text) else {
            return Check(queried: text, problem: "\(text) is longer than a domain name may be (253 octets), so no authorization record can exist there")
        }
        switch await resolver.txt(name) {
        case .failure(let failure):
            return Check(queried: text, problem: "\(failure.isTemporary ? "temporary" : "permanent") DNS failure looking up \(text): \(failure)",
                         failure: failure.isTemporary ? failure : nil)
        case .success(let found):
            let texts = found.texts.map { String(decoding: $0, as: UTF8.self) }
            if texts.contains(where: DMARCRecord.isDMARCRecord) { return Check(authorized: true, queried: text) }
            let why = found.answer.isNXDomain ? "does not exist" : texts.isEmpty ? "has no TXT record" : "has no TXT record starting with v=DMARC1"
            return Check(authorized: false, queried: text, problem: "\(text) \(why): \(host) has not agreed to receive reports for \(domain)")
        }
    }
}
