import MonitorConfig
import Alerting
import Audit
import DNSCore
import Foundation
import TransportPolicy
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
    /// Fingerprints of the findings that stay open (seen again now).
    public var stillOpen: [String]
    /// Open findings left as they were because their evidence is unknown now.
    public var undetermined: [String]
    /// The parts this poll could not read, with why.
    public var unknownParts: [AssessmentPart]
    public var observationInserted: Bool
    public var consecutiveTempFailures: Int
    /// The DNSSEC status of each deciding answer; empty when validation is off.
    public var dnssec: [DNSSECCheck] = []
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
    /// Fetches MTA-STS policies (nil: the policy part stays unknown), and the days before a policy host's
    /// certificate expires when the poll warns.
    public var fetcher: (any PolicyFetcher)?
    public var certificateWarningDays = 14
    /// When SMTP TLS reports open `tlsrpt.failures`.
    public var tlsReports = TLSReportThresholds()
    /// Names the observed sources (the catalogue of the settings); one per poller, so a run reads the
    /// catalogue providers' networks and each reverse name once.
    public var sourceNamer: SourceNamer
    /// Validates the deciding answers with DNSSEC; nil (the default) validates nothing.
    public var validator: (any DNSSECValidator)?
    public var dnssecWarningDays = 7
    public var dnssecErrorDays = 2
    /// When each domain is due next (spread, back-off); shared by `poll` and the daemon.
    public let schedule: PollSchedule
    /// Called after each domain of `poll(_:runId:)` is written (the CLI's progress line).
    public var onDomainPolled: (@Sendable (DomainPollResult) -> Void)?

    public init(store: InventoryStore, resolver: any DNSResolver, concurrency: Int = 32, unreachableAfter: Int = 3,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                alerts: AlertPlanner? = nil, schedule: PollSchedule = PollSchedule()) {
        self.store = store; self.resolver = resolver; self.concurrency = max(1, concurrency)
        self.unreachableAfter = unreachableAfter; self.now = now; self.alerts = alerts; self.schedule = schedule
        self.sourceNamer = SourceNamer(resolver: resolver)
    }

    /// Domains whose facts are read in one transaction, and whose polls are written in one.
    public static let batchSize = 64

    /// Polls the given domains concurrently; results come back in the given order. Facts are read ahead a
    /// batch at a time and results written a batch at a time, each batch one transaction: a poll killed at
    /// any moment leaves every batch whole or absent.
    public func poll(_ domains: [DomainRow], runId: Int64?) async throws -> [DomainPollResult] {
        var results: [DomainPollResult] = []
        results.reserveCapacity(domains.count)
        try await poll(domains, runId: runId) { _, result in results.append(result) }
        return results
    }

    /// `poll`, handing each domain's result to `each` (with its index in `domains`) in the order of `domains`
    /// once it and every domain before it are stored, and keeping none: a first poll of 10,000 domains opens
    /// some 50,000 findings, and holding them all to the end was a third of the poll's peak memory.
    public func poll(_ domains: [DomainRow], runId: Int64?,
                     each: (_ index: Int, _ result: DomainPollResult) -> Void) async throws {
        let batch = Self.batchSize
        let store = store, observed = observed, now = now, onDomainPolled = onDomainPolled
        func readFacts(_ start: Int) -> Task<[PollFacts], any Error>? {
            guard start < domains.count else { return nil }
            let chunk = Array(domains[start..<min(start + batch, domains.count)])
            return Task { try await store.facts(for: chunk, thresholds: observed, now: now()) }
        }
        // Batches are written one after another, each its own transaction, while the next ones are gathered:
        // the gathering never waits for a commit, and results still reach the caller in order.
        var writes: [(task: Task<[DomainPollResult], any Error>, indices: [Int])] = []
        var lastWrite: Task<[DomainPollResult], any Error>?
        func write(_ items: [(index: Int, poll: PreparedPoll)]) {
            let previous = lastWrite
            let task = Task {
                _ = try await previous?.value
                try Task.checkCancellation()
                let outcomes = try await store.recordPolls(items.map(\.poll.record))
                return zip(items, outcomes).map { item, outcome in
                    var result = item.poll.result
                    result.observationInserted = outcome.observationInserted
                    PollMetrics.record(result, duration: ContinuousClock.now - item.poll.started)
                    onDomainPolled?(result)
                    return result
                }
            }
            writes.append((task, items.map(\.index)))
            lastWrite = task
        }
        // Stored results wait here until every domain before them is stored too.
        var waiting: [Int: DomainPollResult] = [:]
        var nextOut = 0
        /// Waits for the oldest writes until at most `keep` are outstanding, handing their results on.
        func drain(keeping keep: Int) async throws {
            while writes.count > keep {
                let (task, indices) = writes.removeFirst()
                for (index, result) in zip(indices, try await task.value) { waiting[index] = result }
                while let result = waiting.removeValue(forKey: nextOut) {
                    each(nextOut, result)
                    nextOut += 1
                }
            }
        }
        do {
            try await withThrowingTaskGroup(of: (Int, PreparedPoll).self) { group in
                var next = 0, running = 0
                var facts: [PollFacts] = [], factsStart = 0
                var ahead = readFacts(0)
                var ready: [(index: Int, poll: PreparedPoll)] = []
                while true {
                    while next < domains.count, running < concurrency {
                        if next >= factsStart + facts.count {
                            // The batch read ahead; start reading the one after it.
                            facts = try await ahead!.value
                            factsStart = next
                            ahead = readFacts(next + batch)
                        }
                        let index = next, row = domains[index], stored = facts[index - factsStart]
                        group.addTask { (index, try await self.prepare(row, facts: stored, runId: runId)) }
                        next += 1
                        running += 1
                    }
                    guard let (index, prepared) = try await group.next() else { break }
                    running -= 1
                    ready.append((index, prepared))
                    if ready.count >= batch {
                        write(ready)
                        ready.removeAll(keepingCapacity: true)
                        // Bounded: at most a few batches wait for the writer.
                        try await drain(keeping: 2)
                    }
                }
                if !ready.isEmpty { write(ready) }
            }
            try await drain(keeping: 0)
        } catch {
            // Whatever was handed to the writer is written whole or not at all; wait for it before reporting.
            for (task, _) in writes { _ = try? await task.value }
            throw error
        }
        assert(nextOut == domains.count && waiting.isEmpty, "every domain's result is handed on once")
    }

    public var assessor: DomainAssessor {
        DomainAssessor(resolver: resolver, settings: DomainJudge.Settings(observed: observed, unreachableAfter: unreachableAfter,
                                                                          certificateWarningDays: certificateWarningDays, now: now(),
                                                                          dnssecWarningDays: dnssecWarningDays,
                                                                          dnssecErrorDays: dnssecErrorDays, tlsReports: tlsReports),
                       fetcher: fetcher, validator: validator, namer: sourceNamer)
    }

    /// One domain, read and written on its own (the daemon's unit of work).
    public func poll(_ row: DomainRow, runId: Int64?) async throws -> DomainPollResult {
        let facts = try await store.facts(for: [row], thresholds: observed, now: now())
        let prepared = try await prepare(row, facts: facts[0], runId: runId)
        // A poll the daemon abandoned at shutdown writes nothing: the domain stays due for the next start.
        try Task.checkCancellation()
        var result = prepared.result
        result.observationInserted = try await store.recordPolls([prepared.record])[0].observationInserted
        return result
    }

    /// A domain's poll up to its write: what to store, and what to report once it is stored.
    public struct PreparedPoll: Sendable {
        public var record: PollRecord
        public var result: DomainPollResult
        public var started: ContinuousClock.Instant
    }

    /// Gathers and judges one domain against its stored facts.
    func prepare(_ row: DomainRow, facts stored: PollFacts, runId: Int64?) async throws -> PreparedPoll {
        let started = ContinuousClock.now
        guard let domainId = row.id, let name = try? DomainName(row.name) else {
            throw InputFailure("domain \(row.name) in the database is not a valid name")
        }
        let time = now()
        let openRows = stored.openRows
        let assessment = await assessor.assess(name, facts: stored.facts)
        let transitions = assessment.transitions
        let consecutive = assessment.consecutiveTempFailures
        let resolvedSet = Set(transitions.resolved)
        let stillOpen = transitions.stillOpen.map(\.fingerprint)
        let stillOpenSet = Set(stillOpen)
        let resolvedRows = openRows.filter { resolvedSet.contains($0.fingerprint) }
        let outbox = alerts?.events(domain: name.text, opened: transitions.opened, resolved: resolvedRows,
                                    stillOpen: openRows.filter { stillOpenSet.contains($0.fingerprint) }, now: time) ?? []
        let summary = assessment.summary
        var record = PollRecord(
            domainId: domainId, runId: runId, now: time,
            observation: Self.observationRow(summary, domainId: domainId, runId: runId, now: time),
            opened: transitions.opened.map { findingRow($0, domainId: domainId, runId: runId, now: time) },
            touched: stillOpen,
            resolved: transitions.resolved,
            nextPollAt: schedule.nextPoll(domain: name.text, interval: row.intervalSeconds, polledAt: time,
                                          consecutiveTempFailures: consecutive),
            consecutiveTempFailures: consecutive,
            outbox: outbox)
        record.fillObservation = { Self.fill(&$0, from: summary) }
        let result = DomainPollResult(domain: name.text, status: assessment.status.rawValue, opened: transitions.opened,
                                      resolved: resolvedRows.map { InventoryMapping.finding($0, domain: name.text) },
                                      stillOpen: stillOpen,
                                      undetermined: transitions.undetermined, unknownParts: assessment.unknownParts,
                                      observationInserted: false, consecutiveTempFailures: consecutive,
                                      dnssec: assessment.observation.dnssec)
        return PreparedPoll(record: record, result: result, started: started)
    }

    /// The observation row without its JSON columns, which `fill` writes only if a row is stored from it.
    static func observationRow(_ s: ObservationSummary, domainId: Int64, runId: Int64?, now: Int64) -> ObservationRow {
        ObservationRow(
            domainId: domainId, runId: runId, firstSeenAt: now, lastSeenAt: now, seenCount: 1, status: s.status.rawValue,
            contentHash: s.contentDigest, spfRecord: s.spfRecord, spfRecordsJSON: "[]", dmarcRecord: s.dmarcRecord,
            dmarcRecordsJSON: "[]", summaryJSON: "{}", networksJSON: "[]", includesJSON: "[]",
            spfLookups: s.dnsLookups, spfVoidLookups: s.voidLookups, spfResult: s.spfResult,
            dmarcStatus: s.dmarcStatus, dmarcPolicy: s.dmarcPolicy)
    }

    static func fill(_ row: inout ObservationRow, from s: ObservationSummary) {
        row.spfRecordsJSON = JSONCoding.string(s.spfRecord.map { [$0] } ?? [])
        row.dmarcRecordsJSON = JSONCoding.string(s.dmarcRecord.map { [$0] } ?? [])
        row.summaryJSON = JSONCoding.string(s)
        row.networksJSON = JSONCoding.string(s.networks)
        row.includesJSON = JSONCoding.string(s.includes)
    }

    func findingRow(_ f: Finding, domainId: Int64, runId: Int64?, now: Int64) -> FindingRow {
        FindingRow(domainId: domainId, fingerprint: f.fingerprint, kind: f.kind.rawValue, severity: f.severity.rawValue,
                   subject: f.subject, message: f.message, evidenceJSON: JSONCoding.string(f.evidence), fix: f.fix,
                   state: "open", firstSeenAt: now, lastSeenAt: now, openedRunId: runId)
    }
}
