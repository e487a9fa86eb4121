import GRDB

/// Aggregates for the health metrics: cheap grouped counts over indexed columns, read in one snapshot.
extension InventoryStore {
    public struct HealthCounts: Sendable, Hashable {
        /// Open findings by kind and severity.
        public var openFindings: [FindingKey: Int] = [:]
        /// Outbox rows by state (pending, delivered, dead).
        public var outbox: [String: Int] = [:]
        public var domains = 0
        /// Domains whose next poll time has passed (never-polled ones included).
        public var due = 0
        /// The most recent poll that reached a verdict, epoch seconds; nil before the first.
        public var lastSuccessfulPollAt: Int64?

        public init() {}
    }

    public struct FindingKey: Sendable, Hashable, Comparable {
        public var kind: String
        public var severity: String
        public init(kind: String, severity: String) { self.kind = kind; self.severity = severity }
        public static func < (a: Self, b: Self) -> Bool { (a.kind, a.severity) < (b.kind, b.severity) }
    }

    /// Open findings by severity over the given domains only (what `poll` reports and exits on): one grouped
    /// count instead of reading every open finding. Ids go in batches, below SQLite's bound-variable limit.
    /// Open findings of the whole inventory, by severity.
    public func openFindingSeverities() throws -> [String: Int] {
        try writer.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT severity, COUNT(*) AS n FROM finding WHERE state = 'open' GROUP BY severity") {
                counts[row["severity"], default: 0] += row["n"] as Int
            }
            return counts
        }
    }

    public func openFindingSeverities(domainIds: [Int64]) throws -> [String: Int] {
        try writer.read { db in
            var counts: [String: Int] = [:]
            for start in stride(from: 0, to: domainIds.count, by: 10_000) {
                let ids = Array(domainIds[start..<min(start + 10_000, domainIds.count)])
                let rows = try Row.fetchAll(db, sql: """
                    SELECT severity, COUNT(*) AS n FROM finding
                    WHERE state = 'open' AND domainId IN (\(databaseQuestionMarks(count: ids.count)))
                    GROUP BY severity
                    """, arguments: StatementArguments(ids))
                for row in rows { counts[row["severity"], default: 0] += row["n"] as Int }
            }
            return counts
        }
    }

    public func healthCounts(now: Int64) throws -> HealthCounts {
        try writer.read { db in
            var counts = HealthCounts()
            let findings = try Row.fetchAll(db, sql: """
                SELECT kind, severity, COUNT(*) AS n FROM finding WHERE state = 'open' GROUP BY kind, severity
                """)
            for row in findings {
                counts.openFindings[FindingKey(kind: row["kind"], severity: row["severity"])] = row["n"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                counts.outbox[row["state"]] = row["n"]
            }
            counts.domains = try DomainRow.fetchCount(db)
            counts.due = try DomainRow.all().due(at: now).fetchCount(db)
            counts.lastSuccessfulPollAt = try Int64.fetchOne(db, sql: """
                SELECT MAX(lastPollAt) FROM domain WHERE consecutiveTempFailures = 0
                """)
            return counts
        }
    }
}
