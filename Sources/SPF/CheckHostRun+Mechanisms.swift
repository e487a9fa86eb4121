import DNSCore

enum MatchOutcome {
    case match
    case noMatch
    /// Evaluation ends here with this outcome (an error, usually).
    case stop(CheckOutcome)
}

extension CheckHostRun {
    /// Evaluates one mechanism (RFC 7208 section 5) against the client address.
    func matches(_ mechanism: SPFMechanism, term: SPFTerm, domain: DomainName, depth: Int) async -> MatchOutcome {
        let ip = baseContext.ip
        if mechanism.queriesDNS, !budget.chargeLookup() { return .stop(limitExceeded(term, domain)) }
        switch mechanism {
        case .all:
            return .match
        case .ip4, .ip6:
            return mechanism.network?.contains(ip) == true ? .match : .noMatch
        case .include(let spec):
            return await include(spec, term: term, domain: domain, depth: depth)
        case .a(let spec, let cidr):
            guard let target = await target(spec, domain: domain) else { return .noMatch }
            return await addressMatch(target, cidr: cidr, term: term, domain: domain, countVoid: true)
        case .mx(let spec, let cidr):
            guard let target = await target(spec, domain: domain) else { return .noMatch }
            return await mx(target, cidr: cidr, term: term, domain: domain)
        case .ptr(let spec):
            guard let target = await target(spec, domain: domain) else { return .noMatch }
            return await ptr(target, term: term, domain: domain)
        case .exists(let spec):
            guard let target = await targetName(spec, domain: domain) else { return .noMatch }
            // Section 5.7: always an A query, whatever the client's address family.
            let result = await query(target, .a, term: term.source)
            return answerMatch(result, term: term, domain: domain) { !$0.isEmpty }
        }
    }

    /// The domain a mechanism targets: its expanded domain-spec, or the current domain. A name that cannot
    /// be queried (label over 63 octets, empty label) matches nothing, by analogy with section 4.3.
    private func target(_ spec: MacroString?, domain: DomainName) async -> DomainName? {
        guard let spec else { return domain }
        return await targetName(spec, domain: domain)
    }

    /// Section 5.2: pass matches; fail, softfail and neutral do not; temperror propagates; permerror and
    /// none become permerror.
    private func include(_ spec: MacroString, term: SPFTerm, domain: DomainName, depth: Int) async -> MatchOutcome {
        guard let target = await targetName(spec, domain: domain) else {
            return .stop(.permerror("include target \"\(MacroExpander.expand(spec, context(for: domain)))\" in the record of \(domain) is not a valid domain name", term: term.source))
        }
        let inner = await checkHost(target, via: term, depth: depth + 1)
        switch inner.result {
        case .pass: return .match
        case .fail, .softfail, .neutral: return .noMatch
        case .temperror: return .stop(.temperror(inner.problem ?? "temporary DNS failure under \(term.source)", term: term.source))
        case .permerror: return .stop(.permerror(inner.problem ?? "permerror under \(term.source)", term: inner.mechanism ?? term.source))
        case .none:
            return .stop(.permerror("\(term.source) in the record of \(domain): \(target) has no SPF record (RFC 7208 section 5.2)", term: term.source))
        }
    }

    /// Applies a DNS answer: temporary failures are temperror, void answers count toward the void limit.
    private func answerMatch(_ result: DNSResult, term: SPFTerm, domain: DomainName, countVoid: Bool = true,
                             _ test: ([DNSRecord]) -> Bool) -> MatchOutcome {
        switch result {
        case .failure(let failure):
            return .stop(failureOutcome(failure, term: term, domain: domain))
        case .success(let answer):
            if answer.isVoid {
                if countVoid, !budget.chargeVoid() { return .stop(voidLimitExceeded(term, domain)) }
                return .noMatch
            }
            return test(answer.records) ? .match : .noMatch
        }
    }

    /// Section 5 (and 4.4): any DNS error other than NXDOMAIN is temperror. That includes what this resolver
    /// calls a permanent failure, such as a CNAME loop: a receiver's recursive resolver answers those with
    /// SERVFAIL, so receivers report temperror, and so must we (the same mapping as at the record's own name).
    func failureOutcome(_ failure: DNSFailure, term: SPFTerm, domain: DomainName) -> CheckOutcome {
        .temperror("\(term.source) in the record of \(domain): \(failure)", term: term.source)
    }

    private func addressMatch(_ target: DomainName, cidr: SPFDualCIDR, term: SPFTerm, domain: DomainName, countVoid: Bool) async -> MatchOutcome {
        let ip = baseContext.ip
        let result = await query(target, ip.isIPv4 ? .a : .aaaa, term: term.source)
        let length = cidr.prefixLength(for: ip)
        return answerMatch(result, term: term, domain: domain, countVoid: countVoid) { records in
            records.contains { record in
                guard let address = record.data.address else { return false }
                return CIDRNetwork(address: address, prefixLength: length)?.contains(ip) == true
            }
        }
    }

    /// Section 5.4, with the limit of section 4.6.4: looking up addresses for more than `maxMXNames`
    /// exchanges is permerror. Void lookups are counted per term (section 4.6.4 limits "terms for which DNS
    /// queries return" no answer): the term counts once when the MX lookup is void, or when none of its
    /// exchanges has an address of the client's family, so every lookup the term made came back empty.
    private func mx(_ target: DomainName, cidr: SPFDualCIDR, term: SPFTerm, domain: DomainName) async -> MatchOutcome {
        let result = await query(target, .mx, term: term.source)
        var exchanges: [DomainName] = []
        let first = answerMatch(result, term: term, domain: domain) { records in
            exchanges = records.compactMap { if case .mx(_, let e) = $0.data { e } else { nil } }
            return false
        }
        if case .stop = first { return first }
        let ordered = result.map { answer in
            answer.records.compactMap { r -> (UInt16, DomainName)? in if case .mx(let p, let e) = r.data { (p, e) } else { nil } }
                .sorted { $0.0 < $1.0 }.map(\.1)
        }
        if case .success(let names) = ordered { exchanges = names }
        var foundAddress = false
        let ip = baseContext.ip
        let length = cidr.prefixLength(for: ip)
        for (index, exchange) in exchanges.enumerated() {
            if index >= options.maxMXNames {
                return .stop(.permerror("\(term.source) in the record of \(domain): \(target) has \(exchanges.count) MX names, more than the \(options.maxMXNames) allowed (RFC 7208 section 4.6.4)", term: term.source))
            }
            let addresses = await query(exchange, ip.isIPv4 ? .a : .aaaa, term: term.source)
            if case .success(let answer) = addresses, !answer.isVoid { foundAddress = true }
            let outcome = answerMatch(addresses, term: term, domain: domain, countVoid: false) { records in
                records.contains { record in
                    guard let address = record.data.address else { return false }
                    return CIDRNetwork(address: address, prefixLength: length)?.contains(ip) == true
                }
            }
            if case .noMatch = outcome { continue }
            return outcome
        }
        if !exchanges.isEmpty, !foundAddress, !budget.chargeVoid() { return .stop(voidLimitExceeded(term, domain)) }
        return .noMatch
    }

    /// Section 5.5: a PTR lookup error means no match; names that fail to validate are skipped.
    private func ptr(_ target: DomainName, term: SPFTerm, domain: DomainName) async -> MatchOutcome {
        switch await clientNames(term: term.source) {
        case .failure: return .noMatch
        case .success(let (names, void)):
            if void, !budget.chargeVoid() { return .stop(voidLimitExceeded(term, domain)) }
            for name in names where name.isSubdomain(of: target) {
                if await validates(name, term: term.source) { return .match }
            }
            return .noMatch
        }
    }

    /// The client's PTR names, at most `maxPTRNames` (section 4.6.4), looked up once per evaluation.
    func clientNames(term: String?) async -> Result<([DomainName], Bool), DNSFailure> {
        if let ptrNames { return .success((ptrNames, ptrNames.isEmpty)) }
        switch await query(baseContext.ip.reverseName, .ptr, term: term) {
        case .failure(let failure): return .failure(failure)
        case .success(let answer):
            let names = answer.records.compactMap { if case .ptr(let n) = $0.data { n } else { nil } }
            ptrNames = Array(names.prefix(options.maxPTRNames))
            return .success((ptrNames ?? [], answer.isVoid))
        }
    }

    /// True when `name` has an address equal to the client's (forward-confirmed, section 5.5).
    func validates(_ name: DomainName, term: String?) async -> Bool {
        if let known = validated[name] { return known }
        let ip = baseContext.ip
        let result = await query(name, ip.isIPv4 ? .a : .aaaa, term: term)
        let ok = (try? result.get().records.contains { $0.data.address == ip }) ?? false
        validated[name] = ok
        return ok
    }

    /// The `%{p}` value (section 7.3): a validated name equal to or under `domain` if there is one, else any
    /// validated name, else "unknown".
    func validatedName(domain: DomainName) async -> String {
        guard case .success(let (names, _)) = await clientNames(term: "%{p}") else { return "unknown" }
        let preferred = names.filter { $0.isSubdomain(of: domain) } + names.filter { !$0.isSubdomain(of: domain) }
        for name in preferred where await validates(name, term: "%{p}") { return name.text }
        return "unknown"
    }
}
