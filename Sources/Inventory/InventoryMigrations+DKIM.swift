import GRDB

extension InventoryMigrations {
    /// DKIM selectors: those the monitor file lists (on the domain and on each sender), and what the reports
    /// say of each selector, one row per policy domain, signing domain, selector, day and source, so the
    /// first and last day, the counts and the sources of a selector are sums over its rows.
    static func v9DKIM(_ db: Database) throws {
        try db.alter(table: "domain") { t in t.add(column: "dkimSelectors", .text) }
        try db.alter(table: "sender") { t in t.add(column: "dkimSelectors", .text) }
        try db.create(table: "dkim_selector_daily") { t in
            t.column("domain", .text).notNull()
            t.column("signingDomain", .text).notNull()
            t.column("selector", .text).notNull()
            t.column("day", .text).notNull()
            t.column("sourceIP", .text).notNull()
            t.column("messages", .integer).notNull().defaults(to: 0)
            t.column("passMessages", .integer).notNull().defaults(to: 0)
            t.column("failMessages", .integer).notNull().defaults(to: 0)
            t.primaryKey(["domain", "signingDomain", "selector", "day", "sourceIP"])
        }
    }
}

extension InventoryMigrations {
    /// What the monitor files expect of MTA-STS, TLS-RPT and BIMI. (Numbered 11: v10 is the mailbox state.)
    static func v11TransportExpectations(_ db: Database) throws {
        try db.alter(table: "domain") { t in
            t.add(column: "expectMTASTS", .text)
            t.add(column: "expectTLSRPT", .boolean)
            t.add(column: "expectBIMI", .boolean)
        }
    }
}
