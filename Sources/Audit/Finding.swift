import DNSCore

/// One thing wrong (or worth knowing) about a domain's published mail authentication.
///
/// `kind`, `domain` and `subject` identify the finding across polls (`fingerprint`): the same problem seen
/// again is the same finding, so it opens once and resolves once.
public struct Finding: Sendable, Hashable, Codable {
    public var kind: FindingKind
    public var severity: Severity
    public var domain: String
    /// What inside the domain the finding is about (an IP address, a term, a report URI), if anything.
    public var subject: String?
    public var message: String
    /// Facts behind the message, keyed by name; encoded with sorted keys.
    public var evidence: [String: String]
    /// A concrete change that makes the finding go away.
    public var fix: String?

    public init(kind: FindingKind, severity: Severity, domain: String, subject: String? = nil, message: String,
                evidence: [String: String] = [:], fix: String? = nil) {
        self.kind = kind; self.severity = severity; self.domain = domain; self.subject = subject
        self.message = message; self.evidence = evidence; self.fix = fix
    }

    public var fingerprint: String {
        // Read many times per poll (lifecycle sets, alert plans, stored rows): domain names are lower case
        // already nearly always, and then no lowered copy is made.
        kind.rawValue + "|" + domain.lowercasedIfNeeded + "|" + (subject ?? "")
    }

    /// Most severe first, then by kind and subject: the order every output uses.
    public static func ordered(_ findings: [Finding]) -> [Finding] {
        // Each domain lowered once, not twice per comparison.
        findings.map { (finding: $0, domain: $0.domain.lowercasedIfNeeded) }.sorted {
            if $0.finding.severity != $1.finding.severity { return $0.finding.severity > $1.finding.severity }
            if $0.domain != $1.domain { return $0.domain < $1.domain }
            if $0.finding.kind != $1.finding.kind { return $0.finding.kind < $1.finding.kind }
            return ($0.finding.subject ?? "") < ($1.finding.subject ?? "")
        }.map(\.finding)
    }
}
