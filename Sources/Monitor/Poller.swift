import MonitorConfig
import Alerting
import Audit
import DNSCore
import Foundation
import Inventory
import SPF

/// What one domain's poll produced.
public struct DomainPollResult: Sendable {
    public var domain: String
    /// `ok`, or `temperror` when DNS kept the poll from a verdict.
    public var status: String
    public var opened: [Finding]
    public var resolved: [Finding]
    public var stillOpen: [Finding]
    public var observationInserted: Bool
    public var consecutiveTempFailures: Int
}

/// Polls domains: observe through DNS, audit against the inventory and the previous observation, move
/// the findings, and write it all for each domain in one transaction, so a poll killed at any moment
/// leaves every domain either fully polled or untouched.
public struct Poller: Sendable {
    public let store: InventoryStore
    public let resolver: any DNSResolver
    public let concurrency: Int
    public let unreachableAfter: Int
    public let now: @Sendable () -> Int64
    /// Turns a domain's transitions into alert events; they are written in the same transaction as the
    /// transitions, so an alert is queued if and only if its transition is recorded.
    public let alerts: AlertPlanner?
    /// Thresholds of the findings drawn from ingested DMARC reports (see ObservedAudit).
    public var observed = ObservedThresholds()
    /// When each domain is due next (spread, back-off); shared by `poll` and the daemon.
    public let schedule: PollSchedule
    /// Called after each domain of `poll(_:runId:)`, in order (the CLI's progress line).
    public var onDomainPolled: (@Sendable (DomainPollResult) -> Void)?

    public init(store: InventoryStore, resolver: any DNSResolver, concurrency: Int = 32, unreachableAfter: Int = 3,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                alerts: AlertPlanner? = nil, schedule: PollSchedule = PollSchedule()) {
        self.store = store; self.resolver = resolver; self.concurrency = max(1, concurrency)
        self.unreachableAfter = unreachableAfter; self.now = now; self.alerts = alerts; self.schedule = schedule
    }

    /// Polls the given domains concurrently; results come back in the given order.
    public func poll(_ domains: [DomainRow], runId: Int64?) async throws -> [DomainPollResult] {
        var results: [DomainPollResult] = []
        try await OrderedConcurrency.forEach(count: domains.count, limit: concurrency,
                                             operation: { try await self.pollMeasured(domains[$0], runId: runId) },
                                             emit: { _, result in results.append(result); onDomainPolled?(result) })
        return results
    }

    public func poll(_ row: DomainRow, runId: Int64?) async throws -> DomainPollResult {
        guard let domainId = row.id, let name = try? DomainName(row.name) else {
            throw InputFailure("domain \(row.name) in the database is not a valid name")
        }
        let senders = try store.senders(domainId: domainId).compactMap(InventoryMapping.sender)
        let expectations = InventoryMapping.expectations(row)
        let observation = await DomainInspector(resolver: resolver).observe(name, approved: senders)
        let summary = ObservationSummary(observation)
        let verdict = summary.status == .ok
        let consecutive = verdict ? 0 : row.consecutiveTempFailures + 1

        let summaryJSON = JSONCoding.string(summary)
        let contentHash = ObservationSummary.digest(summaryJSON)
        var current: [Finding] = []
        if verdict {
            current = DomainAuditor.findings(for: observation, expectations: expectations, approved: senders)
            current += try await ObservedAudit(store: store, resolver: resolver, thresholds: observed).findings(observation, approved: senders)
            // Most polls see what the last one saw: then there is no drift, and decoding the stored summary
            // (thousands of provider networks for some domains) is skipped.
            if let previousRow = try store.latestGoodObservation(domainId: domainId), previousRow.contentHash != contentHash {
                let previous = try? JSONCoding.decoder.decode(ObservationSummary.self, from: Data(previousRow.summaryJSON.utf8))
                current += Drift.findings(domain: name.text, previous: previous, current: summary)
            }
            current = try await FlattenedWatch(store: store, resolver: resolver).review(
                current, domainId: domainId, domain: name, senders: senders, expectations: expectations, observation: observation)
        }
        let cause = observation.spf.errors.first { $0.code == "dns-temporary" }?.message ?? observation.dmarc.problem
        if let unreachable = FindingLifecycle.unreachable(domain: name.text, consecutiveFailures: consecutive,
                                                          threshold: unreachableAfter, cause: cause) {
            current.append(unreachable)
        }
        let openRows = try store.openFindings(domainId: domainId)
        let transitions = FindingLifecycle.transitions(open: Set(openRows.map(\.fingerprint)), current: current, verdict: verdict)
        let resolvedRows = openRows.filter { transitions.resolved.contains($0.fingerprint) }
        let resolved = resolvedRows.map { InventoryMapping.finding($0, domain: name.text) }
        let time = now()
        let stillOpenRows = openRows.filter { row in transitions.stillOpen.contains { $0.fingerprint == row.fingerprint } }
        let outbox = alerts?.events(domain: name.text, opened: transitions.opened, resolved: resolvedRows,
                                    stillOpen: stillOpenRows, now: time) ?? []
        let record = PollRecord(
            domainId: domainId, runId: runId, now: time,
            observation: observationRow(summary, json: summaryJSON, hash: contentHash, domainId: domainId, runId: runId, now: time),
            opened: transitions.opened.map { findingRow($0, domainId: domainId, runId: runId, now: time) },
            touched: verdict ? transitions.stillOpen.map(\.fingerprint) : [],
            resolved: transitions.resolved,
            nextPollAt: schedule.nextPoll(domain: name.text, interval: row.intervalSeconds, polledAt: time,
                                          consecutiveTempFailures: consecutive),
            consecutiveTempFailures: consecutive,
            outbox: outbox)
        // A poll the daemon abandoned at shutdown writes nothing: the domain stays due for the next start.
        try Task.checkCancellation()
        let outcome = try store.recordPoll(record)
        return DomainPollResult(domain: name.text, status: summary.status.rawValue, opened: transitions.opened,
                                resolved: resolved, stillOpen: transitions.stillOpen,
                                observationInserted: outcome.observationInserted, consecutiveTempFailures: consecutive)
    }

    func observationRow(_ s: ObservationSummary, json summaryJSON: String, hash: String, domainId: Int64, runId: Int64?,
                        now: Int64) -> ObservationRow {
        ObservationRow(
            domainId: domainId, runId: runId, firstSeenAt: now, lastSeenAt: now, seenCount: 1, status: s.status.rawValue,
            contentHash: hash, spfRecord: s.spfRecord,
            spfRecordsJSON: JSONCoding.string(s.spfRecord.map { [$0] } ?? []), dmarcRecord: s.dmarcRecord,
            dmarcRecordsJSON: JSONCoding.string(s.dmarcRecord.map { [$0] } ?? []), summaryJSON: summaryJSON,
            networksJSON: JSONCoding.string(s.networks), includesJSON: JSONCoding.string(s.includes),
            spfLookups: s.dnsLookups, spfVoidLookups: s.voidLookups, spfResult: s.spfResult,
            dmarcStatus: s.dmarcStatus, dmarcPolicy: s.dmarcPolicy)
    }

    func findingRow(_ f: Finding, domainId: Int64, runId: Int64?, now: Int64) -> FindingRow {
        FindingRow(domainId: domainId, fingerprint: f.fingerprint, kind: f.kind.rawValue, severity: f.severity.rawValue,
                   subject: f.subject, message: f.message, evidenceJSON: JSONCoding.string(f.evidence), fix: f.fix,
                   state: "open", firstSeenAt: now, lastSeenAt: now, openedRunId: runId)
    }
}
