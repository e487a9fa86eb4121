import Audit
import AuthReports
import Foundation
import GRDB

/// The database side of `ReportIngestion`: the batch's write transaction, the report's savepoint, the upserts
/// and the `report` row.
extension ReportIngestion {
    /// Begins the batch's write transaction, waiting for another process's writer (an `ingest` or `poll`
    /// beside this one) for up to `lockWait` seconds: SQLite's busy timeout waits in each attempt, and a
    /// busy error after it is retried until the deadline.
    func beginBatchTransaction() throws {
        guard !db.isInsideTransaction else { return }
        let deadline = Date().addingTimeInterval(lockWait)
        while true {
            do {
                try db.beginTransaction(.immediate)
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                guard Date() < deadline else {
                    throw ReportError(.rejectedByConsumer, "the database stayed locked by another writer for "
                        + "\(Int(lockWait)) s; try again when it is done")
                }
            }
        }
    }

    /// Stores a report that parsed completely: its lines, then its row, then the savepoint is released.
    func store(_ result: inout IngestResult, _ summary: ReportSummary) {
        do {
            guard current?.inTransaction == true else {
                throw ReportError(.rejectedByConsumer, "the report began without its header")
            }
            try flush()
            try insertReport(summary, warnings: result.warnings, digest: result.digest)
            try db.cachedStatement(sql: "RELEASE SAVEPOINT report").execute()
            current?.inTransaction = false
            result.status = .ingested
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            // Only a writer outside the transaction could have stored it first; then this one is a duplicate.
            rollback()
            result.status = .duplicate
        } catch {
            rollback()
            result.error = "not stored: \(error)"
        }
    }

    func flush() throws {
        if let selectors = current?.selectors, !selectors.isEmpty {
            current!.selectors = [:]
            try DKIMSelectorUpsert.write(selectors, in: db)
        }
        guard var aggregate = current?.aggregate, !aggregate.isEmpty else { return }
        current!.aggregate = [:]
        let upsert = try ObservedUpsert(db)
        // In key order, the index pages are visited once each rather than at random. Sorting (key, index) pairs
        // moves 16-byte values instead of whole lines (13 strings each).
        var order: [(lineKey: Int64, index: Dictionary<Line, Counts>.Index)] = []
        order.reserveCapacity(aggregate.count)
        var index = aggregate.startIndex
        while index != aggregate.endIndex {
            order.append((aggregate.keys[index].lineKey, index))
            aggregate.formIndex(after: &index)
        }
        order.sort { $0.lineKey < $1.lineKey }
        for entry in order {
            let (line, counts) = aggregate[entry.index]
            try upsert.add(line.key, lineKey: entry.lineKey, messages: counts.messages, rows: counts.rows)
        }
        linesWritten += aggregate.count
        aggregate.removeAll(keepingCapacity: true)
        current!.aggregate = aggregate
    }

    private func insertReport(_ summary: ReportSummary, warnings: [String], digest: String?) throws {
        let policy = summary.policy
        let policyJSON = Self.policyJSON(policy)
        try db.cachedStatement(sql: """
            INSERT INTO report (orgKey, orgName, reportId, domain, email, beginAt, endAt, records, messages, warningsJSON,
                                policyJSON, file, ingestedAt, contentDigest)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [Self.orgName(summary).lowercased(), Self.orgName(summary), summary.metadata.reportID,
                             policy.domain, summary.metadata.email, summary.metadata.begin, summary.metadata.end,
                             summary.recordCount, summary.messageCount, Self.json(warnings), policyJSON, file, now, digest])
    }

    func rollback() {
        guard current?.inTransaction == true else { return }
        rollbackSavepoint()
        current?.inTransaction = false
    }

    /// Undoes the report's savepoint.
    func rollbackSavepoint() {
        do {
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT report").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT report").execute()
        } catch {
            // The savepoint is gone only if the whole transaction is: then nothing of the batch survives.
            try? db.rollback()
            lostBatch = true
        }
    }

    /// Refuses a report whose days end after `now` plus a day of clock skew: `subject` says what ends when
    /// ("report 'x': date-range ends").
    func refuseFuture(_ end: Int64, _ subject: String) throws {
        guard end > now + Self.clockSkew else { return }
        throw ReportError(.impossibleValue, "\(subject) on \(UTCDay.text(epochSeconds: end)), after today "
            + "(\(UTCDay.text(epochSeconds: now))) and a day of clock skew: a report cannot describe days that have not happened")
    }

    /// The published policy a report names, as a JSON object of the tags it gave (keys sorted, as
    /// `JSONCoding` writes it).
    static func policyJSON(_ policy: PolicyPublished) -> String {
        let fields: [(String, String?)] = [("adkim", policy.adkim), ("aspf", policy.aspf), ("fo", policy.fo), ("np", policy.np),
                                           ("p", policy.p), ("pct", policy.pct.map(String.init)), ("sp", policy.sp),
                                           ("testing", policy.testing)]
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        for (name, value) in fields { writer.field(name, value) }
        writer.endObject()
        return writer.text
    }

    /// A list of texts as JSON, as `JSONCoding` writes it.
    static func json(_ texts: [String]) -> String {
        if texts.isEmpty { return "[]" }
        var writer = JSONWriter(capacity: 256)
        writer.beginArray()
        for text in texts { writer.string(text) }
        writer.endArray()
        return writer.text
    }
}
