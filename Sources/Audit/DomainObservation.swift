import DMARC
import DNSCore
import SPF

/// What DNS published for one domain at one moment, evaluated: the raw material of every finding.
public struct DomainObservation: Sendable {
    public var domain: DomainName
    public var spf: SPFAnalysis
    public var dmarc: DMARCDiscoveryResult
    public var reportAuthorizations: [ReportAuthorization]
    /// `check_host` for each sending address the caller asked about (approved senders, `--ip`).
    public var senderChecks: [SenderCheck]
    /// The approved senders as expanded through DNS (empty for a plain `check`).
    public var expandedSenders: [ExpandedSender]

    public init(domain: DomainName, spf: SPFAnalysis, dmarc: DMARCDiscoveryResult,
                reportAuthorizations: [ReportAuthorization], senderChecks: [SenderCheck],
                expandedSenders: [ExpandedSender] = []) {
        self.domain = domain; self.spf = spf; self.dmarc = dmarc
        self.reportAuthorizations = reportAuthorizations; self.senderChecks = senderChecks
        self.expandedSenders = expandedSenders
    }

    /// True when a temporary DNS failure kept SPF or DMARC from a verdict.
    public var hadTemporaryFailure: Bool {
        spf.result == .temperror || dmarc.status == .temperror
            || senderChecks.contains { $0.evaluation.result == .temperror }
            || expandedSenders.contains { $0.temporary }
            || reportAuthorizations.contains { $0.external && $0.authorized == nil }
    }
}

/// One sending address and what `check_host` says about it.
public struct SenderCheck: Sendable {
    public var ip: IPAddress
    /// Who the address belongs to, when known (an approved sender's name).
    public var label: String?
    /// The approved sender the address came from, if any.
    public var sender: ApprovedSender?
    public var evaluation: SPFEvaluation

    public init(ip: IPAddress, label: String? = nil, sender: ApprovedSender? = nil, evaluation: SPFEvaluation) {
        self.ip = ip; self.label = label; self.sender = sender; self.evaluation = evaluation
    }
}

/// What the owner of a domain wants its records to say. Empty expectations judge by the RFCs alone.
public struct Expectations: Sendable, Hashable, Codable {
    /// The qualifier the top-level `all` should carry: `-` or `~`.
    public var spfAll: String?
    /// The weakest DMARC policy acceptable.
    public var dmarcPolicy: DMARCPolicy?
    /// Headroom below RFC 7208's ten lookups: more than this is a warning.
    public var maxLookups: Int?

    public init(spfAll: String? = nil, dmarcPolicy: DMARCPolicy? = nil, maxLookups: Int? = nil) {
        self.spfAll = spfAll; self.dmarcPolicy = dmarcPolicy; self.maxLookups = maxLookups
    }
}
