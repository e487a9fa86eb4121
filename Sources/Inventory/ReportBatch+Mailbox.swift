import AuthReports
import Foundation
import GRDB

/// One message of an IMAP mailbox: the mailbox's row id, its UIDVALIDITY and the message's UID.
public struct MailboxMessageMark: Sendable, Hashable {
    public var mailboxId: Int64
    public var uidValidity: Int64
    public var uid: Int64
    public init(mailboxId: Int64, uidValidity: Int64, uid: Int64) {
        self.mailboxId = mailboxId; self.uidValidity = uidValidity; self.uid = uid
    }
}

/// Mailbox messages in a batch: each message's `mailbox_message` row is written in the transaction that holds
/// its reports, so a commit stores both and a rollback (a crash, a kill, a failed commit) neither. A message
/// counts as processed only once that transaction is committed.
extension ReportBatch {
    /// Reads one message like `ingest`, then records it as processed: `stored` when every report in it was
    /// ingested or a duplicate, `rejected` otherwise (broken, not a report, in conflict).
    public func ingest(_ source: any ByteSource, file: String, now: Int64, message mark: MailboxMessageMark) -> [IngestResult] {
        ingest(source, file: file, now: now) { ingestion in
            // A rolled-back batch took this message's reports with it: it must not be marked processed.
            guard !ingestion.lostBatch else { return }
            do {
                try ingestion.beginBatchTransaction()
                try Self.record(mark, results: ingestion.results, now: now, in: self.db)
            } catch {
                try? self.db.rollback()
                ingestion.lostBatch = true
            }
        }
    }

    /// A message refused before it was read (larger than the limits allow): recorded as processed and
    /// rejected, so it is moved aside and never fetched again.
    public func reject(_ result: IngestResult, now: Int64, message mark: MailboxMessageMark) -> [IngestResult] {
        pending.append(result)
        if heldSince == nil { heldSince = Date() }
        do {
            try ReportIngestion(db: db, file: result.file, now: now, lockWait: Self.lockWait).beginBatchTransaction()
            try Self.record(mark, results: [result], now: now, in: db)
        } catch {
            try? db.rollback()
            markUnstored("\(error)")
        }
        return []
    }

    static func record(_ mark: MailboxMessageMark, results: [IngestResult], now: Int64, in db: Database) throws {
        let kept = results.filter { $0.status == .ingested || $0.status == .duplicate }
        let stored = !results.isEmpty && kept.count == results.count
        let detail = results.first { $0.error != nil }?.error.map { String($0.prefix(500)) }
        try db.cachedStatement(sql: """
            INSERT INTO mailbox_message (mailboxId, uidValidity, uid, outcome, reports, detail, processedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (mailboxId, uidValidity, uid) DO UPDATE SET
                outcome = excluded.outcome, reports = excluded.reports, detail = excluded.detail,
                processedAt = excluded.processedAt, disposedAt = NULL
            """).execute(arguments: [mark.mailboxId, mark.uidValidity, mark.uid, stored ? "stored" : "rejected",
                                     kept.count, detail, now])
        try db.cachedStatement(sql: """
            UPDATE mailbox SET lastUID = max(lastUID, ?), updatedAt = ? WHERE id = ? AND uidValidity = ?
            """).execute(arguments: [mark.uid, now, mark.mailboxId, mark.uidValidity])
    }
}
