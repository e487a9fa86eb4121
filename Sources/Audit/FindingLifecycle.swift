/// The state machine of findings across polls: a finding opens once, stays open while it holds (its last
/// seen time moves), and resolves when a poll that reached a verdict no longer sees it.
public enum FindingLifecycle {
    public struct Transitions: Sendable, Equatable {
        /// Findings seen now that were not open: they open (and alert).
        public var opened: [Finding] = []
        /// Findings seen now that were already open: last seen moves, nothing alerts.
        public var stillOpen: [Finding] = []
        /// Fingerprints open before and not seen now: they resolve (and alert).
        public var resolved: [String] = []
    }

    /// - Parameters:
    ///   - open: fingerprints of the findings open before this poll.
    ///   - current: what this poll found.
    ///   - verdict: false when a temporary DNS failure kept the poll from a verdict. Then nothing
    ///     resolves, nothing new opens except DNS findings, and a finding that merely was not re-checked
    ///     stays as it was.
    public static func transitions(open: Set<String>, current: [Finding], verdict: Bool) -> Transitions {
        var result = Transitions()
        var seen: Set<String> = []
        // A single temporary failure is never a finding of its own; `dns.unreachable` covers repeated ones.
        for finding in Finding.ordered(current) where finding.kind != .dnsTemporary {
            guard seen.insert(finding.fingerprint).inserted else { continue }
            if open.contains(finding.fingerprint) {
                result.stillOpen.append(finding)
            } else if verdict || finding.kind == .dnsUnreachable {
                result.opened.append(finding)
            }
        }
        if verdict {
            result.resolved = open.subtracting(seen).sorted()
        } else {
            // Only the DNS-unreachable finding can be judged without a verdict: it resolves when DNS answers,
            // which this poll shows it did not.
            result.resolved = []
        }
        return result
    }

    /// The `dns.unreachable` finding, once `consecutiveFailures` polls in a row ended in temperror.
    public static func unreachable(domain: String, consecutiveFailures: Int, threshold: Int, cause: String?) -> Finding? {
        guard consecutiveFailures >= threshold else { return nil }
        return Finding(kind: .dnsUnreachable, severity: .error, domain: domain,
                       message: "\(domain) could not be evaluated in \(consecutiveFailures) consecutive polls: \(cause ?? "temporary DNS failures")",
                       evidence: ["consecutivePolls": String(consecutiveFailures), "threshold": String(threshold)],
                       fix: "Check that the domain's nameservers answer (dig +norec @NS \(domain) TXT) and that senderwatch's resolver can reach them")
    }
}
