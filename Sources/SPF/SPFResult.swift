import DNSCore

/// The result of `check_host` (RFC 7208 section 2.6).
public enum SPFResult: String, Sendable, Codable, CaseIterable {
    case pass, fail, softfail, neutral, none, permerror, temperror
}

/// Limits and receiver-side values for an evaluation.
public struct SPFOptions: Sendable {
    /// DNS-querying terms per evaluation (section 4.6.4).
    public var maxLookups = 10
    /// Lookups answering NXDOMAIN or no data (section 4.6.4).
    public var maxVoidLookups = 2
    /// MX names whose addresses an `mx` mechanism may look up before `permerror` (section 4.6.4).
    public var maxMXNames = 10
    /// PTR names an `ptr` mechanism or `%{p}` considers; the rest are ignored (section 4.6.4).
    public var maxPTRNames = 10
    /// The `%{r}` value (section 7.2).
    public var receivingHost: String = "unknown"
    /// Seconds since the epoch for `%{t}`, injected so the core reads no clock; nil expands to 0.
    public var now: UInt64?

    public init() {}
}

/// One DNS query made during an evaluation, for showing the user why a result came out as it did.
public struct SPFTraceEntry: Sendable, Hashable, Codable {
    public var name: String
    public var type: String
    /// "3 records", "NXDOMAIN", "no data", "temperror: ..." and the like.
    public var outcome: String
    /// The term that caused the query; nil for the record lookup of the checked domain.
    public var term: String?

    public init(name: String, type: String, outcome: String, term: String?) {
        self.name = name; self.type = type; self.outcome = outcome; self.term = term
    }
}

/// The outcome of `checkHost` with what a postmaster needs to understand it.
public struct SPFEvaluation: Sendable {
    public var result: SPFResult
    /// The deciding term as written; nil for the default neutral and for none.
    public var mechanism: String?
    /// The `exp=` text for a fail result, macros expanded (section 6.2).
    public var explanation: String?
    /// Why the result is permerror, temperror or none, naming the domain and term.
    public var problem: String?
    public var dnsLookups: Int
    public var voidLookups: Int
    /// The record of the domain checked (the one `check_host` started with).
    public var record: String?
    public var domain: DomainName?
    public var trace: [SPFTraceEntry]
    /// The temporary DNS failure met on the way, if any. A result reached past one (a `ptr` name skipped, or
    /// the temperror it caused) is not known: with an answer, it could have been another.
    public var unknownCause: DNSFailure?

    public init(result: SPFResult, mechanism: String? = nil, explanation: String? = nil, problem: String? = nil,
                dnsLookups: Int = 0, voidLookups: Int = 0, record: String? = nil, domain: DomainName? = nil,
                trace: [SPFTraceEntry] = [], unknownCause: DNSFailure? = nil) {
        self.result = result; self.mechanism = mechanism; self.explanation = explanation; self.problem = problem
        self.dnsLookups = dnsLookups; self.voidLookups = voidLookups; self.record = record; self.domain = domain; self.trace = trace
        self.unknownCause = unknownCause
    }

    /// Known unless a temporary DNS failure stood in the way.
    public var verdict: PartVerdict { unknownCause.map(PartVerdict.unknown) ?? .known }
}
