import GRDB

extension InventoryMigrations {
    /// A digest of each report's content, so a report id seen again with other content is told apart from a
    /// duplicate (`ReportDigest`). Reports stored before have none (NULL): a report seen again beside one of
    /// them is called a duplicate, as before. Shipped: never edit, append a new migration.
    static func v6ReportDigests(_ db: Database) throws {
        try db.alter(table: "report") { t in
            t.add(column: "contentDigest", .text)
        }
    }

    /// The messages `headers --record` stored, by Message-ID or a digest of the header section, so recording a
    /// message again counts it once. Shipped: never edit, append a new migration.
    static func v7HeaderMessages(_ db: Database) throws {
        try db.create(table: "header_message") { t in
            /// `message-id:<id>` or `sha256:<hex of the header section>`.
            t.primaryKey("messageKey", .text)
            t.column("domain", .text).notNull()
            t.column("sourceIP", .text).notNull()
            t.column("recordedAt", .integer).notNull()
        }
    }
}
