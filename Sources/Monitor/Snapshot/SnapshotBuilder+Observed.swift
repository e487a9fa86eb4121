import Audit
import DNSCore
import Inventory

/// The observed-sender section: what DMARC aggregate reports saw for each domain, per source and per day.
extension SnapshotBuilder {
    struct ObservedPart: Sendable {
        var sources: [ObservedSourceSnapshot] = []
        var daily: [DailyPassRateSnapshot] = []
    }

    func observed(_ domain: DomainName, observation: DomainObservation, approved: [ApprovedSender]) throws -> ObservedPart {
        var part = ObservedPart()
        part.daily = try store.observedDays(domain: domain.text).map {
            DailyPassRateSnapshot(day: $0.day, domain: domain.text, messages: $0.messages,
                                  dmarcPassRate: percentText($0.dmarcPass, of: $0.messages))
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
