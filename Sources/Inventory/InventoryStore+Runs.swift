#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB

/// Runs: one row per `poll`, daemon or `apply` invocation, so the operator sees when the monitor last worked
/// and which runs died halfway.
extension InventoryStore {
    /// Records the start of a run and returns its id.
    public func beginRun(mode: String, pid: Int32, now: Int64) throws -> Int64 {
        try writer.write { db in
            var run = RunRow(startedAt: now, pid: pid, mode: mode)
            try run.insert(db)
            return run.id!
        }
    }

    /// Records the end of a run with its totals.
    public func finishRun(id: Int64, status: String, domainsPolled: Int, findingsOpened: Int, findingsResolved: Int,
                          message: String?, now: Int64) throws {
        guard RunRow.statuses.contains(status), status != RunRow.statusRunning else {
            throw InventoryError(.invalidRow, "run \(id): cannot finish with status \"\(status)\"; expected ok, "
                + "interrupted or failed")
        }
        try writer.write { db in
            guard var run = try RunRow.fetchOne(db, key: id) else {
                throw InventoryError(.unknownRun, "no run with id \(id) in the inventory")
            }
            let original = run
            run.status = status
            run.finishedAt = now
            run.domainsPolled = domainsPolled
            run.findingsOpened = findingsOpened
            run.findingsResolved = findingsResolved
            run.message = message
            try run.updateChanges(db, from: original)
        }
    }

    /// Marks runs still `running` whose process is gone as `interrupted`; returns how many.
    ///
    /// `isAlive` defaults to `kill(pid, 0)`; tests pass their own. A pid reused by an unrelated process
    /// keeps a dead run looking alive until that process exits: harmless, the run is marked on a later call.
    @discardableResult
    public func markInterruptedRuns(now: Int64, isAlive: (Int32) -> Bool = InventoryStore.processIsAlive)
        throws -> Int {
        try writer.write { db in
            let dead = try RunRow.all().running().fetchAll(db).filter { !isAlive($0.pid) }
            for var run in dead {
                let original = run
                run.status = RunRow.statusInterrupted
                run.finishedAt = now
                run.message = "process \(run.pid) ended before the run finished"
                try run.updateChanges(db, from: original)
            }
            return dead.count
        }
    }

    public func run(id: Int64) throws -> RunRow? {
        try writer.read { db in try RunRow.fetchOne(db, key: id) }
    }

    /// Runs, newest first.
    public func runs(limit: Int? = nil) throws -> [RunRow] {
        try writer.read { db in
            var request = RunRow.all().newestFirst()
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// True if a process with this pid exists (EPERM means it exists but belongs to someone else).
    public static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
