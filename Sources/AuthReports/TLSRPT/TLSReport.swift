/// An SMTP TLS report (RFC 8460 section 4): how many TLS sessions a sending organisation made to a policy
/// domain's MX hosts over a date range, and why the failed ones failed.
public struct TLSReport: Hashable, Sendable {
    public var organization: String
    public var contact: String?
    public var reportID: String
    /// Epoch seconds of `date-range`.
    public var begin: Int64
    public var end: Int64
    public var policies: [TLSPolicyResult]
    public var warnings: [ReportWarning] = []

    public init(organization: String, contact: String?, reportID: String, begin: Int64, end: Int64, policies: [TLSPolicyResult]) {
        self.organization = organization; self.contact = contact; self.reportID = reportID
        self.begin = begin; self.end = end; self.policies = policies
    }

    /// Sessions of every policy, saturated at `ReportValues.maximumMessages`.
    public var successfulSessions: Int { policies.reduce(0) { ReportValues.saturatingMessages($0, $1.successful) } }
    public var failedSessions: Int { policies.reduce(0) { ReportValues.saturatingMessages($0, $1.failed) } }

    /// The summary shared with aggregate reports: reporter, id, range, the first policy domain, one record
    /// per policy and one message per session.
    public var summary: ReportSummary {
        var summary = ReportSummary()
        summary.metadata.orgName = organization
        summary.metadata.reportID = reportID
        summary.metadata.email = contact ?? ""
        summary.metadata.begin = begin
        summary.metadata.end = end
        summary.policy.domain = policies.first?.domain ?? ""
        summary.recordCount = policies.count
        summary.messageCount = ReportValues.saturatingMessages(successfulSessions, failedSessions)
        summary.warnings = warnings
        return summary
    }
}

/// One `policies` entry: the policy the sender applied and what its sessions under it did.
public struct TLSPolicyResult: Hashable, Sendable {
    /// `sts`, `tlsa` or `no-policy-found`.
    public var type: String
    /// The policy domain, lower-cased, without a trailing dot.
    public var domain: String
    /// `mx-host` patterns of an MTA-STS policy (or the MX hosts the sender used).
    public var mxHosts: [String]
    public var successful: Int
    public var failed: Int
    public var failures: [TLSFailureDetail]

    public init(type: String, domain: String, mxHosts: [String], successful: Int, failed: Int, failures: [TLSFailureDetail]) {
        self.type = type; self.domain = domain; self.mxHosts = mxHosts
        self.successful = successful; self.failed = failed; self.failures = failures
    }
}

/// One `failure-details` entry.
public struct TLSFailureDetail: Hashable, Sendable {
    /// RFC 8460 section 4.3, e.g. `certificate-expired`; an unregistered type is kept as sent (a token).
    public var resultType: String
    public var sendingIP: String?
    public var receivingMX: String?
    public var receivingHelo: String?
    public var receivingIP: String?
    public var sessions: Int
    public var reasonCode: String?

    public init(resultType: String, sendingIP: String? = nil, receivingMX: String? = nil, receivingHelo: String? = nil,
                receivingIP: String? = nil, sessions: Int, reasonCode: String? = nil) {
        self.resultType = resultType; self.sendingIP = sendingIP; self.receivingMX = receivingMX
        self.receivingHelo = receivingHelo; self.receivingIP = receivingIP; self.sessions = sessions; self.reasonCode = reasonCode
    }

    /// The result types RFC 8460 section 4.3 registers.
    public static let registeredTypes: Set<String> = [
        "starttls-not-supported", "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
        "validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error",
        "sts-policy-invalid", "sts-webpki-invalid",
    ]
}
