import MonitorConfig
import Audit
import DNSCore
import DMARC
import Foundation
import Inventory
import SPF

/// Joins what the reports observed for a domain with what DNS says now: `check_host` for each source that
/// looks like real mail, the approved sender each source belongs to, and when each approved sender was last
/// seen. Windows count back from the latest day the domain has reports for, so findings do not depend on
/// when the poll runs, only on the reports.
public struct ObservedAudit: Sendable {
    public let store: InventoryStore
    public let resolver: any DNSResolver
    public let thresholds: ObservedThresholds

    public init(store: InventoryStore, resolver: any DNSResolver, thresholds: ObservedThresholds) {
        self.store = store; self.resolver = resolver; self.thresholds = thresholds
    }

    public func findings(_ observation: DomainObservation, approved: [ApprovedSender]) async throws -> [Finding] {
        let domain = observation.domain.text
        guard let span = try store.observedSpan(domain: domain), let last = UTCDay.dayNumber(span.lastDay) else { return [] }
        let windowStart = UTCDay.text(dayNumber: last - Int64(max(1, thresholds.windowDays)) + 1)
        let recent = try store.observedSources(domain: domain, since: windowStart)
        let checker = SPFChecker(resolver: resolver)
        var facts: [ObservedSenderFacts] = []
        for source in recent {
            guard let ip = IPAddress(source.sourceIP) else { continue }
            var fact = Self.facts(source, ip: ip)
            fact.approvedBy = owner(of: ip, approved: approved, observation: observation)
            if fact.looksLegitimate, fact.messages >= thresholds.minMessages {
                fact.spfNow = await checker.checkHost(ip: ip, domain: domain, sender: "postmaster@\(domain)")
            }
            facts.append(fact)
        }
        var stale: [(sender: ApprovedSender, lastSeen: String?)] = []
        let staleBefore = UTCDay.text(dayNumber: last - Int64(thresholds.staleDays))
        if span.firstDay <= staleBefore, !approved.isEmpty {
            let all = try store.observedSources(domain: domain)
            for sender in approved {
                switch sighting(sender, sources: all, observation: observation) {
                case .unknowable: continue
                case .lastSeen(let day) where day > staleBefore: continue
                case .lastSeen(let day): stale.append((sender, day))
                case .never: stale.append((sender, nil))
                }
            }
        }
        return ObservedFindings.findings(domain: domain, spf: observation.spf, policy: observation.dmarc.record?.policy.rawValue,
                                         sources: facts, staleSenders: stale, reportsSince: span.firstDay, thresholds: thresholds)
    }

    static func facts(_ s: ObservedSource, ip: IPAddress) -> ObservedSenderFacts {
        ObservedSenderFacts(ip: ip, messages: s.messages, dkimAlignedPass: s.dkimAlignedPass, spfAlignedPass: s.spfAlignedPass,
                            dmarcFail: s.dmarcFail, dispositions: s.dispositions, firstDay: s.firstDay, lastDay: s.lastDay,
                            reporters: s.reporters)
    }

    /// The approved sender whose addresses include `ip` (includes are judged by the record, not here).
    public func owner(of ip: IPAddress, approved: [ApprovedSender], observation: DomainObservation) -> ApprovedSender? {
        for sender in approved {
            switch sender.kind {
            case .ip: if IPAddress(sender.value) == ip { return sender }
            case .cidr: if CIDRNetwork(sender.value)?.contains(ip) == true { return sender }
            case .host, .mx:
                if observation.expandedSenders.contains(where: { $0.sender.key == sender.key && $0.addresses.contains(ip) }) { return sender }
            case .include: continue
            }
        }
        return nil
    }

    enum Sighting: Equatable {
        case lastSeen(String)
        case never
        /// The sender's addresses cannot be listed (an include with macros, a host that did not resolve).
        case unknowable
    }

    /// When the reports last saw the sender.
    func sighting(_ sender: ApprovedSender, sources: [ObservedSource], observation: DomainObservation) -> Sighting {
        let matches: (IPAddress) -> Bool
        switch sender.kind {
        case .ip, .cidr, .host, .mx:
            if sender.kind == .host || sender.kind == .mx,
               observation.expandedSenders.first(where: { $0.sender.key == sender.key })?.addresses.isEmpty ?? true { return .unknowable }
            matches = { owner(of: $0, approved: [sender], observation: observation) != nil }
        case .include:
            guard let networks = includeNetworks(sender.value, spf: observation.spf) else { return .unknowable }
            matches = { ip in networks.contains { $0.contains(ip) } }
        }
        let days = sources.filter { IPAddress($0.sourceIP).map(matches) ?? false }.map(\.lastDay)
        return days.max().map(Sighting.lastSeen) ?? .never
    }

    /// The networks an include of the record authorizes, through its own includes; nil when it is not in the
    /// record or part of it cannot be listed (macros, exists).
    func includeNetworks(_ include: String, spf: SPFAnalysis) -> [CIDRNetwork]? {
        var stack = spf.tree.map { [$0] } ?? []
        var root: SPFNode?
        while let node = stack.popLast() {
            if node.via != nil, node.domain.lowercased() == include.lowercased() { root = node; break }
            stack += node.children
        }
        guard let root else { return nil }
        var domains: Set<String> = []
        var walk = [root]
        while let node = walk.popLast() { domains.insert(node.domain.lowercased()); walk += node.children }
        if spf.unenumerable.contains(where: { term in domains.contains { term.lowercased().contains($0) } }) { return nil }
        return spf.networks.filter { $0.qualifier == "+" && domains.contains($0.via.lowercased()) }.map(\.network)
    }
}
