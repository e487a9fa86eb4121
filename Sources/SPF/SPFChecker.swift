import DNSCore

/// Evaluates `check_host(<ip>, <domain>, <sender>)` (RFC 7208 sections 4 to 6) over an injected resolver.
public struct SPFChecker: Sendable {
    public let resolver: any DNSResolver
    public let options: SPFOptions

    public init(resolver: any DNSResolver, options: SPFOptions = .init()) {
        self.resolver = resolver
        self.options = options
    }

    /// `domain` is a string because a malformed or single-label domain yields `none` (section 4.3), not a
    /// Swift error. `sender` is the MAIL FROM address, or `postmaster@<helo>` when checking HELO; an empty
    /// local-part becomes `postmaster`. IPv4-mapped IPv6 addresses are evaluated as IPv4 (section 5).
    public func checkHost(ip: IPAddress, domain: String, sender: String, helo: String? = nil) async -> SPFEvaluation {
        guard let name = Self.checkableDomain(domain) else {
            return SPFEvaluation(result: .none, problem: "\"\(domain)\" is not a fully qualified domain name, so it has no SPF record (RFC 7208 section 4.3)")
        }
        let context = MacroContext(sender: sender, domain: name.text, ip: ip.unmapped, helo: helo ?? "",
                                   receivingHost: options.receivingHost, timestamp: options.now ?? 0)
        let run = CheckHostRun(resolver: resolver, options: options, context: context)
        let outcome = await run.checkHost(name, via: nil, depth: 0)
        var explanation: String?
        if outcome.result == .fail, let source = outcome.explanationSource {
            explanation = await run.explanation(source.spec, domain: source.domain)
        }
        return SPFEvaluation(
            result: outcome.result, mechanism: outcome.mechanism, explanation: explanation, problem: outcome.problem,
            dnsLookups: run.budget.lookups, voidLookups: run.budget.voidLookups, record: run.topRecord,
            domain: name, trace: run.trace, unknownCause: run.temporaryFailure)
    }

    /// A domain `check_host` can evaluate: a valid DNS name of two or more labels whose last label is a
    /// `toplabel` (section 4.3), which rules out address literals and bare host names.
    public static func checkableDomain(_ text: String) -> DomainName? {
        guard let name = try? DomainName(text), let dot = name.text.utf8.lastIndex(of: UInt8(ascii: ".")),
              MacroString.isTopLabel(name.text.utf8[name.text.utf8.index(after: dot)...]) else { return nil }
        return name
    }
}

/// What one `check_host` level decided.
struct CheckOutcome {
    var result: SPFResult
    var mechanism: String?
    var problem: String?
    /// The `exp=` of the record whose directive failed, with that record's domain (section 6.2).
    var explanationSource: (spec: MacroString, domain: String)?

    static func permerror(_ problem: String, term: String? = nil) -> CheckOutcome {
        CheckOutcome(result: .permerror, mechanism: term, problem: problem)
    }
    static func temperror(_ problem: String, term: String? = nil) -> CheckOutcome {
        CheckOutcome(result: .temperror, mechanism: term, problem: problem)
    }
}
