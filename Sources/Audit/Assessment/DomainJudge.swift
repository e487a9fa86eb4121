import DNSCore

/// The second step of an assessment: pure functions from everything gathered (`DomainObservation`) and
/// stored (`DomainFacts`) to findings, the part of each verdict, and the summary to store. Every command
/// that assesses a domain (`check`, `poll`, `snapshot`, the daemon) goes through here.
public enum DomainJudge {
    public struct Settings: Sendable {
        public var observed: ObservedThresholds
        /// Polls in a row without the domain's own records before `dns.unreachable` opens.
        public var unreachableAfter: Int
        /// Days before a policy host's certificate expires when `mta-sts.certificate-expiring` opens.
        public var certificateWarningDays: Int
        /// Epoch seconds the mark certificates' validity (and DNSSEC signatures) are judged at; nil skips those
        /// date checks.
        public var now: Int64?
        /// Days before a DNSSEC signature of the chain expires when `dnssec.signature-expiring` opens as a warning,
        /// and when it becomes an error.
        public var dnssecWarningDays: Int
        public var dnssecErrorDays: Int
        /// When SMTP TLS reports' failures open `tlsrpt.failures`.
        public var tlsReports: TLSReportThresholds

        public init(observed: ObservedThresholds = .init(), unreachableAfter: Int = 3, certificateWarningDays: Int = 14,
                    now: Int64? = nil, dnssecWarningDays: Int = 7, dnssecErrorDays: Int = 2,
                    tlsReports: TLSReportThresholds = .init()) {
            self.tlsReports = tlsReports
            self.observed = observed; self.unreachableAfter = unreachableAfter; self.certificateWarningDays = certificateWarningDays
            self.now = now
            self.dnssecWarningDays = dnssecWarningDays; self.dnssecErrorDays = dnssecErrorDays
        }
    }

    public static func judge(_ o: DomainObservation, facts: DomainFacts = DomainFacts(), settings: Settings = .init()) -> DomainAssessment {
        let domain = o.domain.text
        var findings = SPFFindings.findings(o, facts.expectations)
            + DMARCFindings.findings(o, facts.expectations)
            + InventoryFindings.findings(o, approved: facts.approved)
            + DKIMFindings.findings(o, facts: facts, thresholds: settings.observed)
            + DNSSECFindings.findings(o, settings: settings)
        if o.transportRead {
            findings += TransportFindings.findings(o, facts.expectations, certificateWarningDays: settings.certificateWarningDays,
                                                   now: settings.now)
                + MXFindings.findings(o, facts: facts) + DANEFindings.findings(o)
        }
        findings += TLSReportFindings.findings(domain: domain, facts: facts.tlsReports, thresholds: settings.tlsReports)
        let observed = ObservedJudge.judge(o, facts: facts, thresholds: settings.observed)
        findings += observed.findings
        // The summary is what drift compares and what a poll stores; `check` (no baseline) needs it only if asked.
        var summary: ObservationSummary?
        if facts.hasBaseline {
            let now = ObservationSummary(o)
            if now.status == .ok, let digest = facts.baselineDigest, now.contentDigest == digest {
                // Everything answered and nothing differs from the stored observation: no drift, nothing to merge.
                summary = now
            } else if let baseline = facts.baseline {
                let merged = now.merged(onto: baseline)
                findings += Drift.findings(domain: domain, previous: baseline, current: merged)
                summary = merged
            }
        }
        if o.transportRead { findings += TransportFindings.idUnchanged(o, staleID: summary?.mtaSTSStaleID) }
        let flattened = FlattenedJudge.review(findings, observation: o, facts: facts)
        findings = flattened.findings

        let ownFailure = o.ownRecordsUnanswered
        let consecutive = ownFailure == nil ? 0 : facts.consecutiveTempFailures + 1
        if let unreachable = FindingLifecycle.unreachable(domain: domain, consecutiveFailures: consecutive,
                                                          threshold: settings.unreachableAfter, cause: ownFailure?.description) {
            findings.append(unreachable)
        }
        let parts = AssessmentParts.list(o, observed: observed, flattenedUnknown: flattened.unknown)
        return DomainAssessment(
            observation: o, facts: facts, findings: Finding.ordered(findings.filter { $0.kind != .dnsTemporary }),
            parts: parts, coverage: EvidenceCoverage(o, observed: observed, flattenedUnknown: flattened.unknown),
            mergedSummary: summary, consecutiveTempFailures: consecutive)
    }
}

/// One domain assessed: what was established, what stayed unknown, and what to store.
public struct DomainAssessment: Sendable {
    public enum Status: String, Sendable {
        /// Every part was answered.
        case ok
        /// Some part stayed unknown; the findings are those the known parts establish.
        case partial
        /// Neither the domain's own SPF record nor its DMARC policy could be read: no verdict at all.
        case unknown
    }

    public var observation: DomainObservation
    public var facts: DomainFacts
    /// What the known evidence establishes, in the stable output order.
    public var findings: [Finding]
    public var parts: [AssessmentPart]
    public var coverage: EvidenceCoverage
    /// This poll's summary merged onto the baseline, when the judge needed it for drift.
    let mergedSummary: ObservationSummary?
    /// Polls in a row, this one included, whose own records went unanswered.
    public var consecutiveTempFailures: Int

    public var domain: DomainName { observation.domain }

    /// This poll's summary merged onto the baseline: the observation to store. The judge merged it whenever
    /// there was a baseline to merge onto.
    public var summary: ObservationSummary {
        mergedSummary ?? ObservationSummary(observation)
    }

    public var unknownParts: [AssessmentPart] { parts.filter { $0.verdict.isUnknown } }

    public var status: Status {
        if observation.ownSPFUnknown != nil, observation.dmarc.verdict.isUnknown { return .unknown }
        return unknownParts.isEmpty ? .ok : .partial
    }

    /// How the open findings move.
    public var transitions: FindingLifecycle.Transitions {
        FindingLifecycle.transitions(open: facts.openFindings.map(\.finding), current: findings, coverage: coverage)
    }
}
