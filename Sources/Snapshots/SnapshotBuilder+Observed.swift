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
                  flattened: [FlattenedCopy], providerNetworks: [String: [String]]) throws -> ObservedPart {
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
        part.sources = try store.observedSources(domain: domain.text).map { source in
            let ip = IPAddress(source.sourceIP)
            let dmarcPass = source.messages - source.dmarcFail
            return ObservedSourceSnapshot(
                domain: domain.text, source: source.sourceIP, messages: source.messages,
                dmarcPassRate: percentText(dmarcPass, of: source.messages),
                spfAlignedPassRate: percentText(source.spfAlignedPass, of: source.messages),
                dkimAlignedPassRate: percentText(source.dkimAlignedPass, of: source.messages),
                firstDay: source.firstDay, lastDay: source.lastDay,
                approvedSender: ip.flatMap(owner),
                spfAuthorizedNow: ip.map { ip in authorized.contains { $0.contains(ip) } } ?? false)
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
