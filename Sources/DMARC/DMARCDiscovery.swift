import DNSCore

/// What policy discovery found for one domain.
public struct DMARCDiscoveryResult: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        /// A valid record applies (`record`, `policyDomain`, `appliedPolicy`).
        case found
        /// No DMARC record at the domain or above it.
        case none
        /// Several DMARC records at one name: receivers apply none of them (RFC 7489 section 6.6.3).
        case multiple
        /// The only DMARC record found is invalid, so receivers apply none.
        case invalid
        /// DNS failed temporarily; nothing can be concluded. Never reported as `none`.
        case temperror
    }

    public var status: Status
    /// The domain asked about (the Author Domain).
    public var domain: DomainName
    /// Where the applying record (or the multiple / invalid ones) was published, without `_dmarc.`.
    public var policyDomain: DomainName?
    /// From the tree walk (RFC 9989 section 4.10.2); nil when a temporary failure hid it.
    public var organizationalDomain: DomainName?
    public var record: DMARCRecord?
    /// The text of `record`, or of the invalid record for `invalid`.
    public var recordText: String?
    /// The DMARC records published at the policy domain (several for `multiple`).
    public var allRecordTexts: [String]
    /// Why the record is invalid; also set for `found` when an invalid record nearer the domain was
    /// passed over on the way to the applying one.
    public var error: DMARCParseError?
    /// `p`, `sp` or `np` as it applies to `domain`, before any `t=y` adjustment.
    public var appliedPolicy: DMARCPolicy?
    /// Whether `domain` exists (RFC 8020 sense); nil when it was not asked, which happens when the
    /// record is the domain's own or when `np` would not change the outcome.
    public var domainExists: Bool?
    /// Names queried, in order (`_dmarc` TXT names, the domain for its existence check or for a record
    /// misplaced at the apex).
    public var queries: [String]
    /// A human explanation of anything noteworthy: the DNS failure, a misplaced or malformed record.
    public var problem: String?
    /// The DNS failure that left part of the discovery unanswered: the policy itself (`temperror`), or only
    /// the Organizational Domain (`found` with the walk cut short). Nil when every query was answered.
    public var failure: DNSFailure?
    /// The `_dmarc` name (or the existence check) whose query failed.
    public var failedName: String?

    init(status: Status, domain: DomainName) {
        self.status = status; self.domain = domain; allRecordTexts = []; queries = []
    }

    /// Whether the record came from a parent (the policy is `sp` or `np`, not `p`).
    public var isInherited: Bool { policyDomain.map { $0 != domain } ?? false }

    /// What is known of the policy that applies: unknown when a temporary failure hid it, impossible when a
    /// permanent one (a CNAME loop at `_dmarc`) makes it unreadable for every receiver.
    public var verdict: PartVerdict {
        guard status == .temperror, let failure else { return .known }
        return PartVerdict(failure)
    }

    /// True when the query of the domain's own `_dmarc` name failed temporarily: its own nameservers did
    /// not answer (the walk towards the parents is someone else's DNS).
    public var ownRecordUnknown: Bool {
        guard let failure, failure.isTemporary, let failedName else { return false }
        return failedName.lowercased() == "_dmarc." + domain.key
    }

    /// Known unless the walk towards the root was cut short by a temporary failure.
    public var organizationalDomainVerdict: PartVerdict {
        if organizationalDomain != nil { return .known }
        return failure.map(PartVerdict.init) ?? .known
    }
}

/// DMARC policy discovery through any `DNSResolver` (RFC 9989 section 4.10.1; RFC 7489 section 6.6.3).
///
/// No Public Suffix List is available here, so the Organizational Domain always comes from the DNS Tree
/// Walk, as RFC 9989 prescribes; results can differ from an RFC 7489 receiver using the PSL when the
/// registrable domain publishes no record.
public struct DMARCDiscovery: Sendable {
    public let resolver: any DNSResolver

    public init(resolver: any DNSResolver) { self.resolver = resolver }

    public func discover(_ domain: DomainName) async -> DMARCDiscoveryResult {
        var lookup = DMARCLookup(resolver: resolver)
        var result = await Self.discover(domain, &lookup)
        result.queries = lookup.queries
        return result
    }

    static func discover(_ domain: DomainName, _ lookup: inout DMARCLookup) async -> DMARCDiscoveryResult {
        let walk = await DMARCTreeWalk.walk(domain, &lookup)
        var result = DMARCDiscoveryResult(status: .none, domain: domain)
        result.organizationalDomain = walk.organizationalDomain
        guard let (policyDomain, level) = walk.policy else {
            if let (name, failure) = walk.failure {
                result.status = .temperror
                result.failure = failure
                result.failedName = "_dmarc.\(name)"
                result.problem = "DNS lookup of _dmarc.\(name) failed: \(failure)"
            } else if let invalid = walk.skippedInvalid {
                result.status = .invalid
                result.policyDomain = invalid.domain
                result.recordText = invalid.text
                result.allRecordTexts = [invalid.text]
                result.error = invalid.error
                result.problem = "the DMARC record at _dmarc.\(invalid.domain) is invalid and receivers ignore it: \(invalid.error.message)"
            } else {
                result.problem = await hint(domain, walk.unrelatedAtDomain, &lookup)
            }
            return result
        }
        result.policyDomain = policyDomain
        switch level {
        case .multiple(let texts):
            result.status = .multiple
            result.allRecordTexts = texts
            result.problem = "_dmarc.\(policyDomain) publishes \(texts.count) DMARC records; receivers then apply no policy (RFC 7489 section 6.6.3)"
        case .valid(let record, let text, let others):
            result.status = .found
            result.record = record
            result.recordText = text
            result.allRecordTexts = [text]
            await applyPolicy(&result, record, &lookup)
            if let (name, failure) = walk.failure, result.status == .found {
                result.failure = failure
                result.failedName = "_dmarc.\(name)"
                result.problem = "the Organizational Domain is unknown: DNS lookup of _dmarc.\(name) failed: \(failure)"
            }
            if let invalid = walk.skippedInvalid {
                result.error = invalid.error
                result.problem = "the DMARC record at _dmarc.\(invalid.domain) is invalid, so receivers ignore it and apply the record of \(policyDomain): \(invalid.error.message)"
            }
            if !others.isEmpty, result.problem == nil {
                result.problem = "_dmarc.\(policyDomain) also holds \(others.count) TXT record(s) that are not DMARC records; receivers discard them"
            }
        default:
            break
        }
        return result
    }

    /// Picks `p`, `sp` or `np`. Only `np` needs to know whether the domain exists, so the existence query
    /// is made only when `np` and `sp` differ; a failed existence query is a temporary error.
    private static func applyPolicy(_ result: inout DMARCDiscoveryResult, _ record: DMARCRecord, _ lookup: inout DMARCLookup) async {
        guard let policyDomain = result.policyDomain else { return }
        if policyDomain == result.domain {
            result.appliedPolicy = record.policy
            return
        }
        guard record.effectiveNonexistentSubdomainPolicy != record.effectiveSubdomainPolicy else {
            result.appliedPolicy = record.effectiveSubdomainPolicy
            return
        }
        switch await lookup.exists(result.domain) {
        case .success(let exists):
            result.domainExists = exists
            result.appliedPolicy = record.policy(for: result.domain, at: policyDomain, domainExists: exists)
        case .failure(let failure):
            result.status = .temperror
            result.failure = failure
            result.failedName = result.domain.text
            result.problem = "could not tell whether \(result.domain) exists, which decides between sp and np: \(failure)"
        }
    }

    /// Explains a `none`: a DMARC-like TXT record receivers ignore, or a record at the apex.
    private static func hint(_ domain: DomainName, _ unrelated: [String], _ lookup: inout DMARCLookup) async -> String? {
        if let near = unrelated.first(where: { $0.trimmingWhitespace().lowercased().hasPrefix("v") && $0.lowercased().contains("dmarc1") }) {
            var why = "it is not a valid DMARC record"
            do { _ = try DMARCRecord(parsing: near) } catch { why = error.message }
            return "_dmarc.\(domain) holds \"\(near)\", which receivers do not recognise as a DMARC record: \(why)"
        }
        if case .success(let apex) = await lookup.txt(domain), let misplaced = apex.texts.first(where: DMARCRecord.isDMARCRecord) {
            return "a DMARC record \"\(misplaced)\" is published at \(domain) itself; receivers only look at _dmarc.\(domain)"
        }
        return nil
    }
}
