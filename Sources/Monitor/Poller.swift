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
    /// `ok` (every part answered), `partial` (some part unknown; the rest judged) or `unknown` (neither the
    /// domain's own SPF nor its DMARC could be read).
    public var status: String
    public var opened: [Finding]
    public var resolved: [Finding]
    public var stillOpen: [Finding]
    /// Open findings left as they were because their evidence is unknown now.
    public var undetermined: [String]
    /// The parts this poll could not read, with why.
    public var unknownParts: [AssessmentPart]
    public var observationInserted: Bool
    public var consecutiveTempFailures: Int
}

/// Polls domains: read what the store knows, gather the DNS answers, judge, and write the observation, the
/// finding transitions, the schedule and the alerts for each domain in one transaction, so a poll killed at
/// any moment leaves every domain either fully polled or untouched.
public struct Poller: Sendable {
    public let store: InventoryStore
    public let resolver: any DNSResolver
    public let concurrency: Int
    public let unreachableAfter: Int
    public let now: @Sendable () -> Int64
    /// Turns a domain's transitions into alert events; they are written in the same transaction as the
    /// transitions, so an alert is queued if and only if its transition is recorded.
    public let alerts: AlertPlanner?
    /// Thresholds of the findings drawn from ingested DMARC reports.
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

    public var assessor: DomainAssessor {
        DomainAssessor(resolver: resolver, settings: DomainJudge.Settings(observed: observed, unreachableAfter: unreachableAfter))
    }

    public func poll(_ row: DomainRow, runId: Int64?) async throws -> DomainPollResult {
        guard let domainId = row.id, let name = try? DomainName(row.name) else {
            throw InputFailure("domain \(row.name) in the database is not a valid name")
        }
        let time = now()
        let (facts, openRows) = try store.facts(for: row, thresholds: observed, now: time)
        let assessment = await assessor.assess(name, facts: facts)
        let transitions = assessment.transitions
        let consecutive = assessment.consecutiveTempFailures
        let resolvedSet = Set(transitions.resolved)
        let stillOpenSet = Set(transitions.stillOpen.map(\.fingerprint))
        let resolvedRows = openRows.filter { resolvedSet.contains($0.fingerprint) }
        let resolved = resolvedRows.map { InventoryMapping.finding($0, domain: name.text) }
        let outbox = alerts?.events(domain: name.text, opened: transitions.opened, resolved: resolvedRows,
                                    stillOpen: openRows.filter { stillOpenSet.contains($0.fingerprint) }, now: time) ?? []
        let record = PollRecord(
            domainId: domainId, runId: runId, now: time,
            observation: observationRow(assessment.summary, domainId: domainId, runId: runId, now: time),
            opened: transitions.opened.map { findingRow($0, domainId: domainId, runId: runId, now: time) },
            touched: transitions.stillOpen.map(\.fingerprint),
            resolved: transitions.resolved,
            nextPollAt: schedule.nextPoll(domain: name.text, interval: row.intervalSeconds, polledAt: time,
                                          consecutiveTempFailures: consecutive),
            consecutiveTempFailures: consecutive,
            outbox: outbox)
        // A poll the daemon abandoned at shutdown writes nothing: the domain stays due for the next start.
        try Task.checkCancellation()
        let outcome = try store.recordPoll(record)
        return DomainPollResult(domain: name.text, status: assessment.status.rawValue, opened: transitions.opened,
                                resolved: resolved, stillOpen: transitions.stillOpen, undetermined: transitions.undetermined,
                                unknownParts: assessment.unknownParts,
                                observationInserted: outcome.observationInserted, consecutiveTempFailures: consecutive)
    }

    func observationRow(_ s: ObservationSummary, domainId: Int64, runId: Int64?, now: Int64) -> ObservationRow {
        ObservationRow(
            domainId: domainId, runId: runId, firstSeenAt: now, lastSeenAt: now, seenCount: 1, status: s.status.rawValue,
            contentHash: s.contentDigest, spfRecord: s.spfRecord,
            spfRecordsJSON: JSONCoding.string(s.spfRecord.map { [$0] } ?? []), dmarcRecord: s.dmarcRecord,
            dmarcRecordsJSON: JSONCoding.string(s.dmarcRecord.map { [$0] } ?? []), summaryJSON: JSONCoding.string(s),
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
