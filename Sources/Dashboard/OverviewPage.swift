import Audit
import Hummingbird
import Inventory

/// `/` and `/api/domains`: every domain at a glance, searched, filtered, sorted and paginated in SQL.
struct OverviewDocument: Encodable, Sendable {
    struct Totals: Encodable, Sendable {
        var domains: Int
        var neverPolled: Int
        var lastPoll: String?
        var openFindings: SeverityCounts
        var outbox: [String: Int]
    }

    struct Query: Encodable, Sendable {
        var q: String?
        var status: String?
        var severity: String?
        var policy: String?
        var sort: String
    }

    struct Line: Encodable, Sendable {
        var domain: String
        /// `ok`, `partial`, `temperror` (the latest poll), or `never` (not polled yet).
        var status: String
        var interval: Int
        var lastPoll: String?
        var nextPoll: String?
        var spfLookups: Int?
        var lookupLimit: Int
        /// The domain's own headroom (`expect.max_lookups`), else the limit.
        var lookupBudget: Int
        var dmarcPolicy: String?
        var dmarcStatus: String?
        var openFindings: SeverityCounts
        /// Keys the latest poll read (found, revoked or absent) for the selectors known.
        var dkimKeys: Int
        /// Open `dkim.*` findings.
        var dkimProblems: Int
    }

    var schemaVersion = DashboardJSON.schemaVersion
    var totals: Totals
    var query: Query
    var total: Int
    var page: Int
    var perPage: Int
    var pages: Int
    var items: [Line]

    static let lookupLimit = 10

    static func line(_ row: DashboardDomainSummary) -> Line {
        let summary = DashboardJSON.summary(row.summaryJSON)
        return Line(domain: row.name, status: row.observationStatus ?? "never", interval: row.intervalSeconds,
                    lastPoll: DashboardJSON.date(row.lastPollAt), nextPoll: DashboardJSON.date(row.nextPollAt),
                    spfLookups: row.spfLookups, lookupLimit: lookupLimit, lookupBudget: row.expectMaxLookups ?? lookupLimit,
                    dmarcPolicy: row.dmarcPolicy, dmarcStatus: row.dmarcStatus, openFindings: SeverityCounts(row.openBySeverity),
                    dkimKeys: summary?.dkimKeys?.count ?? 0, dkimProblems: row.dkimProblems)
    }
}

/// The overview as the template sees it: the document plus links, classes and filter options.
struct OverviewContext: Sendable {
    struct Row: Sendable {
        let line: OverviewDocument.Line
        let link: String
        let lookups: String
        let lookupsValue: Int
        let lookupsClass: String
        let dmarcPolicy: String
        let lastPoll: String
    }

    let title = "Domains"
    let nav: [NavigationEntry]
    let document: OverviewDocument
    let rows: [Row]
    let pager: Pager
    let statusOptions: [FilterOption]
    let severityOptions: [FilterOption]
    let policyOptions: [FilterOption]
    let sortOptions: [FilterOption]
    let empty: Bool

    init(_ document: OverviewDocument, pager: Pager) {
        self.document = document
        self.pager = pager
        nav = NavigationEntry.bar("/")
        rows = document.items.map { line in
            let lookups = line.spfLookups ?? 0
            let level = lookups > line.lookupLimit ? "over" : (lookups > line.lookupBudget ? "near" : "within")
            return Row(line: line, link: "/domains/" + Pager.encode(line.domain),
                       lookups: line.spfLookups.map { "\($0) / \(line.lookupLimit)" } ?? "-", lookupsValue: min(lookups, 12),
                       lookupsClass: "lookups-" + level, dmarcPolicy: line.dmarcPolicy ?? (line.status == "never" ? "-" : "none found"),
                       lastPoll: line.lastPoll ?? "never")
        }
        let query = document.query
        statusOptions = FilterOption.list(DashboardDomainQuery.Status.allCases.map(\.rawValue), selected: query.status, any: "any status")
        severityOptions = FilterOption.list(FindingRow.severities, selected: query.severity, any: "any findings")
        policyOptions = FilterOption.list(["reject", "quarantine", "none", "missing"], selected: query.policy, any: "any policy")
        sortOptions = DashboardDomainQuery.Sort.allCases.map {
            FilterOption(value: $0.rawValue, label: "sort by " + $0.rawValue, selected: $0.rawValue == query.sort)
        }
        empty = document.items.isEmpty
    }
}

extension DashboardSite {
    func overview(_ request: Request, json: Bool) async throws -> Response {
        let parameters = try DashboardQuery(request.uri)
        let (page, size) = try parameters.paging()
        var query = DashboardDomainQuery()
        query.search = try parameters.text("q")
        query.status = try parameters.choice("status", DashboardDomainQuery.Status.allCases.map(\.rawValue))
            .flatMap(DashboardDomainQuery.Status.init(rawValue:))
        query.severity = try parameters.choice("severity", FindingRow.severities)
        query.policy = try parameters.choice("policy", ["none", "quarantine", "reject", "missing"])
        query.sort = try parameters.choice("sort", DashboardDomainQuery.Sort.allCases.map(\.rawValue))
            .flatMap(DashboardDomainQuery.Sort.init(rawValue:)) ?? .name
        query.offset = (page - 1) * size
        query.limit = size
        let result = try await store.dashboardDomains(query)
        let totals = try await store.dashboardTotals()
        let pager = Pager(page: page, size: size, total: result.total, path: "/", keep: [
            ("q", query.search), ("status", query.status?.rawValue), ("severity", query.severity), ("policy", query.policy),
            ("sort", query.sort == .name ? nil : query.sort.rawValue),
        ])
        let document = OverviewDocument(
            totals: .init(domains: totals.domains, neverPolled: totals.neverPolled, lastPoll: DashboardJSON.date(totals.lastPollAt),
                          openFindings: SeverityCounts(totals.openBySeverity), outbox: totals.outboxByState),
            query: .init(q: query.search, status: query.status?.rawValue, severity: query.severity, policy: query.policy,
                         sort: query.sort.rawValue),
            total: result.total, page: page, perPage: size, pages: pager.pages, items: result.items.map(OverviewDocument.line))
        return json ? try DashboardResponse.json(document) : try self.page("overview", OverviewContext(document, pager: pager))
    }
}
