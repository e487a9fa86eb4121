import MonitorConfig
import CoreMetrics
import Foundation
import Inventory
import LDNSResolver

/// The health metrics, recorded through swift-metrics so that `poll --metrics-file` (cron) and `run` (the
/// daemon's /metrics) expose the same names; the command line bootstraps the Prometheus backend. Without a
/// bootstrap every call is a no-op. Names and labels are documented in Monitors/README.md.
public enum PollMetrics {
    public static let domainsPolled = "senderwatch_domains_polled_total"
    public static let pollDuration = "senderwatch_poll_duration_seconds"
    public static let pollErrors = "senderwatch_poll_errors_total"
    public static let findingsOpened = "senderwatch_findings_opened_total"
    public static let findingsResolved = "senderwatch_findings_resolved_total"
    public static let dnsQueries = "senderwatch_dns_queries_total"
    public static let dnsFailures = "senderwatch_dns_failures_total"
    public static let findingsOpen = "senderwatch_findings_open"
    public static let outboxBacklog = "senderwatch_outbox_backlog"
    public static let outboxDead = "senderwatch_outbox_dead"
    public static let domainsMonitored = "senderwatch_domains_monitored"
    public static let domainsDue = "senderwatch_domains_due"
    public static let lastSuccessfulPoll = "senderwatch_last_successful_poll_timestamp_seconds"
    public static let pollsInFlight = "senderwatch_polls_in_flight"
    public static let alertsDelivered = "senderwatch_alerts_delivered_total"
    public static let alertsFailed = "senderwatch_alerts_failed_total"

    /// One finished poll of one domain.
    public static func record(_ result: DomainPollResult, duration: Duration) {
        Counter(label: domainsPolled, dimensions: [("status", result.status)]).increment()
        Timer(label: pollDuration).recordNanoseconds(duration.nanoseconds)
        if !result.opened.isEmpty { Counter(label: findingsOpened).increment(by: result.opened.count) }
        if !result.resolved.isEmpty { Counter(label: findingsResolved).increment(by: result.resolved.count) }
    }

    /// A poll that failed outright (database error), not a DNS failure.
    public static func recordError() {
        Counter(label: pollErrors).increment()
    }

    public static func recordDelivery(delivered: Int, failed: Int) {
        if delivered > 0 { Counter(label: alertsDelivered).increment(by: delivered) }
        if failed > 0 { Counter(label: alertsFailed).increment(by: failed) }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}

/// Gauges read from the database, and DNS counters carried over from the resolver's statistics; refreshed
/// before each scrape or textfile write. A label set seen once and gone since (a finding kind no longer open)
/// is set to 0 rather than left at its last value.
public final class HealthGauges: @unchecked Sendable {
    private let lock = NSLock()
    private var reportedFindings: Set<InventoryStore.FindingKey> = []
    private var lastDNS = ResolverStatistics()

    public init() {}

    public func refresh(store: InventoryStore, now: Int64, dns: ResolverStatistics?) throws {
        let counts = try store.healthCounts(now: now)
        lock.lock(); defer { lock.unlock() }
        let keys = reportedFindings.union(counts.openFindings.keys)
        for key in keys.sorted() {
            Gauge(label: PollMetrics.findingsOpen, dimensions: [("kind", key.kind), ("severity", key.severity)])
                .record(counts.openFindings[key] ?? 0)
        }
        reportedFindings = keys
        Gauge(label: PollMetrics.outboxBacklog).record(counts.outbox["pending"] ?? 0)
        Gauge(label: PollMetrics.outboxDead).record(counts.outbox["dead"] ?? 0)
        Gauge(label: PollMetrics.domainsMonitored).record(counts.domains)
        Gauge(label: PollMetrics.domainsDue).record(counts.due)
        if let last = counts.lastSuccessfulPollAt { Gauge(label: PollMetrics.lastSuccessfulPoll).record(last) }
        if let dns {
            let sent = dns.queriesSent - lastDNS.queriesSent
            Counter(label: PollMetrics.dnsQueries).increment(by: max(sent, 0))
            for (kind, count) in dns.failures.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let delta = count - (lastDNS.failures[kind] ?? 0)
                Counter(label: PollMetrics.dnsFailures, dimensions: [("kind", kind.rawValue)]).increment(by: max(delta, 0))
            }
            lastDNS = dns
        }
    }
}
