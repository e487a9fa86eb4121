import Audit
import DNSCore
import Foundation

/// The store's half of an assessment: everything one domain needs, read before any DNS query.
extension InventoryStore {
    /// The facts of `row` for an assessment at `now` (epoch seconds), with the open finding rows they came
    /// from (alerts need their ids and dates). Observed-sender windows count back from the last reported
    /// day that has already happened, never from a day in the future.
    public func facts(for row: DomainRow, thresholds: ObservedThresholds, now: Int64) throws -> (DomainFacts, [FindingRow]) {
        guard let domainId = row.id else {
            throw InventoryError(.unknownDomain, "domain \(row.name) has not been stored")
        }
        var facts = DomainFacts(approved: try senders(domainId: domainId).compactMap(InventoryMapping.sender),
                                expectations: InventoryMapping.expectations(row),
                                consecutiveTempFailures: row.consecutiveTempFailures)
        facts.baseline = try baseline(domainId: domainId)
        let openRows = try openFindings(domainId: domainId)
        facts.openFindings = openRows.map {
            StoredFinding(finding: InventoryMapping.finding($0, domain: row.name), firstSeenAt: $0.firstSeenAt)
        }
        facts.observed = try observedFacts(domain: row.name, thresholds: thresholds, now: now)
        facts.flattened = try flattenedIncludes(domainId: domainId).map(InventoryMapping.copy)
        return (facts, openRows)
    }

    /// The summary drift is measured against: the latest observation. A row written before parts had states
    /// that ended in a temporary failure knows nothing; the latest good one stands in for it.
    public func baseline(domainId: Int64) throws -> ObservationSummary? {
        guard let latest = try latestObservation(domainId: domainId) else { return nil }
        let summary = InventoryMapping.summary(latest.summaryJSON)
        if let summary, summary.spfState != nil || summary.status == .ok { return summary }
        return try latestGoodObservation(domainId: domainId).flatMap { InventoryMapping.summary($0.summaryJSON) }
    }

    func observedFacts(domain: String, thresholds: ObservedThresholds, now: Int64) throws -> ObservedFacts? {
        guard let span = try observedSpan(domain: domain), let last = UTCDay.dayNumber(span.lastDay) else { return nil }
        let end = min(last, UTCDay.number(now))
        let windowStart = UTCDay.text(dayNumber: end - Int64(max(1, thresholds.windowDays)) + 1)
        let recent = try observedSources(domain: domain, since: windowStart).compactMap(InventoryMapping.observed)
        let staleBefore = UTCDay.text(dayNumber: end - Int64(thresholds.staleDays))
        let staleApplies = span.firstDay <= staleBefore
        let all = staleApplies ? try observedSources(domain: domain).compactMap(InventoryMapping.observed) : []
        return ObservedFacts(firstDay: span.firstDay, lastDay: span.lastDay, recent: recent, all: all,
                             staleBefore: staleApplies ? staleBefore : nil)
    }
}
