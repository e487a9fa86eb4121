import DNSCore

extension AnalysisWalker {
    /// Walks every term as if none matched (the worst case), collecting networks, children and warnings.
    func walkTerms(_ record: SPFRecord, domain: DomainName, topChain: Bool, node: inout SPFNode) async {
        let name = domain.text
        if topChain, record.all == nil, record.redirect == nil {
            warnings.append(SPFDiagnostic(code: "no-all", message: "the SPF record of \(name) ends without an all mechanism or redirect, so unlisted senders get neutral", domain: name))
        }
        for term in record.terms {
            switch term.kind {
            case .directive(let qualifier, let mechanism):
                await directive(qualifier, mechanism, term: term, domain: domain, topChain: topChain, node: &node)
            case .modifier(.redirect(let spec)):
                if record.all != nil {
                    warnings.append(SPFDiagnostic(code: "redirect-ignored", message: "\(term.source) in the record of \(name) is never used because the record has an all mechanism (RFC 7208 section 6.1)", domain: name, term: term.source))
                    continue
                }
                await child(spec, term: term, domain: domain, topChain: topChain, node: &node)
            case .modifier:
                continue
            }
        }
    }

    private func directive(_ qualifier: SPFQualifier, _ mechanism: SPFMechanism, term: SPFTerm, domain: DomainName,
                           topChain: Bool, node: inout SPFNode) async {
        let name = domain.text
        switch mechanism {
        case .all:
            // +all anywhere passes everyone (even inside an include); ?all matters where it ends evaluation.
            if qualifier == .pass || (qualifier == .neutral && topChain) {
                warnings.append(SPFDiagnostic(code: "permissive-all", message: "\(term.source) in the record of \(name) lets any host on the Internet \(qualifier == .pass ? "pass" : "get neutral")", domain: name, term: term.source))
            }
        case .ptr:
            warnings.append(SPFDiagnostic(code: "ptr", message: "\(term.source) in the record of \(name) uses ptr, which is slow and unreliable; RFC 7208 section 5.5 says not to use it", domain: name, term: term.source))
            unenumerable.append("\(term.source) (in \(name))")
        case .exists:
            unenumerable.append("\(term.source) (in \(name))")
        case .ip4, .ip6:
            if let network = mechanism.network { addNetwork(network, qualifier, term, name) }
        case .a(let spec, let cidr), .mx(let spec, let cidr):
            if let spec, spec.hasMacros { unenumerable.append("\(term.source) (in \(name))"); return }
            let target = spec.flatMap { try? DomainName($0.description) } ?? (spec == nil ? domain : nil)
            guard let target else {
                node.voidLookups.append("\(term.source) in \(name) (not a valid domain name)")
                return
            }
            if case .mx = mechanism {
                await mxNetworks(target, cidr: cidr, qualifier: qualifier, term: term, domain: domain, node: &node)
            } else {
                let found = await addresses(target, term: term, domain: domain)
                if let found, found.isEmpty { node.voidLookups.append("\(term.source) in \(name) (\(target) has no A or AAAA records)") }
                for ip in found ?? [] { addNetwork(ip, cidr, qualifier, term, name) }
            }
        case .include(let spec):
            await child(spec, term: term, domain: domain, topChain: false, node: &node)
        }
    }

    /// Follows an include or redirect to its record.
    private func child(_ spec: MacroString, term: SPFTerm, domain: DomainName, topChain: Bool, node: inout SPFNode) async {
        let name = domain.text
        guard !spec.hasMacros else { unenumerable.append("\(term.source) (in \(name))"); return }
        guard let target = try? DomainName(spec.description) else {
            errors.append(SPFDiagnostic(code: "include-no-spf", message: "\(term.source) in the record of \(name) names an invalid domain", domain: name, term: term.source))
            return
        }
        if term.mechanism != nil, !seenIncludes.insert(target).inserted {
            warnings.append(SPFDiagnostic(code: "duplicate-include", message: "\(target) is included more than once (again by \(term.source) in \(name)); each inclusion costs its lookups again", domain: name, term: term.source))
        }
        if path.contains(target) {
            errors.append(SPFDiagnostic(code: "include-loop", message: "\(term.source) in the record of \(name) leads back to \(target), an endless loop that receivers end with permerror", domain: name, term: term.source))
            // A loop costs lookups until the limit is hit, so it always counts as over the limit.
            let loop = SPFNode(domain: target.text, via: term.source, totalLookups: options.maxLookups, error: "include loop",
                               verdict: "impossible")
            node.children.append(loop)
            node.totalLookups += loop.totalLookups
            return
        }
        let sub = await self.node(target, via: term, isTop: false, topChain: topChain)
        node.children.append(sub)
        node.totalLookups += sub.totalLookups
    }

    private func mxNetworks(_ target: DomainName, cidr: SPFDualCIDR, qualifier: SPFQualifier, term: SPFTerm,
                            domain: DomainName, node: inout SPFNode) async {
        let name = domain.text
        let exchanges: [DomainName]
        switch await resolver.mx(target) {
        case .failure(let failure):
            dnsError(failure, term: term, domain: name, target: target)
            return
        case .success(let (answer, names)):
            if answer.isVoid { node.voidLookups.append("\(term.source) in \(name) (\(target): \(answer.isNXDomain ? "NXDOMAIN" : "no MX records"))") }
            exchanges = names
        }
        if exchanges.count > options.maxMXNames {
            errors.append(SPFDiagnostic(code: "mx-limit", message: "\(term.source) in the record of \(name): \(target) has \(exchanges.count) MX names, more than the \(options.maxMXNames) receivers look up; they return permerror (RFC 7208 section 4.6.4)", domain: name, term: term.source))
        }
        for exchange in exchanges.prefix(options.maxMXNames) {
            for ip in await addresses(exchange, term: term, domain: domain) ?? [] { addNetwork(ip, cidr, qualifier, term, name) }
        }
    }

    /// A and AAAA addresses of `target`; nil on DNS failure (reported).
    private func addresses(_ target: DomainName, term: SPFTerm, domain: DomainName) async -> [IPAddress]? {
        let r = resolver
        async let v4 = r.addresses(target, ipv6: false)
        async let v6 = r.addresses(target, ipv6: true)
        var found: [IPAddress] = []
        for result in [await v4, await v6] {
            switch result {
            case .failure(let failure):
                dnsError(failure, term: term, domain: domain.text, target: target)
                return nil
            case .success(let (_, ips)): found += ips
            }
        }
        return found
    }

    private func dnsError(_ failure: DNSFailure, term: SPFTerm, domain: String, target: DomainName) {
        errors.append(SPFDiagnostic(code: failure.isTemporary ? "dns-temporary" : "dns-failure", message: "\(term.source) in the record of \(domain): \(failure)", domain: domain, term: term.source))
        if failure.isTemporary {
            let part = SPFUnknownPart(kind: .addresses, name: target.text, term: term.source, holder: domain, cause: failure)
            let seen = unknownParts.contains {
                $0.kind == part.kind && $0.name == part.name && $0.term == part.term && $0.holder == part.holder
            }
            if !seen { unknownParts.append(part) }
        }
    }

    private func addNetwork(_ ip: IPAddress, _ cidr: SPFDualCIDR, _ q: SPFQualifier, _ term: SPFTerm, _ via: String) {
        if let network = CIDRNetwork(address: ip, prefixLength: cidr.prefixLength(for: ip)) { addNetwork(network, q, term, via) }
    }

    private func addNetwork(_ network: CIDRNetwork, _ q: SPFQualifier, _ term: SPFTerm, _ via: String) {
        networks.insert(SPFAuthorizedNetwork(network: network, qualifier: String(q.rawValue), source: term.source, via: via))
    }
}
