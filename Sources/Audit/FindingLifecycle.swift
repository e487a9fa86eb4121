/// The state machine of findings across polls: a finding opens once, stays open while it holds (its last
/// seen time moves), and resolves when a poll that could see it no longer does. Evidence decides, part by
/// part: what an assessment found rests on answers it got, so it opens or stays open; what it did not find
/// resolves only if its evidence was known (`EvidenceCoverage`), and otherwise stays exactly as it was.
public enum FindingLifecycle {
    public struct Transitions: Sendable, Equatable {
        /// Findings seen now that were not open: they open (and alert).
        public var opened: [Finding] = []
        /// Findings seen now that were already open: last seen moves, nothing alerts.
        public var stillOpen: [Finding] = []
        /// Fingerprints open before and not seen now, on known evidence: they resolve (and alert).
        public var resolved: [String] = []
        /// Fingerprints open before whose evidence is unknown now: untouched.
        public var undetermined: [String] = []
    }

    /// - Parameters:
    ///   - open: the findings open before this poll.
    ///   - current: what this poll established.
    ///   - coverage: which absences are conclusive.
    public static func transitions(open: [Finding], current: [Finding], coverage: EvidenceCoverage) -> Transitions {
        var result = Transitions()
        let openFingerprints = Set(open.map(\.fingerprint))
        var seen: Set<String> = []
        for finding in Finding.ordered(current) where finding.kind != .dnsTemporary {
            let fingerprint = finding.fingerprint
            guard seen.insert(fingerprint).inserted else { continue }
            if openFingerprints.contains(fingerprint) {
                result.stillOpen.append(finding)
            } else {
                result.opened.append(finding)
            }
        }
        for finding in open {
            let fingerprint = finding.fingerprint
            guard !seen.contains(fingerprint) else { continue }
            if coverage.covers(finding) {
                result.resolved.append(fingerprint)
            } else {
                result.undetermined.append(fingerprint)
            }
        }
        result.resolved.sort()
        result.undetermined.sort()
        return result
    }

    /// The `dns.unreachable` finding, once `consecutiveFailures` polls in a row got no answer for any of the
    /// domain's own records (its SPF TXT and its `_dmarc` TXT).
    public static func unreachable(domain: String, consecutiveFailures: Int, threshold: Int, cause: String?) -> Finding? {
        guard consecutiveFailures >= threshold else { return nil }
        return Finding(kind: .dnsUnreachable, severity: .error, domain: domain,
                       message: "\(domain)'s own records could not be read in \(consecutiveFailures) consecutive polls: \(cause ?? "temporary DNS failures")",
                       evidence: ["consecutivePolls": String(consecutiveFailures), "threshold": String(threshold)],
                       fix: "Check that the domain's nameservers answer (dig +norec @NS \(domain) TXT and _dmarc.\(domain) TXT) and that senderwatch's resolver can reach them")
    }
}
