import GRDB

/// Findings and their state machine: open -> (touched while it persists) -> resolved; a resolved fingerprint
/// that comes back opens a new row, so each episode keeps its own dates.
extension InventoryStore {
    /// The domain's open findings, most severe first, then by kind and subject.
    public func openFindings(domainId: Int64) throws -> [FindingRow] {
        try writer.read { db in
            try FindingRow.fetchAll(db, sql: Self.listingSQL(where: "f.domainId = ? AND f.state = 'open'"),
                                    arguments: [domainId])
        }
    }

    /// Findings across the inventory (or of one domain): open first, then by severity (critical, error, warning,
    /// info), domain name, kind and subject, so reports are stable from one run to the next.
    /// An unknown domain name gives an empty list.
    public func findings(openOnly: Bool, domain: String? = nil) throws -> [FindingRow] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if openOnly { conditions.append("f.state = 'open'") }
        if let domain {
            conditions.append("d.name = ?")
            arguments += [Self.canonicalName(domain)]
        }
        let sql = Self.listingSQL(where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "))
        return try writer.read { db in try FindingRow.fetchAll(db, sql: sql, arguments: arguments) }
    }

    /// Every episode of one fingerprint, newest first.
    public func findingHistory(fingerprint: String) throws -> [FindingRow] {
        try writer.read { db in
            try FindingRow.filter(FindingRow.Columns.fingerprint == fingerprint)
                .order(FindingRow.Columns.id.desc).fetchAll(db)
        }
    }

    private static func listingSQL(where condition: String) -> String {
        """
        SELECT f.* FROM finding f JOIN domain d ON d.id = f.domainId
        WHERE \(condition)
        ORDER BY CASE f.state WHEN 'open' THEN 0 ELSE 1 END,
                 CASE f.severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 WHEN 'warning' THEN 2
                                 WHEN 'info' THEN 3 ELSE 4 END,
                 d.name, f.kind, f.subject, f.id
        """
    }

    // MARK: Poll transaction steps

    /// Opens each finding, or refreshes it if its fingerprint is already open. Returns how many were opened.
    static func openFindings(_ findings: [FindingRow], domainId: Int64, runId: Int64?, now: Int64,
                             in db: Database) throws -> Int {
        var opened = 0
        for finding in findings {
            // A cached statement: a poll opens tens of thousands of findings, and preparing the same query for
            // each one (with GRDB's authorizer) cost more than the inserts themselves.
            let openWithFingerprint = try db.cachedStatement(sql: "SELECT * FROM finding WHERE fingerprint = ? AND state = 'open'")
            if var existing = try FindingRow.fetchOne(openWithFingerprint, arguments: [finding.fingerprint]) {
                guard existing.domainId == domainId else {
                    throw InventoryError(.invalidRow, "finding fingerprint \(finding.fingerprint) is already open "
                        + "for domain id \(existing.domainId), not \(domainId): fingerprints must include the domain")
                }
                let original = existing
                existing.lastSeenAt = now
                existing.severity = finding.severity
                existing.subject = finding.subject
                existing.message = finding.message
                existing.evidenceJSON = finding.evidenceJSON
                existing.fix = finding.fix
                try existing.updateChanges(db, from: original)
                continue
            }
            var row = finding
            row.id = nil
            row.domainId = domainId
            row.state = FindingRow.stateOpen
            row.firstSeenAt = now
            row.lastSeenAt = now
            row.resolvedAt = nil
            row.openedRunId = runId
            row.resolvedRunId = nil
            try row.insert(db)
            opened += 1
        }
        return opened
    }

    /// Moves `lastSeenAt` of the domain's open findings with these fingerprints.
    static func touchFindings(_ fingerprints: [String], domainId: Int64, now: Int64, in db: Database) throws {
        guard !fingerprints.isEmpty else { return }
        // Cached, one execution per fingerprint: a query built per poll is prepared (and authorized) anew each time.
        let touch = try db.cachedStatement(sql: "UPDATE finding SET lastSeenAt = ? WHERE domainId = ? AND state = 'open' AND fingerprint = ?")
        for fingerprint in fingerprints { try touch.execute(arguments: [now, domainId, fingerprint]) }
    }

    /// Resolves the domain's open findings with these fingerprints. Returns how many were open.
    static func resolveFindings(_ fingerprints: [String], domainId: Int64, runId: Int64?, now: Int64,
                                in db: Database) throws -> Int {
        guard !fingerprints.isEmpty else { return 0 }
        let resolve = try db.cachedStatement(sql: """
            UPDATE finding SET state = 'resolved', resolvedAt = ?, resolvedRunId = ?
            WHERE domainId = ? AND state = 'open' AND fingerprint = ?
            """)
        var resolved = 0
        for fingerprint in Set(fingerprints) {
            try resolve.execute(arguments: [now, runId, domainId, fingerprint])
            resolved += db.changesCount
        }
        return resolved
    }
}
