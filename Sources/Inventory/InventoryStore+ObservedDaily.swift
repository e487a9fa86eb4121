import GRDB

/// One domain's DMARC results for one UTC day, summed over the aggregate reports.
public struct ObservedDay: Sendable, Hashable {
    public var day: String
    public var messages: Int
    /// Messages that passed DMARC: DKIM or SPF aligned pass.
    public var dmarcPass: Int
}

extension InventoryStore {
    /// The domain's messages and DMARC passes per day, oldest first, saturating at
    /// `ReportValues.maximumMessages` (TOTAL rather than SUM, which fails on overflow); empty when no report
    /// was ingested (or the database predates observed senders).
    public func observedDays(domain: String) throws -> [ObservedDay] {
        try writer.read { db in try Self.observedDays(domain: domain, in: db) }
    }

    static func observedDays(domain: String, in db: Database) throws -> [ObservedDay] {
        guard try db.tableExists("observed_sender") else { return [] }
        return try Row.fetchAll(db, sql: """
            SELECT day, TOTAL(messages) AS messages,
                   TOTAL(CASE WHEN dkimAligned = 'pass' OR spfAligned = 'pass' THEN messages ELSE 0 END) AS passed
            FROM observed_sender WHERE domain = ? GROUP BY day ORDER BY day
            """, arguments: [Self.canonicalName(domain)]).map {
            ObservedDay(day: $0["day"], messages: Self.count($0["messages"]), dmarcPass: Self.count($0["passed"]))
        }
    }
}
