import Audit
import DNSCore
import Foundation
import GRDB

/// What the store holds for one domain's assessment, with the open finding rows the alerts need.
public struct PollFacts: Sendable {
    public var facts: DomainFacts
    /// The open findings as stored (ids and dates for the alert planner).
    public var openRows: [FindingRow]
}

/// The store's half of an assessment: everything the domains need, read before any DNS query, in one read
/// transaction per batch of domains.
extension InventoryStore {
    /// The facts of `rows` for an assessment at `now` (epoch seconds), in the order given. Observed-sender
    /// windows count back from the last reported day that has already happened, never from a day to come.
    public func facts(for rows: [DomainRow], thresholds: ObservedThresholds, now: Int64) async throws -> [PollFacts] {
        try await writer.read { db in try Self.facts(for: rows, thresholds: thresholds, now: now, in: db) }
    }

    static func facts(for rows: [DomainRow], thresholds: ObservedThresholds, now: Int64, in db: Database) throws -> [PollFacts] {
        let ids = try rows.map { row -> Int64 in
            guard let id = row.id else { throw InventoryError(.unknownDomain, "domain \(row.name) has not been stored") }
            return id
        }
        let marks = databaseQuestionMarks(count: ids.count)
        let arguments = StatementArguments(ids)
        let senders = Dictionary(grouping: try SenderRow.fetchAll(
            db, sql: "SELECT * FROM sender WHERE domainId IN (\(marks)) ORDER BY kind, value", arguments: arguments), by: \.domainId)
        let open = Dictionary(grouping: try FindingRow.fetchAll(
            db, sql: "SELECT * FROM finding WHERE state = 'open' AND domainId IN (\(marks)) ORDER BY id", arguments: arguments),
            by: \.domainId)
        let flattened = Dictionary(grouping: try FlattenedIncludeRow.fetchAll(
            db, sql: "SELECT * FROM flattenedInclude WHERE domainId IN (\(marks)) ORDER BY include", arguments: arguments),
            by: \.domainId)
        var latest: [Int64: Row] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT domainId, contentHash, status, summaryJSON FROM observation
            WHERE id IN (SELECT MAX(id) FROM observation WHERE domainId IN (\(marks)) GROUP BY domainId)
            """, arguments: arguments) {
            latest[row["domainId"]] = row
        }
        let tlsReports = try hasTLSReports(in: db)
        return try zip(rows, ids).map { row, id in
            var facts = DomainFacts(approved: (senders[id] ?? []).compactMap(InventoryMapping.sender),
                                    expectations: InventoryMapping.expectations(row),
                                    consecutiveTempFailures: row.consecutiveTempFailures)
            if let stored = latest[id] { try baseline(stored, domainId: id, into: &facts, in: db) }
            let openRows = open[id] ?? []
            facts.openFindings = openRows.map {
                StoredFinding(finding: InventoryMapping.finding($0, domain: row.name), firstSeenAt: $0.firstSeenAt)
            }
            facts.observed = try observedFacts(domain: row.name, thresholds: thresholds, now: now, in: db)
            facts.dkim = try reportedSelectors(domain: row.name, observed: facts.observed, thresholds: thresholds, now: now, in: db)
            if let name = try? DomainName(row.name), row.dkimSelectors != nil || facts.approved.contains(where: { !$0.dkimSelectors.isEmpty }) {
                facts.dkim = facts.dkimSelectors(domain: name, domainSelectors: InventoryMapping.selectors(row.dkimSelectors))
            }
            facts.flattened = (flattened[id] ?? []).map(InventoryMapping.copy)
            if tlsReports {
                facts.tlsReports = try tlsReportFacts(domain: row.name, windowDays: TLSReportThresholds().windowDays, now: now, in: db)
            }
            return PollFacts(facts: facts, openRows: openRows)
        }
    }

    /// The summary drift is measured against: the latest observation, left undecoded until it is needed. A row
    /// written before parts had states that ended in a temporary failure knows nothing; the latest good one
    /// stands in for it.
    static func baseline(_ latest: Row, domainId: Int64, into facts: inout DomainFacts, in db: Database) throws {
        let json: String = latest["summaryJSON"]
        let status: String = latest["status"]
        if status == ObservationRow.statusTempError, !json.contains("\"spfState\"") {
            let statement = try db.cachedStatement(sql: """
                SELECT summaryJSON FROM observation WHERE domainId = ? AND status = 'ok' ORDER BY id DESC LIMIT 1
                """)
            facts.storedBaseline = try String.fetchOne(statement, arguments: [domainId])
            return
        }
        facts.storedBaseline = json
        facts.baselineDigest = latest["contentHash"]
    }

    static func observedFacts(domain: String, thresholds: ObservedThresholds, now: Int64, in db: Database) throws -> ObservedFacts? {
        guard let span = try observedSpan(domain: domain, in: db), let last = UTCDay.dayNumber(span.lastDay) else { return nil }
        let end = min(last, UTCDay.number(now))
        let windowStart = UTCDay.text(dayNumber: end - Int64(max(1, thresholds.windowDays)) + 1)
        let recent = try observedSources(domain: domain, since: windowStart, in: db).compactMap(InventoryMapping.observed)
        let staleBefore = UTCDay.text(dayNumber: end - Int64(thresholds.staleDays))
        let staleApplies = span.firstDay <= staleBefore
        let all = staleApplies ? try observedSources(domain: domain, since: nil, in: db).compactMap(InventoryMapping.observed) : []
        return ObservedFacts(firstDay: span.firstDay, lastDay: span.lastDay, recent: recent, all: all,
                             staleBefore: staleApplies ? staleBefore : nil)
    }
}
