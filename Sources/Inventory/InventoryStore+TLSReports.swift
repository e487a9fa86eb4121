import Audit
import AuthReports
import Foundation
import GRDB

/// The stored SMTP TLS reports of a domain, as the judge reads them.
extension InventoryStore {
    /// Whether any TLS report is stored: most inventories have none, and then no domain pays a query. A file
    /// opened read-only from before `v12-tlsrpt-failure` has no table yet: it has no reports either.
    static func hasTLSReports(in db: Database) throws -> Bool {
        guard try db.tableExists("tls_result") else { return false }
        return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tls_result)") ?? false
    }

    /// The two windows of `TLSReportFacts` for `domain`, counted back from its latest reported day that has
    /// already happened; nil when no report covers the domain.
    static func tlsReportFacts(domain: String, windowDays: Int, now: Int64, in db: Database) throws -> TLSReportFacts? {
        let key = domain.lowercased()
        guard let span = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT MIN(day) AS first, MAX(day) AS last FROM tls_result WHERE policyDomain = ?
            """), arguments: [key]), let first: String = span["first"], let lastText: String = span["last"],
            let last = UTCDay.dayNumber(lastText) else { return nil }
        let end = min(last, UTCDay.number(now))
        let days = Int64(max(1, windowDays))
        let start = end - days + 1
        func window(from: Int64, to: Int64) throws -> TLSReportFacts.Window {
            var window = TLSReportFacts.Window()
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT resultType, receivingMX, SUM(sessions) AS sessions FROM tls_result
                WHERE policyDomain = ? AND day >= ? AND day <= ? GROUP BY resultType, receivingMX
                """), arguments: [key, UTCDay.text(dayNumber: from), UTCDay.text(dayNumber: to)])
            for row in rows {
                let type: String = row["resultType"], mx: String = row["receivingMX"]
                let sessions = min(max(row["sessions"] as Int64? ?? 0, 0), Int64(1_000_000_000_000))
                if type == "success" {
                    window.successful += Int(sessions)
                } else {
                    window.failures[type, default: [:]][mx, default: 0] += Int(sessions)
                }
            }
            window.reporters = try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT r.orgName FROM tls_result t JOIN tls_report r ON r.id = t.reportRowId
                WHERE t.policyDomain = ? AND t.day >= ? AND t.day <= ? ORDER BY r.orgName LIMIT 20
                """), arguments: [key, UTCDay.text(dayNumber: from), UTCDay.text(dayNumber: to)])
            return window
        }
        let recent = try window(from: start, to: end)
        let reachesBack = first < UTCDay.text(dayNumber: start)
        let before = reachesBack ? try window(from: start - days, to: start - 1) : nil
        return TLSReportFacts(firstDay: first, lastDay: UTCDay.text(dayNumber: end), windowStart: UTCDay.text(dayNumber: start),
                              recent: recent, before: before)
    }
}

/// One UTC day of a domain's SMTP TLS reports: sessions, and the failures by result type and MX.
public struct TLSReportDay: Sendable, Hashable {
    public struct Failure: Sendable, Hashable {
        public var resultType: String
        /// '' when the reports named no MX.
        public var receivingMX: String
        public var sessions: Int
    }
    public var day: String
    public var successful: Int
    public var failures: [Failure]
    public var failed: Int { failures.reduce(0) { $0 + $1.sessions } }
    public var sessions: Int { successful + failed }
}

extension InventoryStore {
    /// Each day of `domain`'s TLS reports from `since` on, oldest first, with the reporters heard from.
    public func tlsReportDays(domain: String, since: String? = nil) throws -> (days: [TLSReportDay], reporters: [String], reports: Int) {
        try writer.read { db in
            guard try db.tableExists("tls_result") else { return ([], [], 0) }
            let key = domain.lowercased(), from = since ?? "0000-00-00"
            var days: [String: TLSReportDay] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT day, resultType, receivingMX, SUM(sessions) AS sessions FROM tls_result
                WHERE policyDomain = ? AND day >= ? GROUP BY day, resultType, receivingMX ORDER BY day, resultType, receivingMX
                """, arguments: [key, from]) {
                let day: String = row["day"], type: String = row["resultType"]
                let sessions = Int(min(max(row["sessions"] as Int64? ?? 0, 0), Int64(ReportValues.maximumMessages)))
                var entry = days[day] ?? TLSReportDay(day: day, successful: 0, failures: [])
                if type == "success" {
                    entry.successful += sessions
                } else {
                    entry.failures.append(.init(resultType: type, receivingMX: row["receivingMX"], sessions: sessions))
                }
                days[day] = entry
            }
            let reporters = try String.fetchAll(db, sql: """
                SELECT DISTINCT r.orgName FROM tls_result t JOIN tls_report r ON r.id = t.reportRowId
                WHERE t.policyDomain = ? AND t.day >= ? ORDER BY r.orgName
                """, arguments: [key, from])
            let reports = try Int.fetchOne(db, sql: """
                SELECT COUNT(DISTINCT reportRowId) FROM tls_result WHERE policyDomain = ? AND day >= ?
                """, arguments: [key, from]) ?? 0
            return (days.values.sorted { $0.day < $1.day }, reporters, reports)
        }
    }
}
