import GRDB

extension InventoryMigrations {
    /// SMTP TLS reports (RFC 8460) and DMARC failure reports. Shipped: never edit, append a new migration.
    ///
    /// `tls_report` de-duplicates on (lower-cased organisation, report id) like `report`; `tls_result` holds
    /// its sessions per policy domain, UTC day, policy type, result type (`success` for the successful ones)
    /// and receiving MX, spread over the days the report covers. `failure_report` keeps one row per failure
    /// report without the message's body, recipients or subject (its header section only when the settings
    /// ask); the source it names is also counted into `observed_sender`.
    static func v12TLSRPTFailure(_ db: Database) throws {
        try db.create(table: "tls_report") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("orgKey", .text).notNull()
            t.column("orgName", .text).notNull()
            t.column("reportId", .text).notNull()
            t.column("contact", .text)
            t.column("beginAt", .integer).notNull()
            t.column("endAt", .integer).notNull()
            t.column("policies", .integer).notNull()
            t.column("successful", .integer).notNull()
            t.column("failed", .integer).notNull()
            t.column("warningsJSON", .text).notNull().defaults(to: "[]")
            t.column("contentDigest", .text).notNull()
            t.column("file", .text)
            t.column("ingestedAt", .integer).notNull()
            t.uniqueKey(["orgKey", "reportId"])
        }
        try db.create(table: "tls_result") { t in
            t.column("reportRowId", .integer).notNull().references("tls_report", onDelete: .cascade)
            t.column("policyDomain", .text).notNull()
            /// UTC day, YYYY-MM-DD.
            t.column("day", .text).notNull()
            t.column("policyType", .text).notNull()
            t.column("resultType", .text).notNull()
            t.column("receivingMX", .text).notNull()
            t.column("sessions", .integer).notNull()
        }
        try db.create(index: "tls_result_on_domain_day", on: "tls_result", columns: ["policyDomain", "day"])
        try db.create(table: "failure_report") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("reporterKey", .text).notNull()
            t.column("reportKey", .text).notNull()
            t.column("feedbackType", .text).notNull()
            t.column("domain", .text).notNull()
            t.column("sourceIP", .text).notNull()
            t.column("arrivalAt", .integer).notNull()
            t.column("authFailure", .text).notNull()
            t.column("deliveryResult", .text)
            t.column("headerFrom", .text).notNull()
            t.column("envelopeFrom", .text).notNull()
            t.column("dkimDomain", .text)
            t.column("dkimSelector", .text)
            t.column("spfResult", .text)
            t.column("dkimResult", .text)
            t.column("identityAlignment", .text).notNull()
            t.column("userAgent", .text)
            t.column("originalHeaders", .text)
            t.column("file", .text)
            t.column("ingestedAt", .integer).notNull()
            t.uniqueKey(["reporterKey", "reportKey"])
        }
        try db.create(index: "failure_report_on_domain", on: "failure_report", columns: ["domain", "arrivalAt"])
    }
}
