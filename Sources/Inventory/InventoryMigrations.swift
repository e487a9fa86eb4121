import GRDB

/// The schema, as a list of named migrations.
///
/// NEVER EDIT A MIGRATION ONCE IT HAS SHIPPED. Databases in the field have already applied it and will not
/// run it again; change the schema by appending a new migration ("v2-...") instead. GRDB records applied
/// identifiers in `grdb_migrations`, and a store refuses to open a file that has migrations it does not know
/// (written by a newer senderwatch) rather than guess.
enum InventoryMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-inventory", migrate: v1Inventory)
        migrator.registerMigration("v2-observed", migrate: v2Observed)
        migrator.registerMigration("v3-snapshots", migrate: v3Snapshots)
        migrator.registerMigration("v4-partial-observations", migrate: v4PartialObservations)
        migrator.registerMigration("v5-removed-domains", migrate: v5RemovedDomains)
        migrator.registerMigration("v6-report-digests", migrate: v6ReportDigests)
        migrator.registerMigration("v7-header-messages", migrate: v7HeaderMessages)
        migrator.registerMigration("v8-content-digest", migrate: v8ContentDigest)
        migrator.registerMigration("v9-dkim", migrate: v9DKIM)
        migrator.registerMigration("v10-mailbox", migrate: v10Mailbox)
        migrator.registerMigration("v11-transport-expectations", migrate: v11TransportExpectations)
        migrator.registerMigration("v12-tlsrpt-failure", migrate: v12TLSRPTFailure)
        return migrator
    }

    /// Domains, senders, runs, observations, findings and the alert outbox.
    private static func v1Inventory(_ db: Database) throws {
        try db.create(table: "domain") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique()
                .check(sql: "name = lower(name) AND name <> ''")
            t.column("intervalSeconds", .integer).notNull().check(sql: "intervalSeconds > 0")
            t.column("expectSPFAll", .text)
            t.column("expectDMARCPolicy", .text)
            t.column("expectMaxLookups", .integer)
            t.column("source", .text)
            t.column("createdAt", .integer).notNull()
            t.column("updatedAt", .integer).notNull()
            t.column("nextPollAt", .integer)
            t.column("lastPollAt", .integer)
            t.column("consecutiveTempFailures", .integer).notNull().defaults(to: 0)
        }
        try db.create(index: "domain_on_nextPollAt", on: "domain", columns: ["nextPollAt", "name"])

        try db.create(table: "sender") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("domain", onDelete: .cascade).notNull()
            t.column("kind", .text).notNull()
                .check(sql: "kind IN ('ip', 'cidr', 'include', 'host', 'mx')")
            t.column("value", .text).notNull()
            t.column("name", .text)
            t.column("owner", .text)
            t.column("note", .text)
            t.uniqueKey(["domainId", "kind", "value"])
        }

        try db.create(table: "run") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("startedAt", .integer).notNull()
            t.column("finishedAt", .integer)
            t.column("status", .text).notNull()
                .check(sql: "status IN ('running', 'ok', 'interrupted', 'failed')")
            t.column("pid", .integer).notNull()
            t.column("mode", .text).notNull()
            t.column("domainsPolled", .integer).notNull().defaults(to: 0)
            t.column("findingsOpened", .integer).notNull().defaults(to: 0)
            t.column("findingsResolved", .integer).notNull().defaults(to: 0)
            t.column("message", .text)
        }
        try db.create(index: "run_on_status", on: "run", columns: ["status"])

        try db.create(table: "observation") { t in
            t.autoIncrementedPrimaryKey("id")
            // Indexed below together with id, which serves "latest observation of a domain".
            t.belongsTo("domain", onDelete: .cascade, indexed: false).notNull()
            t.belongsTo("run", onDelete: .setNull)
            t.column("firstSeenAt", .integer).notNull()
            t.column("lastSeenAt", .integer).notNull()
            t.column("seenCount", .integer).notNull().defaults(to: 1)
            t.column("status", .text).notNull().check(sql: "status IN ('ok', 'temperror')")
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
        try db.create(index: "observation_on_domainId_id", on: "observation", columns: ["domainId", "id"])

        try db.create(table: "finding") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("domain", onDelete: .cascade, indexed: false).notNull()
            t.column("fingerprint", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("severity", .text).notNull()
            t.column("subject", .text)
            t.column("message", .text).notNull()
            t.column("evidenceJSON", .text).notNull().defaults(to: "{}")
            t.column("fix", .text)
            t.column("state", .text).notNull().check(sql: "state IN ('open', 'resolved')")
            t.column("firstSeenAt", .integer).notNull()
            t.column("lastSeenAt", .integer).notNull()
            t.column("resolvedAt", .integer)
            t.column("openedRunId", .integer).references("run", onDelete: .setNull)
            t.column("resolvedRunId", .integer).references("run", onDelete: .setNull)
        }
        try db.create(index: "finding_on_domainId_state", on: "finding", columns: ["domainId", "state"])
        try db.create(index: "finding_on_fingerprint", on: "finding", columns: ["fingerprint"])
        // A fingerprint can be open only once; resolved episodes of it may pile up.
        try db.create(index: "finding_open_fingerprint", on: "finding", columns: ["fingerprint"],
                      options: .unique, condition: sql("state = 'open'"))

        try db.create(table: "outbox") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("eventId", .text).notNull().unique()
            t.column("findingId", .integer).references("finding", onDelete: .setNull)
            t.column("route", .text).notNull()
            t.column("payloadJSON", .text).notNull()
            t.column("state", .text).notNull().check(sql: "state IN ('pending', 'delivered', 'dead')")
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("nextAttemptAt", .integer).notNull()
            t.column("lastError", .text)
            t.column("createdAt", .integer).notNull()
            t.column("deliveredAt", .integer)
        }
        try db.create(index: "outbox_on_state_nextAttemptAt", on: "outbox", columns: ["state", "nextAttemptAt"])
        try db.create(index: "outbox_on_findingId", on: "outbox", columns: ["findingId"])
    }

    private static func sql(_ text: String) -> SQL { SQL(sql: text) }
}
