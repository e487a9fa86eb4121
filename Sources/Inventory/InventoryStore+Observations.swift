import GRDB

/// History: what each poll saw, and the one-transaction write of a poll's result.
extension InventoryStore {
    /// Writes a poll's observation, finding changes, schedule and alerts in one transaction.
    public func recordPoll(_ poll: PollRecord) throws -> PollOutcome {
        try writer.write { db in try Self.apply(poll, in: db) }
    }

    /// Writes several domains' polls in one transaction: a process killed meanwhile leaves all of them or none,
    /// and the batch costs one commit instead of one per domain.
    public func recordPolls(_ polls: [PollRecord]) async throws -> [PollOutcome] {
        guard !polls.isEmpty else { return [] }
        return try await writer.write { db in try polls.map { try Self.apply($0, in: db) } }
    }

    static func apply(_ poll: PollRecord, in db: Database) throws -> PollOutcome {
        do {
            let schedule = try db.cachedStatement(sql: """
                UPDATE domain SET lastPollAt = ?, nextPollAt = ?, consecutiveTempFailures = ? WHERE id = ?
                """)
            try schedule.execute(arguments: [poll.now, poll.nextPollAt, poll.consecutiveTempFailures, poll.domainId])
            guard db.changesCount == 1 else {
                throw InventoryError(.unknownDomain, "no domain with id \(poll.domainId) in the inventory")
            }
            let (observationId, inserted) = try Self.storeObservation(poll, in: db)
            let resolved = try Self.resolveFindings(poll.resolved, domainId: poll.domainId, runId: poll.runId,
                                                    now: poll.now, in: db)
            try Self.touchFindings(poll.touched, domainId: poll.domainId, now: poll.now, in: db)
            let opened = try Self.openFindings(poll.opened, domainId: poll.domainId, runId: poll.runId,
                                               now: poll.now, in: db)
            let enqueued = try Self.enqueue(poll.outbox, now: poll.now, in: db)
            try poll.extra?(db)
            return PollOutcome(observationId: observationId, observationInserted: inserted,
                               opened: opened, resolved: resolved, enqueued: enqueued)
        }
    }

    /// The domain's most recent observation, whatever its status.
    public func latestObservation(domainId: Int64) throws -> ObservationRow? {
        try writer.read { db in try ObservationRow.all().of(domainId: domainId).newestFirst().fetchOne(db) }
    }

    /// The most recent observation that got an answer: the baseline drift is measured against, so a DNS timeout
    /// is never mistaken for "the record disappeared".
    public func latestGoodObservation(domainId: Int64) throws -> ObservationRow? {
        try writer.read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM observation WHERE domainId = ? AND status = 'ok' ORDER BY id DESC LIMIT 1")
            return try ObservationRow.fetchOne(statement, arguments: [domainId])
        }
    }

    /// The domain's observations, newest first.
    public func observations(domainId: Int64, limit: Int? = nil) throws -> [ObservationRow] {
        try writer.read { db in
            var request = ObservationRow.all().of(domainId: domainId).newestFirst()
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// Inserts the observation, or extends the latest one when nothing known changed. The content hash covers
    /// values, not how they were obtained: a poll that carried an unanswered part forward extends the row, and
    /// a complete poll that finds the same values replaces a partial row's summary with its own.
    private static func storeObservation(_ poll: PollRecord, in db: Database) throws -> (Int64, Bool) {
        var new = poll.observation
        let latestStatement = try db.cachedStatement(sql: """
            SELECT id, contentHash, status FROM observation WHERE domainId = ? ORDER BY id DESC LIMIT 1
            """)
        if let latest = try Row.fetchOne(latestStatement, arguments: [poll.domainId]),
           latest["contentHash"] == new.contentHash {
            let id: Int64 = latest["id"]
            let status: String = latest["status"]
            if new.status == "ok", status != "ok" {
                poll.fillObservation?(&new)
                let upgrade = try db.cachedStatement(sql: """
                    UPDATE observation SET lastSeenAt = ?, seenCount = seenCount + 1, status = ?, summaryJSON = ? WHERE id = ?
                    """)
                try upgrade.execute(arguments: [poll.now, new.status, new.summaryJSON, id])
            } else {
                let extend = try db.cachedStatement(sql: "UPDATE observation SET lastSeenAt = ?, seenCount = seenCount + 1 WHERE id = ?")
                try extend.execute(arguments: [poll.now, id])
            }
            return (id, false)
        }
        poll.fillObservation?(&new)
        var row = new
        row.id = nil
        row.domainId = poll.domainId
        row.runId = poll.runId
        row.firstSeenAt = poll.now
        row.lastSeenAt = poll.now
        row.seenCount = 1
        try row.insert(db)
        return (row.id!, true)
    }
}
