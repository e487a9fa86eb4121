/// The state of every monitored domain at one instant: what `senderwatch snapshot` writes. Every field is
/// text, an integer, a boolean or a list/object of them (no floating point), so the canonical JSON is
/// byte-for-byte reproducible. Lists are in a stable order: domains by name, findings most severe first,
/// senders by kind and value, networks by address.
public struct Snapshot: Codable, Sendable, Hashable {
    public static let formatName = "senderwatch-snapshot"
    /// 2: parts DNS did not answer are recorded as unknown (`unknownParts`, `verdict`, `dnsLookupsLowerBound`)
    /// and a domain's `status` is ok, partial or unknown. Version 1 files still read and verify.
    public static let currentSchemaVersion = 2

    public var format = Snapshot.formatName
    public var schemaVersion = Snapshot.currentSchemaVersion
    /// The position in the database's chain (1, 2, ...); nil for a snapshot rendered without joining the chain.
    public var sequence: Int?
    /// SHA-256 (hex) of the exact bytes of the previous snapshot file; nil for the first.
    public var previousSHA256: String?
    /// SHA-256 (hex) of this document's canonical JSON without this field.
    public var contentSHA256: String?
    /// The instant, RFC 3339 UTC.
    public var takenAt: String
    public var generator: String
    public var summary: Summary
    public var domains: [DomainSnapshot]
    public var observedSenders: ObservedSenders

    public struct Summary: Codable, Sendable, Hashable {
        public var domains: Int
        /// Domains with no finding of warning severity or worse.
        public var healthy: Int
        public var openFindings: Int
        /// Open findings by severity (critical, error, warning, info).
        public var findingsBySeverity: [String: Int]
        /// Open findings by kind, e.g. `spf.lookup-limit`.
        public var findingsByKind: [String: Int]
        public var lookupLimit: Int
        /// Domains with some part DNS did not answer at this instant (schema 2).
        public var domainsWithUnknownParts: Int?
    }
}

public struct DomainSnapshot: Codable, Sendable, Hashable {
    public var domain: String
    /// `ok` (every part answered), `partial` (some part unknown: see `unknownParts`) or `unknown` (neither
    /// the domain's own SPF nor its DMARC answered). Schema 1 wrote `ok` or `temperror`.
    public var status: String
    public var intervalSeconds: Int
    public var lastPollAt: String?
    public var expectations: ExpectationsSnapshot
    public var spf: SPFSnapshot
    public var dmarc: DMARCSnapshot
    /// The inventory against DNS: each approved sender and whether receivers accept it now.
    public var senders: [SenderSnapshot]
    /// Includes replaced by their networks (`generate --flatten`), with the copy kept.
    public var flattened: [FlattenedSnapshot]
    /// The findings that hold at this instant, with the date each was first seen when the monitor tracks it.
    public var findings: [FindingSnapshot]
    /// The worst severity among the findings, nil when there are none.
    public var worstSeverity: String?
    /// The parts DNS did not answer at this instant, with why (schema 2). Findings that rest on them are
    /// neither claimed nor denied: open ones are kept as the monitor last saw them.
    public var unknownParts: [UnknownPartSnapshot]?
    /// The DKIM key of every selector known for the domain, as DNS published it at this instant; absent when
    /// no selector is known (and in snapshots taken before keys were read).
    public var dkim: [DKIMKeySnapshot]? = nil
    /// MTA-STS with its policy, TLS-RPT and BIMI as read at this instant; absent in older snapshots.
    public var transport: TransportSnapshot? = nil
    /// The MX set and its hosts (with their TLSA records when DNSSEC validation is on); absent in older snapshots.
    public var mx: MXSnapshot? = nil
    /// The DNSSEC status of each deciding answer; absent when validation is off (and in older snapshots).
    public var dnssec: [DNSSECAnswerSnapshot]? = nil
}

/// The MX set (RFC 5321 section 5.1, RFC 7505).
public struct MXSnapshot: Codable, Sendable, Hashable {
    /// The records as published (`10 mx1.example.com`, `0 .` for a null MX); empty when there is none.
    public var records: [String]
    /// True when there is no MX record and mail goes to the domain's own addresses.
    public var implicit: Bool
    public var verdict: String
    /// Each mail host with its addresses and, when read, its TLSA records (`3 1 1 ab12...`).
    public var hosts: [MXHostSnapshot]
}

public struct MXHostSnapshot: Codable, Sendable, Hashable {
    public var host: String
    public var addresses: [String]
    public var cnameTarget: String?
    public var tlsa: [String]?
}

/// One answer's DNSSEC status (RFC 4035 section 4.3).
public struct DNSSECAnswerSnapshot: Codable, Sendable, Hashable {
    /// `NAME/TYPE`.
    public var answer: String
    public var role: String
    /// `secure`, `insecure`, `bogus` or `indeterminate`.
    public var status: String
    public var reason: String?
    /// For secure answers: when the chain's first signature expires.
    public var expires: String?
}

/// MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI.
public struct TransportSnapshot: Codable, Sendable, Hashable {
    /// Each record's text (absent when none is published) and the verdict of its part.
    public var mtaSTSRecord: String?
    public var mtaSTSVerdict: String
    /// `fetched`, `invalid`, `refused` (with `policyProblem`), `unknown`, or `not read`.
    public var policyStatus: String
    public var policySHA256: String?
    public var policyMode: String?
    public var policyMaxAge: Int?
    public var policyMX: [String]?
    public var policyProblem: String?
    public var certificateDaysLeft: Int?
    public var tlsRPTRecord: String?
    public var tlsRPTVerdict: String
    public var bimiRecord: String?
    public var bimiVerdict: String
}

/// One DKIM selector's key (RFC 6376 section 3.6.1).
public struct DKIMKeySnapshot: Codable, Sendable, Hashable {
    /// `selector._domainkey.domain`.
    public var name: String
    public var selector: String
    public var signingDomain: String
    /// `monitor file`, `reports`.
    public var learnedFrom: [String]
    /// `found`, `revoked`, `invalid`, `absent`, `unknown` or `impossible`.
    public var status: String
    public var keyType: String?
    public var keyBits: Int?
    /// `sha256:` and the hex SHA-256 of the published key.
    public var fingerprint: String?
    public var recordSHA256: String?
    public var cnameTarget: String?
    public var testing: Bool?
    /// Messages the reports saw signed with it, and the last day they did.
    public var reportedMessages: Int?
    public var lastReported: String?
    public var verdict: String
}

public struct UnknownPartSnapshot: Codable, Sendable, Hashable {
    /// The stable part id, e.g. `spf.include:_spf.provider.example`.
    public var part: String
    public var label: String
    public var cause: String
}

public struct ExpectationsSnapshot: Codable, Sendable, Hashable {
    public var spfAll: String?
    public var dmarcPolicy: String?
    public var maxLookups: Int?
}

public struct SPFSnapshot: Codable, Sendable, Hashable {
    /// The record exactly as published, nil when there is none.
    public var record: String?
    /// SHA-256 (hex) of the record's UTF-8 text.
    public var recordSHA256: String?
    /// none, permerror or temperror when every sender gets it; nil when the result depends on the sender.
    public var result: String?
    public var dnsLookups: Int
    public var lookupLimit: Int
    /// The domain's `max_lookups`, else the limit.
    public var lookupBudget: Int
    public var voidLookups: Int
    public var allQualifier: String?
    public var authorizedNetworks: [NetworkSnapshot]
    /// Include and redirect targets anywhere in the tree.
    public var includes: [String]
    /// Problem codes and messages from the analysis.
    public var diagnostics: [DiagnosticSnapshot]
    /// known, unknown (the record did not answer: the values above mean nothing) or impossible (schema 2).
    public var verdict: String?
    /// True when some subtree did not answer, so `dnsLookups` is a lower bound (schema 2).
    public var dnsLookupsLowerBound: Bool?
}

public struct NetworkSnapshot: Codable, Sendable, Hashable {
    public var network: String
    /// The term that authorizes it and the record that holds the term.
    public var source: String
    public var via: String
}

public struct DiagnosticSnapshot: Codable, Sendable, Hashable {
    /// `error` or `warning`.
    public var level: String
    public var code: String
    public var message: String
}

public struct DMARCSnapshot: Codable, Sendable, Hashable {
    public var record: String?
    public var recordSHA256: String?
    /// found, none, multiple, invalid or temperror.
    public var status: String
    public var policyDomain: String?
    /// The policy receivers apply to the domain (none, quarantine, reject).
    public var appliedPolicy: String?
    public var reportDestinations: [ReportDestinationSnapshot]
    public var problem: String?
    /// known, unknown (the policy did not answer) or impossible (schema 2).
    public var verdict: String?
}

public struct ReportDestinationSnapshot: Codable, Sendable, Hashable {
    public var uri: String
    public var external: Bool
    /// yes, no, or unknown (DNS failed); always yes for a destination inside the domain.
    public var authorized: String
}

public struct SenderSnapshot: Codable, Sendable, Hashable {
    public var kind: String
    public var value: String
    public var name: String?
    public var owner: String?
    /// authorized, unauthorized, unresolvable, or unknown (a temporary DNS failure).
    public var status: String
    /// Each address checked and what `check_host` returned for it.
    public var checks: [AddressCheckSnapshot]
}

public struct AddressCheckSnapshot: Codable, Sendable, Hashable {
    public var ip: String
    public var result: String
}

public struct FlattenedSnapshot: Codable, Sendable, Hashable {
    public var include: String
    public var networks: [String]
    public var flattenedAt: String
}

public struct FindingSnapshot: Codable, Sendable, Hashable {
    public var kind: String
    public var severity: String
    public var subject: String?
    public var message: String
    public var fix: String?
    public var evidence: [String: String]
    /// When the monitor first saw it open; nil when no poll has recorded it yet.
    public var openSince: String?
}

/// Mail really sent as the monitored domains, from DMARC aggregate reports: volume and pass rates per
/// source, and the DMARC pass rate per day.
public struct ObservedSenders: Codable, Sendable, Hashable {
    /// False when the database holds no report data.
    public var available: Bool
    public var sources: [ObservedSourceSnapshot]
    public var daily: [DailyPassRateSnapshot]

    public static let empty = ObservedSenders(available: false, sources: [], daily: [])
}

public struct ObservedSourceSnapshot: Codable, Sendable, Hashable {
    public var domain: String
    /// The sending address, as the reports give it.
    public var source: String
    public var messages: Int
    /// Percentages with two decimals, as text ("97.50"): DMARC pass (DKIM or SPF aligned), and each
    /// aligned mechanism on its own.
    public var dmarcPassRate: String
    public var spfAlignedPassRate: String
    public var dkimAlignedPassRate: String
    public var firstDay: String
    public var lastDay: String
    /// The approved sender (kind:value) whose addresses include the source, if any; an approved include
    /// covers what its provider authorizes now and any copy flattened from it.
    public var approvedSender: String?
    /// Whether the live SPF record authorizes the source (inside one of its `+` networks).
    public var spfAuthorizedNow: Bool
    /// Who the source is ("Google Workspace", "Office relay", "crmcloud.example") and how that was learned
    /// (`approved-sender`, `spf-include`, `provider-catalogue`, `reverse-dns`, `dkim-domain`); absent when
    /// nothing named it (and in snapshots taken before sources were named).
    public var sourceName: String?
    public var sourceNamedBy: String?
    public var sourceNameDetail: String?
}

public struct DailyPassRateSnapshot: Codable, Sendable, Hashable {
    /// YYYY-MM-DD (UTC).
    public var day: String
    public var domain: String
    public var messages: Int
    public var dmarcPassRate: String
}

/// A fraction as a percentage with two decimals, computed in integers ("97.50"; "0.00" when nothing was seen).
public func percentText(_ part: Int, of whole: Int) -> String {
    guard whole > 0 else { return "0.00" }
    let hundredths = (Int64(part) * 10_000 + Int64(whole) / 2) / Int64(whole)
    let fraction = hundredths % 100
    return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + String(fraction)
}
