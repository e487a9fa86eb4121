import GRDB

/// Everything one poll of one domain writes, applied by `InventoryStore.recordPoll` in a single transaction:
/// a process killed at any moment leaves all of it or none of it, so findings never disagree with the
/// observation they came from and an alert is never enqueued for a change that was not recorded.
public struct PollRecord: Sendable {
    public var domainId: Int64
    public var runId: Int64?
    public var now: Int64
    /// What the poll saw; its id, domainId, runId, times and seenCount are set by the store. If the domain's
    /// latest observation has the same `contentHash` and `status`, that row is extended instead of a new one.
    public var observation: ObservationRow
    /// Findings to open. A fingerprint already open is treated as touched (its lastSeenAt, message, severity,
    /// subject, evidence and fix are refreshed) rather than failing, so callers may pass every current finding.
    public var opened: [FindingRow]
    /// Fingerprints still open: their `lastSeenAt` moves to `now`.
    public var touched: [String]
    /// Fingerprints that went away: resolved at `now`. Applied before `opened`, so a fingerprint in both ends open.
    public var resolved: [String]
    public var nextPollAt: Int64
    public var consecutiveTempFailures: Int
    /// Alerts to enqueue with the poll (transactional outbox), as pending rows; an `eventId` already enqueued
    /// is skipped. A `createdAt` of 0 becomes `now`; a `nextAttemptAt` of 0 makes the row deliverable at once.
    public var outbox: [OutboxRow]
    /// A hook run last inside the same transaction; if it throws, nothing of the poll is written.
    public var extra: (@Sendable (Database) throws -> Void)?
    /// Completes `observation` (its JSON columns) when a row is written from it; most polls only extend the
    /// latest row, and then the encoding is never paid for.
    public var fillObservation: (@Sendable (inout ObservationRow) -> Void)?

    public init(domainId: Int64, runId: Int64? = nil, now: Int64, observation: ObservationRow,
                opened: [FindingRow] = [], touched: [String] = [], resolved: [String] = [],
                nextPollAt: Int64, consecutiveTempFailures: Int = 0, outbox: [OutboxRow] = [],
                extra: (@Sendable (Database) throws -> Void)? = nil) {
        self.domainId = domainId; self.runId = runId; self.now = now; self.observation = observation
        self.opened = opened; self.touched = touched; self.resolved = resolved
        self.nextPollAt = nextPollAt; self.consecutiveTempFailures = consecutiveTempFailures
        self.outbox = outbox; self.extra = extra
    }
}

/// What `recordPoll` wrote.
public struct PollOutcome: Sendable, Hashable {
    /// The observation row holding this poll (new or extended).
    public var observationId: Int64
    /// True if the poll saw something new and added a row; false if it extended the latest one.
    public var observationInserted: Bool
    /// Findings newly opened (already-open fingerprints in `opened` are not counted).
    public var opened: Int
    /// Findings resolved (fingerprints that were not open are not counted).
    public var resolved: Int
    /// Outbox rows enqueued (event ids already present are not counted).
    public var enqueued: Int

    public init(observationId: Int64, observationInserted: Bool, opened: Int, resolved: Int, enqueued: Int = 0) {
        self.observationId = observationId; self.observationInserted = observationInserted
        self.opened = opened; self.resolved = resolved; self.enqueued = enqueued
    }
}
