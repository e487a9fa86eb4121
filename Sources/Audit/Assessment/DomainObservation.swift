import DMARC
import DNSCore
import SPF
import TransportPolicy

/// What DNS published for one domain at one moment, evaluated: the raw material of every finding. Built by
/// `DomainGatherer`; every part carries what is known of it (see `DomainJudge.parts`).
public struct DomainObservation: Sendable {
    public var domain: DomainName
    public var spf: SPFAnalysis
    public var dmarc: DMARCDiscoveryResult
    public var reportAuthorizations: [ReportAuthorization]
    /// `check_host` for each sending address the caller asked about (approved senders, `--ip`).
    public var senderChecks: [SenderCheck]
    /// The approved senders as expanded through DNS (empty for a plain `check`).
    public var expandedSenders: [ExpandedSender]
    /// `check_host` now for the observed sources that look like real mail, by address text.
    public var observedChecks: [String: SPFEvaluation]
    /// Providers read for the flattened copies (and the generator's fix), by lower-case include name.
    public var providerReadings: [String: ProviderSurvey.Reading]
    /// The key of every DKIM selector known for the domain (`DKIMKeyReader.selectorsToRead`), by key name.
    public var dkimKeys: [DKIMKeyLookup]
    /// MTA-STS with its policy, TLS-RPT and BIMI.
    public var transport = TransportObservation()
    /// False when the gatherer was asked not to read the transport records (the MX set, MTA-STS, TLS-RPT,
    /// BIMI, DANE): then `transport` says nothing, no part stands for them and nothing is judged of them.
    public var transportRead = true
    /// Who each observed source is (`SourceNamer`), by address text; a source nothing named is absent.
    public var sourceNames: [String: SourceName] = [:]
    /// The DNSSEC status of the answers that decide verdicts; empty when no validation was made.
    public var dnssec: [DNSSECCheck] = []
    /// The MX hosts' TLSA records (DANE), read only when DNSSEC validation is on.
    public var dane: [DANEHost] = []

    public init(domain: DomainName, spf: SPFAnalysis, dmarc: DMARCDiscoveryResult,
                reportAuthorizations: [ReportAuthorization], senderChecks: [SenderCheck],
                expandedSenders: [ExpandedSender] = [], observedChecks: [String: SPFEvaluation] = [:],
                providerReadings: [String: ProviderSurvey.Reading] = [:], dkimKeys: [DKIMKeyLookup] = []) {
        self.domain = domain; self.spf = spf; self.dmarc = dmarc
        self.reportAuthorizations = reportAuthorizations; self.senderChecks = senderChecks
        self.expandedSenders = expandedSenders; self.observedChecks = observedChecks
        self.providerReadings = providerReadings; self.dkimKeys = dkimKeys
    }

    /// Why the domain's own SPF record is unknown, if it is.
    public var ownSPFUnknown: DNSFailure? { spf.topRecordUnknown }

    /// Why the domain's own `_dmarc` record is unknown, if it is.
    public var ownDMARCUnknown: DNSFailure? { dmarc.ownRecordUnknown ? dmarc.failure : nil }

    /// Why none of the domain's own records answered (its SPF TXT and its `_dmarc` TXT), when neither did: its
    /// nameservers gave nothing. One answer is enough to show they are reachable; a part that alone stays
    /// unanswered is reported as an unknown part instead.
    public var ownRecordsUnanswered: DNSFailure? {
        guard let spf = ownSPFUnknown, ownDMARCUnknown != nil else { return nil }
        return spf
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
    /// `mta_sts:`: the weakest acceptable MTA-STS mode (`none` asks only that a policy be published).
    public var mtaSTS: MTASTSPolicy.Mode?
    /// `tls_rpt: true`: a TLS-RPT record must be published.
    public var tlsRPT: Bool?
    /// `bimi: true`: a BIMI record must be published (and its prerequisites met).
    public var bimi: Bool?

    public init(spfAll: String? = nil, dmarcPolicy: DMARCPolicy? = nil, maxLookups: Int? = nil,
                mtaSTS: MTASTSPolicy.Mode? = nil, tlsRPT: Bool? = nil, bimi: Bool? = nil) {
        self.spfAll = spfAll; self.dmarcPolicy = dmarcPolicy; self.maxLookups = maxLookups
        self.mtaSTS = mtaSTS; self.tlsRPT = tlsRPT; self.bimi = bimi
    }
}
