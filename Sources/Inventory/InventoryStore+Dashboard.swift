import Foundation
import GRDB

/// Read-only queries for the web dashboard. Every listing is paginated in SQL (LIMIT and OFFSET with a total
/// from COUNT), so a page costs the same with 10 domains or 10,000; the async `read` runs on the store's own
/// queue and never holds a thread of Swift's cooperative pool, which the daemon's scheduler shares.
extension InventoryStore {
    /// One page of the overview: the domains that match, in the order asked for, and how many match in all.
    public func dashboardDomains(_ query: DashboardDomainQuery) async throws -> DashboardPage<DashboardDomainSummary> {
        try await writer.read { db in
            let (filter, arguments) = Self.domainFilter(query)
            let from = Self.overviewFrom + filter
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + from, arguments: arguments) ?? 0
            let sql = Self.overviewSelect + from + " ORDER BY " + Self.order(query.sort) + " LIMIT ? OFFSET ?"
            var pageArguments = arguments
            pageArguments += [query.limit, query.offset]
            let rows = try Row.fetchAll(db, sql: sql, arguments: pageArguments).map(DashboardDomainSummary.init(row:))
            return DashboardPage(total: total, offset: query.offset, limit: query.limit, items: rows)
        }
    }

    /// Counts over the whole inventory, for the overview's header.
    public func dashboardTotals() async throws -> DashboardTotals {
        try await writer.read { db in
            var totals = DashboardTotals()
            totals.domains = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM domain") ?? 0
            totals.neverPolled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM domain WHERE lastPollAt IS NULL") ?? 0
            totals.lastPollAt = try Int64.fetchOne(db, sql: "SELECT MAX(lastPollAt) FROM domain")
            for row in try Row.fetchAll(db, sql: "SELECT severity, COUNT(*) AS n FROM finding WHERE state = 'open' GROUP BY severity") {
                totals.openBySeverity[row["severity"] as String] = row["n"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                totals.outboxByState[row["state"] as String] = row["n"]
            }
            return totals
        }
    }

    /// Everything the domain page shows, or nil when the inventory does not monitor the domain. At most
    /// `historyLimit` observations (newest first, plus the one before them for the last diff) and
    /// `resolvedLimit` resolved findings are read; the counts say how many there are in all.
    public func dashboardDomain(named name: String, historyLimit: Int, resolvedLimit: Int,
                                sourceLimit: Int) async throws -> DashboardDomainDetail? {
        try await writer.read { db in
            guard let domain = try DomainRow.all().named(name).fetchOne(db), let id = domain.id else { return nil }
            var detail = DashboardDomainDetail(domain: domain)
            detail.senders = try SenderRow.all().of(domainId: id).orderedByKindAndValue().fetchAll(db)
            detail.observations = try ObservationRow.all().of(domainId: id).newestFirst().limit(historyLimit + 1).fetchAll(db)
            detail.observationCount = try ObservationRow.all().of(domainId: id).fetchCount(db)
            detail.openFindings = try FindingRow.all().of(domainId: id).open().order(FindingRow.Columns.id).fetchAll(db)
            let resolved = FindingRow.all().of(domainId: id).filter(FindingRow.Columns.state == FindingRow.stateResolved)
            detail.resolvedCount = try resolved.fetchCount(db)
            detail.resolvedFindings = try resolved.order(FindingRow.Columns.resolvedAt.desc, FindingRow.Columns.id.desc)
                .limit(resolvedLimit).fetchAll(db)
            if try db.tableExists(FlattenedIncludeRow.databaseTableName) {
                detail.flattened = try FlattenedIncludeRow.filter(Column("domainId") == id).fetchAll(db)
            }
            if try db.tableExists("observed_sender") {
                let sources = try Self.observedSources(domain: domain.name, since: nil, in: db)
                detail.observedSourceCount = sources.count
                detail.observedSources = Array(sources.sorted { ($1.messages, $0.sourceIP) < ($0.messages, $1.sourceIP) }.prefix(sourceLimit))
                detail.observedDays = try Self.observedDays(domain: domain.name, in: db)
            }
            if try db.tableExists("dkim_selector_daily") {
                detail.reportedSelectors = try Self.dashboardSelectors(domain: domain.name, in: db)
            }
            return detail
        }
    }

    /// One page of findings across domains, most severe first, then by domain, kind and subject.
    public func dashboardFindings(_ query: DashboardFindingQuery) async throws -> DashboardPage<DashboardFinding> {
        try await writer.read { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let state = query.state { conditions.append("f.state = ?"); arguments += [state] }
            if let severity = query.severity { conditions.append("f.severity = ?"); arguments += [severity] }
            if let kind = query.kind { conditions.append("f.kind = ?"); arguments += [kind] }
            if let search = query.domainSearch, !search.isEmpty {
                conditions.append("d.name LIKE ? ESCAPE '\\'"); arguments += [Self.likePattern(search)]
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            let from = " FROM finding f JOIN domain d ON d.id = f.domainId" + filter
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*)" + from, arguments: arguments) ?? 0
            var pageArguments = arguments
            pageArguments += [query.limit, query.offset]
            let rows = try Row.fetchAll(db, sql: """
                SELECT f.*, d.name AS domainName\(from)
                ORDER BY f.state = 'resolved', \(Self.severityRank("f.severity")), d.name, f.kind, f.subject, f.id
                LIMIT ? OFFSET ?
                """, arguments: pageArguments)
            let items = try rows.map { DashboardFinding(domain: $0["domainName"], row: try FindingRow(row: $0)) }
            return DashboardPage(total: total, offset: query.offset, limit: query.limit, items: items)
        }
    }

    /// Open findings per kind, for the findings page's filter.
    public func dashboardOpenKinds() async throws -> [String: Int] {
        try await writer.read { db in
            var kinds: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM finding WHERE state = 'open' GROUP BY kind") {
                kinds[row["kind"] as String] = row["n"]
            }
            return kinds
        }
    }

    /// One page of the alert outbox, newest first.
    public func dashboardOutbox(state: String?, offset: Int, limit: Int) async throws -> DashboardPage<OutboxRow> {
        try await writer.read { db in
            var request = OutboxRow.all()
            if let state { request = request.filter(OutboxRow.Columns.state == state) }
            let total = try request.fetchCount(db)
            let rows = try request.order(OutboxRow.Columns.id.desc).limit(limit, offset: offset).fetchAll(db)
            return DashboardPage(total: total, offset: offset, limit: limit, items: rows)
        }
    }

    /// Every link of the snapshot chain, by sequence (a database takes one per snapshot written).
    public func dashboardSnapshotLinks() async throws -> [SnapshotLinkRow] {
        try await writer.read { db in
            guard try db.tableExists(SnapshotLinkRow.databaseTableName) else { return [] }
            return try SnapshotLinkRow.order(SnapshotLinkRow.Columns.sequence).fetchAll(db)
        }
    }

    // MARK: SQL pieces

    static let overviewSelect = """
        SELECT d.id, d.name, d.intervalSeconds, d.lastPollAt, d.nextPollAt, d.expectMaxLookups,
               COALESCE(json_extract(o.summaryJSON, '$.status'), o.status) AS observationStatus,
               o.spfLookups, o.dmarcPolicy, o.dmarcStatus, o.summaryJSON,
               COALESCE(f.critical, 0) AS critical, COALESCE(f.error, 0) AS error,
               COALESCE(f.warning, 0) AS warning, COALESCE(f.info, 0) AS info, COALESCE(f.dkim, 0) AS dkim
        """

    /// The latest observation of each domain through the (domainId, id) index, and its open findings by severity.
    static let overviewFrom = """
         FROM domain d
        LEFT JOIN (SELECT domainId, MAX(id) AS id FROM observation GROUP BY domainId) latest ON latest.domainId = d.id
        LEFT JOIN observation o ON o.id = latest.id
        LEFT JOIN (SELECT domainId, SUM(severity = 'critical') AS critical, SUM(severity = 'error') AS error,
                          SUM(severity = 'warning') AS warning, SUM(severity = 'info') AS info,
                          SUM(kind LIKE 'dkim.%') AS dkim
                   FROM finding WHERE state = 'open' GROUP BY domainId) f ON f.domainId = d.id
        """

    static func domainFilter(_ query: DashboardDomainQuery) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let search = query.search, !search.isEmpty {
            conditions.append("d.name LIKE ? ESCAPE '\\'"); arguments += [likePattern(search)]
        }
        switch query.status {
        case .none: break
        case .never?: conditions.append("o.id IS NULL")
        case .findings?: conditions.append("COALESCE(f.critical + f.error + f.warning + f.info, 0) > 0")
        case let status?: conditions.append("COALESCE(json_extract(o.summaryJSON, '$.status'), o.status) = ?"); arguments += [status.rawValue]
        }
        if let severity = query.severity, let rank = FindingRow.severities.firstIndex(of: severity) {
            let columns = FindingRow.severities[...rank].map { "COALESCE(f.\($0), 0)" }
            conditions.append("(" + columns.joined(separator: " + ") + ") > 0")
        }
        if let policy = query.policy {
            if policy == "missing" { conditions.append("o.id IS NOT NULL AND o.dmarcPolicy IS NULL") } else {
                conditions.append("o.dmarcPolicy = ?"); arguments += [policy]
            }
        }
        return (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    static func order(_ sort: DashboardDomainQuery.Sort) -> String {
        switch sort {
        case .name: "d.name"
        case .lookups: "COALESCE(o.spfLookups, -1) DESC, d.name"
        case .findings: "critical DESC, error DESC, warning DESC, info DESC, d.name"
        case .lastPoll: "d.lastPollAt IS NOT NULL, d.lastPollAt, d.name"
        }
    }

    static func severityRank(_ column: String) -> String {
        "CASE \(column) " + FindingRow.severities.enumerated().map { "WHEN '\($1)' THEN \($0)" }.joined(separator: " ") + " ELSE 9 END"
    }

    /// `%text%` with LIKE's own wildcards taken literally.
    static func likePattern(_ text: String) -> String {
        var escaped = ""
        for character in text.lowercased() {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    static func dashboardSelectors(domain: String, in db: Database) throws -> [DashboardReportedSelector] {
        try Row.fetchAll(db, sql: """
            SELECT signingDomain, selector, MIN(day) AS firstDay, MAX(day) AS lastDay, SUM(messages) AS messages,
                   SUM(passMessages) AS pass, SUM(failMessages) AS fail
            FROM dkim_selector_daily WHERE domain = ? GROUP BY signingDomain, selector ORDER BY signingDomain, selector
            """, arguments: [domain]).map {
            DashboardReportedSelector(signingDomain: $0["signingDomain"], selector: $0["selector"], firstDay: $0["firstDay"],
                                      lastDay: $0["lastDay"], messages: count($0["messages"]), pass: count($0["pass"]),
                                      fail: count($0["fail"]))
        }
    }
}
