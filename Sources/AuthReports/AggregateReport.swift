/// Which published schema a report follows (namespace of `<feedback>`).
public enum ReportSchema: String, Hashable, Sendable, Codable {
    /// RFC 7489 appendix C (no namespace, or the draft `http://dmarc.org/dmarc-xml/0.1`).
    case rfc7489
    /// DMARCbis aggregate reporting, RFC 9990: `urn:ietf:params:xml:ns:dmarc-2.0`.
    case dmarc2

    public static let dmarc2Namespace = "urn:ietf:params:xml:ns:dmarc-2.0"
}

/// `<report_metadata>` (RFC 7489 C, RFC 9990 section 3.1.1).
public struct ReportMetadata: Hashable, Sendable {
    public var orgName = ""
    public var email = ""
    public var extraContactInfo: String?
    public var reportID = ""
    /// `<date_range>`: seconds since the epoch, UTC.
    public var begin: Int64 = 0
    public var end: Int64 = 0
    public var errors: [String] = []
    /// RFC 9990 `<generator>`.
    public var generator: String?
    public init() {}
}

/// `<policy_published>`: the DMARC record the reporter applied. Values are as sent, lower-cased.
public struct PolicyPublished: Hashable, Sendable {
    public var domain = ""
    public var p: String?
    public var sp: String?
    /// RFC 9990 only.
    public var np: String?
    /// RFC 7489 only; RFC 9990 replaces it with `testing`.
    public var pct: Int?
    public var adkim: String?
    public var aspf: String?
    public var fo: String?
    public var testing: String?
    public var discoveryMethod: String?
    public init() {}
}

/// `<record>`: one row of the report, the messages from one source with one outcome.
public struct AggregateRecord: Hashable, Sendable {
    /// `<row><source_ip>` as sent (validated by the consumer against DNSCore's address types).
    public var sourceIP = ""
    public var count = 0
    /// `<policy_evaluated>`: `none`, `quarantine`, `reject` (RFC 9990 adds `pass`).
    public var disposition = ""
    /// DMARC-aligned DKIM and SPF verdicts: `pass` or `fail`.
    public var dkim = ""
    public var spf = ""
    public var reasons: [PolicyOverrideReason] = []
    public var headerFrom = ""
    public var envelopeFrom: String?
    public var envelopeTo: String?
    public var dkimResults: [DKIMAuthResult] = []
    public var spfResults: [SPFAuthResult] = []
    public init() {}

    public var dkimAligned: Bool { dkim == "pass" }
    public var spfAligned: Bool { spf == "pass" }
}

/// `<policy_evaluated><reason>`: why the receiver did not apply the policy (forwarded, mailing list...).
public struct PolicyOverrideReason: Hashable, Sendable {
    public var type = ""
    public var comment: String?
    public init() {}
}

/// `<auth_results><dkim>`: a raw, unaligned DKIM verdict.
public struct DKIMAuthResult: Hashable, Sendable {
    public var domain = ""
    public var selector: String?
    /// `none`, `pass`, `fail`, `policy`, `neutral`, `temperror`, `permerror`.
    public var result = ""
    public var humanResult: String?
    public init() {}
}

/// `<auth_results><spf>`: a raw, unaligned SPF verdict.
public struct SPFAuthResult: Hashable, Sendable {
    public var domain = ""
    /// `mfrom` or `helo`; absent in RFC 9990, where it is always the MAIL FROM identity.
    public var scope: String?
    /// `none`, `neutral`, `pass`, `fail`, `softfail`, `temperror`, `permerror`.
    public var result = ""
    public var humanResult: String?
    public init() {}
}

/// What a streamed parse yields without keeping the records: the header, totals and warnings.
public struct ReportSummary: Hashable, Sendable {
    public var schema: ReportSchema = .rfc7489
    public var version: String?
    public var metadata = ReportMetadata()
    public var policy = PolicyPublished()
    public var recordCount = 0
    /// The sum of the records' `count`.
    public var messageCount = 0
    public var warnings: [ReportWarning] = []
    public init() {}
}

/// A whole report in memory: for tests and small inputs; large inputs stream with `onRecord`.
public struct AggregateReport: Hashable, Sendable {
    public var summary: ReportSummary
    public var records: [AggregateRecord]
    public init(summary: ReportSummary, records: [AggregateRecord]) {
        self.summary = summary
        self.records = records
    }
}

/// A tolerated oddity, kept so the user sees what was repaired.
public struct ReportWarning: Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, Codable {
        case invalidUTF8
        case leadingGarbage
        case declarationWithoutNewline
        case strayElement
        case unknownElement
        case upperCaseResult
        case emptyOrgName
        case trailingGarbage
        case badNumber
        /// A value that is possible but unlikely (a huge count, a month-long range): stored as sent.
        case implausibleValue
        /// Free text cut short, or repeated elements past the number kept.
        case truncated
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { "\(code.rawValue): \(message)" }
}
