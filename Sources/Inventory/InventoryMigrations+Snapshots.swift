import GRDB

extension InventoryMigrations {
    /// The snapshot chain's links and the includes that `generate --flatten` replaced by their networks.
    static func v3Snapshots(_ db: Database) throws {
        // One row per JSON snapshot written: the next snapshot links to the newest.
        try db.create(table: "snapshotLink") { t in
            t.primaryKey("sequence", .integer).check(sql: "sequence > 0")
            t.column("sha256", .text).notNull()
            t.column("contentSHA256", .text).notNull()
            t.column("takenAt", .integer).notNull()
            t.column("path", .text)
            t.column("createdAt", .integer).notNull()
        }
        // The networks each flattened include resolved to when the record was generated.
        try db.create(table: "flattenedInclude") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("domain", onDelete: .cascade, indexed: false).notNull()
            t.column("include", .text).notNull()
            t.column("networksJSON", .text).notNull()
            t.column("recordJSON", .text).notNull()
            t.column("flattenedAt", .integer).notNull()
            t.uniqueKey(["domainId", "include"])
        }
    }
}
