import GRDB

extension InventoryMigrations {
    /// IMAP mailboxes that `ingest --imap` and the daemon read: per mailbox its UIDVALIDITY (RFC 9051 section
    /// 2.3.1.1) and the highest UID processed, and per message what became of it. A message's row is written
    /// in the transaction that stores its reports, so a message is either processed with its reports or not at
    /// all; `disposedAt` stays NULL until it was marked or moved on the server, so a message stored but not yet
    /// moved is moved by the next run instead of being read again.
    static func v10Mailbox(_ db: Database) throws {
        try db.create(table: "mailbox") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("key", .text).notNull().unique()
            t.column("uidValidity", .integer).notNull()
            t.column("lastUID", .integer).notNull().defaults(to: 0)
            t.column("updatedAt", .integer).notNull()
        }
        try db.create(table: "mailbox_message") { t in
            t.column("mailboxId", .integer).notNull().references("mailbox", onDelete: .cascade)
            t.column("uidValidity", .integer).notNull()
            t.column("uid", .integer).notNull()
            t.column("outcome", .text).notNull().check(sql: "outcome IN ('stored', 'rejected')")
            t.column("reports", .integer).notNull().defaults(to: 0)
            t.column("detail", .text)
            t.column("processedAt", .integer).notNull()
            t.column("disposedAt", .integer)
            t.primaryKey(["mailboxId", "uidValidity", "uid"])
        }
        try db.create(index: "mailbox_message_pending", on: "mailbox_message", columns: ["mailboxId", "uidValidity", "uid"],
                      condition: SQL(sql: "disposedAt IS NULL"))
    }
}
