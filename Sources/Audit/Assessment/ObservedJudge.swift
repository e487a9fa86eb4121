import DNSCore
import SPF

/// Joins what the reports observed for a domain with what DNS says now: the approved sender each source
/// belongs to, `check_host` for each source that looks like real mail, and when each approved sender was
/// last seen. Pure: the store's facts and the gathered answers come in, findings and what stayed unknown
/// go out. Windows count back from the latest reported day, so findings depend on the reports, not on when
/// the poll runs.
public enum ObservedJudge {
    public struct Outcome: Sendable {
        public var findings: [Finding] = []
        /// Sources whose verdict now is unknown (their `check_host` met a temporary failure), by address.
        public var unknownSources: [String: DNSFailure] = [:]
        /// Approved senders whose last sighting cannot be told for now, by key.
        public var unknownSightings: [String: String] = [:]
        /// Why sources cannot be told from forgeries now (an approved host's addresses are unknown).
        public var classificationUnknown: String?
    }

    public static func judge(_ observation: DomainObservation, facts: DomainFacts, thresholds: ObservedThresholds) -> Outcome {
        var outcome = Outcome()
        guard let observed = facts.observed else { return outcome }
        let domain = observation.domain.text
        if let unresolved = observation.expandedSenders.first(where: { $0.temporary }) {
            outcome.classificationUnknown = "the addresses of \(InventoryFindings.describe(unresolved.sender)) are unknown: \(unresolved.problem ?? "temporary DNS failure")"
        }
        var sources: [ObservedSenderFacts] = []
        for var source in observed.recent {
            source.approvedBy = owner(of: source.ip, approved: facts.approved, expanded: observation.expandedSenders)
            source.name = observation.sourceNames[source.ip.description]
            if let evaluation = observation.observedChecks[source.ip.description] {
                if let cause = evaluation.unknownCause {
                    outcome.unknownSources[source.ip.description] = cause
                } else {
                    source.spfNow = evaluation
                }
            }
            sources.append(source)
        }
        var stale: [(sender: ApprovedSender, lastSeen: String?)] = []
        if let staleBefore = observed.staleBefore, !facts.approved.isEmpty {
            do {
                for sender in facts.approved {
                    switch sighting(sender, sources: observed.all, observation: observation) {
                    case .unknowable(let temporary?):
                        outcome.unknownSightings[sender.key] = temporary
                    case .unknowable(nil): continue
                    case .lastSeen(let day) where day > staleBefore: continue
                    case .lastSeen(let day): stale.append((sender, day))
                    case .never: stale.append((sender, nil))
                    }
                }
            }
        }
        var findings = ObservedFindings.findings(domain: domain, spf: observation.spf,
                                                 policy: observation.dmarc.record?.policy.rawValue,
                                                 sources: sources, staleSenders: stale, reportsSince: observed.firstDay,
                                                 thresholds: thresholds)
        // Without every approved host's addresses a genuine source may look like a forgery.
        if outcome.classificationUnknown != nil { findings.removeAll { $0.kind == .dmarcSpoofing } }
        outcome.findings = findings
        return outcome
    }

    /// The approved sender whose addresses include `ip` (includes are judged by the record, not here).
    public static func owner(of ip: IPAddress, approved: [ApprovedSender], expanded: [ExpandedSender]) -> ApprovedSender? {
        for sender in approved {
            switch sender.kind {
            case .ip: if IPAddress(sender.value) == ip { return sender }
            case .cidr: if CIDRNetwork(sender.value)?.contains(ip) == true { return sender }
            case .host, .mx:
                if expanded.contains(where: { $0.sender.key == sender.key && $0.addresses.contains(ip) }) { return sender }
            case .include: continue
            }
        }
        return nil
    }

    enum Sighting: Equatable {
        case lastSeen(String)
        case never
        /// The sender's addresses cannot be listed: for now (the reason: a temporary failure), or for good
        /// (nil: an include with macros, a host without addresses).
        case unknowable(String?)
    }

    /// When the reports last saw the sender.
    static func sighting(_ sender: ApprovedSender, sources: [ObservedSenderFacts], observation: DomainObservation) -> Sighting {
        let matches: (IPAddress) -> Bool
        switch sender.kind {
        case .ip, .cidr, .host, .mx:
            if sender.kind == .host || sender.kind == .mx {
                let expanded = observation.expandedSenders.first { $0.sender.key == sender.key }
                if expanded?.temporary == true { return .unknowable(expanded?.problem ?? "temporary DNS failure") }
                if expanded?.addresses.isEmpty ?? true { return .unknowable(nil) }
            }
            matches = { owner(of: $0, approved: [sender], expanded: observation.expandedSenders) != nil }
        case .include:
            switch includeNetworks(sender.value, spf: observation.spf) {
            case .unknown(let why): return .unknowable(why)
            case .unlistable: return .unknowable(nil)
            case .networks(let networks): matches = { ip in networks.contains { $0.contains(ip) } }
            }
        }
        let days = sources.filter { matches($0.ip) }.map(\.lastDay)
        return days.max().map(Sighting.lastSeen) ?? .never
    }

    enum IncludeNetworks {
        case networks([CIDRNetwork])
        /// Not in the record, or part of it depends on the message (macros, exists).
        case unlistable
        /// Part of its subtree went unanswered.
        case unknown(String)
    }

    /// The networks an include of the record authorizes, through its own includes.
    static func includeNetworks(_ include: String, spf: SPFAnalysis) -> IncludeNetworks {
        guard let root = spf.tree?.descendants.first(where: { $0.via != nil && $0.domain.lowercased() == include.lowercased() }) else {
            // An include below an unanswered subtree may be there all the same.
            if let part = spf.unknownParts.first(where: { $0.kind == .record }) { return .unknown("\(part.label) is unknown: \(part.cause)") }
            return .unlistable
        }
        let domains = Set(root.descendants.map { $0.domain.lowercased() })
        if let part = spf.unknownParts.first(where: { domains.contains(($0.holder ?? $0.name).lowercased()) || domains.contains($0.name.lowercased()) }) {
            return .unknown("\(part.label) is unknown: \(part.cause)")
        }
        if spf.unenumerable.contains(where: { term in domains.contains { term.lowercased().contains($0) } }) { return .unlistable }
        return .networks(spf.networks.filter { $0.qualifier == "+" && domains.contains($0.via.lowercased()) }.map(\.network))
    }
}
