import AuthReports
import Foundation
import GRDB

/// Ingests many inputs through one connection, committing reports in batches: a commit per report (WAL
/// pages, checkpoints) cost more than reading a 50-record report. Each report is still all or nothing — it
/// runs in its own savepoint inside the batch's transaction, released when it parsed completely and rolled
/// back otherwise — and an interruption loses at most the batch's uncommitted reports, never part of one.
/// Results come back only once their batch is committed, in input order, so nothing is said to be stored
/// before it is.
///
/// Another process may write the same database at once (a second `ingest`, a `poll`): a batch holds the
/// write lock at most about `maximumHold` seconds past the input that began it, then commits and leaves the
/// lock free for `handoverPause`, longer than SQLite's busy handler sleeps between tries, so a waiting writer
/// gets its turn instead of starving.
public final class ReportBatch {
    /// The per-record work to do while reading a report ahead (`RecordedInput.record(_:reader:preparation:)`),
    /// so that the batch's writer only adds the records up.
    public static let recordPreparation: RecordedInput.Preparation = ReportIngestion.preparation

    /// A batch is committed after the input that brings it to this many reports or observed lines, which
    /// bounds both the work an interruption loses and how long another writer waits for the lock.
    public static let maximumReports = 100
    public static let maximumLines = 20_000
    public static let maximumHold: TimeInterval = 1
    static let handoverPause: TimeInterval = 0.15
    /// How long a report waits for another process's write lock before it is rejected.
    public static let lockWait: TimeInterval = 600

    let db: Database
    let reader: ReportReader
    var pending: [IngestResult] = []
    var pendingReports = 0
    var pendingLines = 0
    var heldSince: Date?

    init(db: Database, reader: ReportReader) {
        self.db = db
        self.reader = reader
    }

    /// Reads every report in `source` (one file; a container may hold several). Returns the results that are
    /// final now: this input's and earlier ones', when this input completed a batch; otherwise none yet.
    public func ingest(_ source: any ByteSource, file: String, now: Int64) -> [IngestResult] {
        ingest(source, file: file, now: now, alongside: nil)
    }

    /// `ingest` of an input read ahead on another thread (`RecordedInput`): the same results, the same
    /// transactions, only the parsing was done elsewhere.
    public func ingest(_ recorded: RecordedInput, file: String, now: Int64) -> [IngestResult] {
        ingest(file: file, now: now, alongside: nil) { _ = recorded.replay(into: $0) }
    }

    /// `ingest`, with `alongside` writing the input's own rows (a mailbox message's) into the transaction
    /// that holds its reports, before the batch may commit.
    func ingest(_ source: any ByteSource, file: String, now: Int64,
                alongside: ((ReportIngestion) -> Void)?) -> [IngestResult] {
        ingest(file: file, now: now, alongside: alongside) { [reader] in _ = reader.read(source, into: $0) }
    }

    private func ingest(file: String, now: Int64, alongside: ((ReportIngestion) -> Void)?,
                        read: (ReportIngestion) -> Void) -> [IngestResult] {
        let ingestion = ReportIngestion(db: db, file: file, now: now, lockWait: Self.lockWait)
        if heldSince == nil { heldSince = Date() }
        read(ingestion)
        ingestion.abandonOpenReport()
        alongside?(ingestion)
        pending += ingestion.results
        if ingestion.lostBatch { markUnstored("the batch's transaction was rolled back") }
        pendingReports += ingestion.results.count
        pendingLines += ingestion.linesWritten
        let held = heldSince.map { Date().timeIntervalSince($0) } ?? 0
        guard pendingReports >= Self.maximumReports || pendingLines >= Self.maximumLines || held >= Self.maximumHold else {
            return []
        }
        let holding = db.isInsideTransaction
        let results = commit()
        if holding, held >= Self.maximumHold { Thread.sleep(forTimeInterval: Self.handoverPause) }
        return results
    }

    /// A result that needed no database work (an unreadable file), kept in order with the others.
    public func add(_ result: IngestResult) -> [IngestResult] {
        pending.append(result)
        return []
    }

    /// Commits the batch and returns every result not returned yet.
    public func finish() -> [IngestResult] { commit() }

    func markUnstored(_ reason: String) {
        for index in pending.indices where pending[index].status == .ingested {
            pending[index].status = .rejected
            pending[index].error = "not stored: \(reason)"
        }
    }

    func commit() -> [IngestResult] {
        heldSince = nil
        if db.isInsideTransaction {
            do { try db.commit() } catch {
                try? db.rollback()
                markUnstored("\(error)")
            }
        }
        defer { pending = []; pendingReports = 0; pendingLines = 0 }
        return pending
    }
}

extension InventoryStore {
    /// Runs `body` with a `ReportBatch` on the store's writer; whatever is pending when `body` returns (or
    /// throws) is committed.
    public func withReportBatch<T>(reader: ReportReader = ReportReader(), _ body: (ReportBatch) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            // A large report touches many index pages: a 16 MB page cache (instead of 2 MB) keeps them from
            // being written and read back repeatedly, and memory stays bounded.
            try db.execute(sql: "PRAGMA cache_size = -16384")
            let batch = ReportBatch(db: db, reader: reader)
            defer { _ = batch.finish() }
            return try body(batch)
        }
    }
}
