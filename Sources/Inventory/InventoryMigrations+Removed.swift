import GRDB

extension InventoryMigrations {
    /// Domains removed by `apply --prune`, kept restorable for the settings' `removed_retention`.
    ///
    /// A removed domain leaves the `domain` table (so no poll, listing or snapshot can see it) and its rows
    /// (the domain, senders, observations, findings, flattened includes) are kept here as JSON, column by
    /// column, until `purgeAfter`. Restoring inserts them back with their ids, which AUTOINCREMENT never
    /// hands out again. Shipped: never edit, append a new migration.
    static func v5RemovedDomains(_ db: Database) throws {
        try db.create(table: "removedDomain") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("name", .text).notNull().unique()
            t.column("removedAt", .integer).notNull()
            t.column("purgeAfter", .integer).notNull()
            /// `{"table": [{"column": value, ...}, ...], ...}`, values tagged by storage class (RemovedRows).
            t.column("rowsJSON", .text).notNull()
            /// Outbox rows that pointed at the domain's findings, as `[[outboxId, findingId], ...]`: their link is
            /// cut when the findings leave and put back on restore.
            t.column("outboxLinksJSON", .text).notNull().defaults(to: "[]")
            t.column("senders", .integer).notNull()
            t.column("observations", .integer).notNull()
            t.column("findings", .integer).notNull()
            t.column("openFindings", .integer).notNull()
        }
        try db.create(index: "removedDomain_on_purgeAfter", on: "removedDomain", columns: ["purgeAfter"])
    }
}
