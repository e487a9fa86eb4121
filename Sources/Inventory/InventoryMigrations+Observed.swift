import GRDB

extension InventoryMigrations {
    /// Ingested DMARC aggregate reports and the senders they saw. Shipped: never edit, append a new migration.
    ///
    /// `report` de-duplicates on (lower-cased reporter org, report id). `observed_sender` aggregates the reports'
    /// records per domain, UTC day and every attribute shown to the user, so re-reading the same kind of
    /// traffic grows a count instead of the table. Text columns of the key are never NULL (an absent value is
    /// ''), because SQLite treats NULLs as distinct in a unique index.
    static func v2Observed(_ db: Database) throws {
        try db.create(table: "report") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("orgKey", .text).notNull()
            t.column("orgName", .text).notNull()
            t.column("reportId", .text).notNull()
            t.column("domain", .text).notNull()
            t.column("email", .text)
            t.column("beginAt", .integer).notNull()
            t.column("endAt", .integer).notNull()
            t.column("records", .integer).notNull()
            t.column("messages", .integer).notNull()
            t.column("warningsJSON", .text).notNull().defaults(to: "[]")
            t.column("policyJSON", .text).notNull().defaults(to: "{}")
            t.column("file", .text)
            t.column("ingestedAt", .integer).notNull()
            t.uniqueKey(["orgKey", "reportId"])
        }
        try db.create(index: "report_on_domain", on: "report", columns: ["domain", "endAt"])

        try db.create(table: "observed_sender") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("domain", .text).notNull()
            /// UTC day, YYYY-MM-DD.
            t.column("day", .text).notNull()
            t.column("sourceIP", .text).notNull()
            t.column("headerFrom", .text).notNull()
            t.column("envelopeFrom", .text).notNull()
            t.column("dkimAligned", .text).notNull()
            t.column("spfAligned", .text).notNull()
            t.column("dkimResult", .text).notNull()
            t.column("dkimDomain", .text).notNull()
            t.column("spfResult", .text).notNull()
            t.column("spfDomain", .text).notNull()
            t.column("disposition", .text).notNull()
            t.column("reporter", .text).notNull()
            t.column("messages", .integer).notNull()
            t.column("rows", .integer).notNull()
            t.uniqueKey(["domain", "sourceIP", "day", "headerFrom", "envelopeFrom", "dkimAligned", "spfAligned",
                         "dkimResult", "dkimDomain", "spfResult", "spfDomain", "disposition", "reporter"])
        }
        try db.create(index: "observed_sender_on_domain_day", on: "observed_sender", columns: ["domain", "day"])
    }
}
