import GRDB

/// The alert outbox: rows enqueued with the change that caused them, handed to the dispatcher until delivered
/// or declared dead. A delivered row is never handed out again.
extension InventoryStore {
    /// Enqueues one alert outside a poll; false if its `eventId` was already enqueued (whatever its state).
    @discardableResult
    public func enqueue(_ row: OutboxRow) throws -> Bool {
        try writer.write { db in try Self.insertOutbox(row, in: db) }
    }

    /// Pending alerts whose back-off has passed (`nextAttemptAt <= now`), oldest first.
    public func pendingOutbox(now: Int64, limit: Int? = nil) throws -> [OutboxRow] {
        try writer.read { db in
            var request = OutboxRow.all().deliverable(at: now)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// Marks a pending alert delivered; false if it was not pending (already delivered, dead or unknown).
    @discardableResult
    public func markDelivered(id: Int64, now: Int64) throws -> Bool {
        try writer.write { db in
            try OutboxRow.filter(key: id).filter(OutboxRow.Columns.state == OutboxRow.statePending)
                .updateAll(db,
                           OutboxRow.Columns.state.set(to: OutboxRow.stateDelivered),
                           OutboxRow.Columns.deliveredAt.set(to: now),
                           OutboxRow.Columns.attempts += 1,
                           OutboxRow.Columns.lastError.set(to: nil)) > 0
        }
    }

    /// Records a failed attempt: counts it, keeps the error, and either retries at `nextAttemptAt` or, with
    /// `dead`, gives up. False if the row was not pending.
    @discardableResult
    public func markAttempt(id: Int64, error: String, nextAttemptAt: Int64, dead: Bool) throws -> Bool {
        try writer.write { db in
            try OutboxRow.filter(key: id).filter(OutboxRow.Columns.state == OutboxRow.statePending)
                .updateAll(db,
                           OutboxRow.Columns.state.set(to: dead ? OutboxRow.stateDead : OutboxRow.statePending),
                           OutboxRow.Columns.attempts += 1,
                           OutboxRow.Columns.lastError.set(to: error),
                           OutboxRow.Columns.nextAttemptAt.set(to: nextAttemptAt)) > 0
        }
    }

    /// Moves pending rows' next attempt to `until` (never earlier than it was) without counting an attempt:
    /// the dispatcher's circuit breaker, for rows it did not try because their receiver did not answer.
    /// Returns the number of rows changed.
    @discardableResult
    public func holdOutbox(ids: [Int64], until: Int64) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try writer.write { db in
            try OutboxRow.filter(ids.contains(OutboxRow.Columns.id))
                .filter(OutboxRow.Columns.state == OutboxRow.statePending && OutboxRow.Columns.nextAttemptAt < until)
                .updateAll(db, OutboxRow.Columns.nextAttemptAt.set(to: until))
        }
    }

    /// `alerts retry`: dead rows (or the given pending/dead ids) back to pending, due now. The attempt count is
    /// kept (it is the row's history, shown by `alerts list`), so a revived row that has used its route's
    /// `max_attempts` gets one more attempt: delivered, or dead again at once, never a second round of
    /// back-off. Delivered rows are never touched: an event a receiver accepted is not sent again.
    /// Returns the number of rows changed.
    @discardableResult
    public func reviveOutbox(ids: [Int64], allDead: Bool, now: Int64) throws -> Int {
        guard !ids.isEmpty || allDead else { return 0 }
        return try writer.write { db in
            var request = OutboxRow.filter([OutboxRow.statePending, OutboxRow.stateDead].contains(OutboxRow.Columns.state))
            if !ids.isEmpty {
                request = request.filter(ids.contains(OutboxRow.Columns.id))
            } else {
                request = request.filter(OutboxRow.Columns.state == OutboxRow.stateDead)
            }
            return try request.updateAll(db,
                                         OutboxRow.Columns.state.set(to: OutboxRow.statePending),
                                         OutboxRow.Columns.nextAttemptAt.set(to: now))
        }
    }

    /// Outbox rows in one state (or all), oldest first: for status reports and tests.
    public func outbox(state: String? = nil) throws -> [OutboxRow] {
        try writer.read { db in
            var request = OutboxRow.order(OutboxRow.Columns.id)
            if let state { request = request.filter(OutboxRow.Columns.state == state) }
            return try request.fetchAll(db)
        }
    }

    // MARK: Poll transaction step

    /// Enqueues a poll's alerts. Returns how many were new.
    static func enqueue(_ rows: [OutboxRow], now: Int64, in db: Database) throws -> Int {
        var enqueued = 0
        for var row in rows {
            if row.createdAt == 0 { row.createdAt = now }
            if try insertOutbox(row, in: db) { enqueued += 1 }
        }
        return enqueued
    }

    private static func insertOutbox(_ row: OutboxRow, in db: Database) throws -> Bool {
        let known = try db.cachedStatement(sql: "SELECT COUNT(*) FROM outbox WHERE eventId = ?")
        guard try Int.fetchOne(known, arguments: [row.eventId]) == 0 else { return false }
        var row = row
        row.id = nil
        row.state = OutboxRow.statePending
        row.attempts = 0
        row.deliveredAt = nil
        try row.insert(db)
        return true
    }
}
