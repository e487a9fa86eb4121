import GRDB

extension InventoryMigrations {
    /// Observations may be `partial`: some part of the poll went unanswered and its last known value was
    /// carried forward. SQLite cannot change a CHECK constraint in place, so the table is rebuilt with the
    /// same columns and rows (nothing references observation rows).
    static func v4PartialObservations(_ db: Database) throws {
        try db.create(table: "observation_v4") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("domain", onDelete: .cascade, indexed: false).notNull()
            t.belongsTo("run", onDelete: .setNull, indexed: false)
            t.column("firstSeenAt", .integer).notNull()
            t.column("lastSeenAt", .integer).notNull()
            t.column("seenCount", .integer).notNull().defaults(to: 1)
            t.column("status", .text).notNull().check(sql: "status IN ('ok', 'partial', 'temperror')")
            t.column("contentHash", .text).notNull()
            t.column("spfRecord", .text)
            t.column("spfRecordsJSON", .text).notNull().defaults(to: "[]")
            t.column("dmarcRecord", .text)
            t.column("dmarcRecordsJSON", .text).notNull().defaults(to: "[]")
            t.column("summaryJSON", .text).notNull().defaults(to: "{}")
            t.column("networksJSON", .text).notNull().defaults(to: "[]")
            t.column("includesJSON", .text).notNull().defaults(to: "[]")
            t.column("spfLookups", .integer).notNull().defaults(to: 0)
            t.column("spfVoidLookups", .integer).notNull().defaults(to: 0)
            t.column("spfResult", .text)
            t.column("dmarcStatus", .text)
            t.column("dmarcPolicy", .text)
        }
        try db.execute(sql: "INSERT INTO observation_v4 SELECT * FROM observation")
        try db.drop(table: "observation")
        try db.rename(table: "observation_v4", to: "observation")
        try db.create(index: "observation_on_domainId_id", on: "observation", columns: ["domainId", "id"])
        try db.create(index: "observation_on_runId", on: "observation", columns: ["runId"])
    }
}
