import DNSCore

/// The mutable state of one `check_host` evaluation: the lookup budget, the trace and caches. Lives inside
/// one task and is never shared.
final class CheckHostRun {
    let resolver: any DNSResolver
    let options: SPFOptions
    let baseContext: MacroContext
    var budget: LookupBudget
    var trace: [SPFTraceEntry] = []
    var topRecord: String?
    /// The first temporary DNS failure that could have changed the result (the `exp=` text cannot).
    var temporaryFailure: DNSFailure?
    /// PTR names of the client and which of them validate, shared by `ptr` and `%{p}` (section 5.5).
    var ptrNames: [DomainName]?
    var validated: [DomainName: Bool] = [:]

    /// A backstop for options that raise `maxLookups` very high; with the default limits the budget ends
    /// recursion first.
    static let maxDepth = 64

    init(resolver: any DNSResolver, options: SPFOptions, context: MacroContext) {
        self.resolver = resolver
        self.options = options
        self.baseContext = context
        self.budget = LookupBudget(options: options)
    }

    func context(for domain: DomainName) -> MacroContext {
        var c = baseContext
        c.domain = domain.text
        return c
    }

    /// `check_host` for `domain`; `via` is the include or redirect term that led here (nil at the top).
    func checkHost(_ domain: DomainName, via: SPFTerm?, depth: Int) async -> CheckOutcome {
        if depth > Self.maxDepth {
            return .permerror("include/redirect nesting deeper than \(Self.maxDepth) at \(domain)", term: via?.source)
        }
        let record: SPFRecord
        switch await fetchRecord(domain, via: via) {
        case .record(let r): record = r
        case .stop(let outcome): return outcome
        }
        // The directives in order, straight from the terms (no array built per evaluation).
        for term in record.terms {
            guard case .directive(let qualifier, let mechanism) = term.kind else { continue }
            switch await matches(mechanism, term: term, domain: domain, depth: depth) {
            case .noMatch: continue
            case .stop(let outcome): return outcome
            case .match:
                var outcome = CheckOutcome(result: qualifier.result, mechanism: term.source)
                if qualifier == .fail, let exp = record.explanation { outcome.explanationSource = (exp, domain.text) }
                return outcome
            }
        }
        guard let (spec, term) = record.redirect else {
            return CheckOutcome(result: .neutral)
        }
        return await redirect(spec, term: term, domain: domain, depth: depth)
    }

    /// Section 6.1: the target's result replaces this record's, and a target without a record is permerror.
    private func redirect(_ spec: MacroString, term: SPFTerm, domain: DomainName, depth: Int) async -> CheckOutcome {
        guard budget.chargeLookup() else { return limitExceeded(term, domain) }
        guard let target = await targetName(spec, domain: domain) else {
            return .permerror("redirect target \"\(MacroExpander.expand(spec, context(for: domain)))\" in the record of \(domain) is not a valid domain name", term: term.source)
        }
        var outcome = await checkHost(target, via: term, depth: depth + 1)
        if outcome.result == .none {
            outcome = .permerror("\(term.source) in the record of \(domain): \(target) has no SPF record (RFC 7208 section 6.1)", term: term.source)
        }
        return outcome
    }

    /// Looks up and parses the SPF record of `domain` (section 4.4 to 4.6).
    private func fetchRecord(_ domain: DomainName, via: SPFTerm?) async -> FetchedRecord {
        let term = via?.source
        let answer: DNSAnswer
        switch await query(domain, .txt, term: term) {
        case .failure(let failure):
            return .stop(.temperror("looking up the SPF record of \(domain): \(failure)", term: term))
        case .success(let a): answer = a
        }
        let texts = answer.records.compactMap { $0.data.type == .txt ? $0.data.joinedText : nil }
        switch SPFRecordSelection(texts: texts) {
        case .none:
            return .stop(CheckOutcome(result: .none, mechanism: term, problem: "\(domain) has no SPF record (no TXT record starting with v=spf1)"))
        case .multiple(let records):
            return .stop(.permerror("\(domain) publishes \(records.count) SPF records; exactly one is allowed (RFC 7208 section 4.5)", term: term))
        case .nonASCII:
            return .stop(.permerror("the SPF record of \(domain) contains non-ASCII characters (RFC 7208 section 3.1)", term: term))
        case .record(let text):
            if via == nil { topRecord = text }
            do throws(SPFSyntaxError) {
                return .record(try SPFRecord.parsedCached(text))
            } catch {
                return .stop(.permerror("the SPF record of \(domain) has a \(error)", term: term))
            }
        }
    }

    /// Expands a domain-spec and makes it a queryable name; nil when the result is not a valid DNS name.
    func targetName(_ spec: MacroString, domain: DomainName) async -> DomainName? {
        var context = context(for: domain)
        if spec.usesValidatedName { context.validatedName = await validatedName(domain: domain) }
        return try? DomainName(MacroExpander.expand(spec, context))
    }

    func limitExceeded(_ term: SPFTerm, _ domain: DomainName) -> CheckOutcome {
        .permerror("too many DNS lookups: \(term.source) in the record of \(domain) would be lookup \(budget.lookups) of at most \(budget.maxLookups) (RFC 7208 section 4.6.4)", term: term.source)
    }

    func voidLimitExceeded(_ term: SPFTerm, _ domain: DomainName) -> CheckOutcome {
        .permerror("too many void lookups: \(term.source) in the record of \(domain) is void lookup \(budget.voidLookups) of at most \(budget.maxVoidLookups) (RFC 7208 section 4.6.4)", term: term.source)
    }

    /// Every query goes through here so the trace is complete.
    func query(_ name: DomainName, _ type: DNSRecordType, term: String?) async -> DNSResult {
        let result = await resolver.resolve(name, type)
        let outcome: String
        switch result {
        case .success(.records(let r)): outcome = r.count == 1 ? "1 record" : "\(r.count) records"
        case .success(.nxdomain): outcome = "NXDOMAIN"
        case .success(.noData): outcome = "no data"
        case .failure(let f):
            outcome = (f.isTemporary ? "temperror: " : "error: ") + f.kind.rawValue
            if f.isTemporary, temporaryFailure == nil, !(term?.hasPrefix("exp=") ?? false) { temporaryFailure = f }
        }
        trace.append(SPFTraceEntry(name: name.text, type: type.description, outcome: outcome, term: term))
        return result
    }

    /// The `exp=` text (section 6.2). Any failure means no explanation; nothing here counts toward the limits.
    func explanation(_ spec: MacroString, domain: String) async -> String? {
        guard let domainName = try? DomainName(domain), let name = await targetName(spec, domain: domainName),
              case .success(let answer) = await query(name, .txt, term: "exp=\(spec)") else { return nil }
        let texts = answer.records.compactMap { $0.data.type == .txt ? $0.data.joinedText : nil }
        guard texts.count == 1, let bytes = texts.first, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let string = try? MacroString(parsing: Substring(text), explanation: true) else { return nil }
        var context = context(for: domainName)
        if string.usesValidatedName { context.validatedName = await validatedName(domain: domainName) }
        return MacroExpander.expand(string, context, forDomain: false)
    }
}

enum FetchedRecord {
    case record(SPFRecord)
    case stop(CheckOutcome)
}
