import Monitor
import MonitorConfig
import Audit
import DNSCore
import Inventory

/// The observed-sender section: what DMARC aggregate reports saw for each domain, per source and per day.
extension SnapshotBuilder {
    struct ObservedPart: Sendable {
        var sources: [ObservedSourceSnapshot] = []
        var daily: [DailyPassRateSnapshot] = []
    }

    func observed(_ domain: DomainName, observation: DomainObservation, approved: [ApprovedSender],
                  flattened: [FlattenedCopy], providerNetworks: [String: [String]]) async throws -> ObservedPart {
        var part = ObservedPart()
        part.daily = try store.observedDays(domain: domain.text).map {
            DailyPassRateSnapshot(day: $0.day, domain: domain.text, messages: $0.messages,
                                  dmarcPassRate: percentText($0.dmarcPass, of: $0.messages))
        }
        let authorized = observation.spf.authorizedNetworks.map(\.network)
        // An approved include covers the networks its provider authorizes now, or the copy flattened from it.
        var includeNetworks = providerNetworks.mapValues { $0.compactMap(CIDRNetwork.init) }
        for copy in flattened {
            includeNetworks[copy.include, default: []] += copy.networks
        }
        let approvedIncludes = approved.filter { $0.kind == .include }
        func owner(_ ip: IPAddress) -> String? {
            if let sender = ObservedJudge.owner(of: ip, approved: approved, expanded: observation.expandedSenders) {
                return sender.key
            }
            return approvedIncludes.first { includeNetworks[$0.value.lowercased()]?.contains { $0.contains(ip) } == true }?.key
        }
        let stored = try store.observedSources(domain: domain.text)
        // The assessment named the sources of the window; older ones are named here, the same way.
        var names = observation.sourceNames
        let rest = stored.compactMap { s in IPAddress(s.sourceIP).flatMap { names[$0.description] == nil ? $0 : nil }
            .map { SourceNamer.Source(ip: $0, messages: s.messages, dkimDomains: s.dkimDomains) } }
        if !rest.isEmpty {
            names.merge(await sourceNamer.names(domain: domain, sources: rest, approved: approved,
                                                expanded: observation.expandedSenders, spf: observation.spf)) { known, _ in known }
        }
        part.sources = stored.map { source in
            let ip = IPAddress(source.sourceIP)
            let name = names[source.sourceIP]
            let dmarcPass = source.messages - source.dmarcFail
            return ObservedSourceSnapshot(
                domain: domain.text, source: source.sourceIP, messages: source.messages,
                dmarcPassRate: percentText(dmarcPass, of: source.messages),
                spfAlignedPassRate: percentText(source.spfAlignedPass, of: source.messages),
                dkimAlignedPassRate: percentText(source.dkimAlignedPass, of: source.messages),
                firstDay: source.firstDay, lastDay: source.lastDay,
                approvedSender: ip.flatMap(owner),
                spfAuthorizedNow: ip.map { ip in authorized.contains { $0.contains(ip) } } ?? false,
                sourceName: name?.name, sourceNamedBy: name?.method.rawValue, sourceNameDetail: name?.detail)
        }
        return part
    }

    static func observedSenders(_ parts: [ObservedPart]) -> ObservedSenders {
        let sources = parts.flatMap(\.sources).sorted {
            ($0.domain, -$0.messages, $0.source) < ($1.domain, -$1.messages, $1.source)
        }
        let daily = parts.flatMap(\.daily).sorted { ($0.day, $0.domain) < ($1.day, $1.domain) }
        return ObservedSenders(available: !sources.isEmpty || !daily.isEmpty, sources: sources, daily: daily)
    }
}
