import Hummingbird
import Inventory

/// One finding, as `senderwatch findings --json` gives it.
struct FindingLine: Encodable, Sendable {
    var domain: String
    var kind: String
    var severity: String
    var subject: String?
    var state: String
    var message: String
    var fix: String?
    var evidence: [String: String]
    var firstSeen: String?
    var lastSeen: String?
    var resolvedAt: String?

    init(domain: String, _ row: FindingRow) {
        self.domain = domain; kind = row.kind; severity = row.severity; subject = row.subject; state = row.state
        message = row.message; fix = row.fix; evidence = DashboardJSON.strings(row.evidenceJSON)
        firstSeen = DashboardJSON.date(row.firstSeenAt); lastSeen = DashboardJSON.date(row.lastSeenAt)
        resolvedAt = DashboardJSON.date(row.resolvedAt)
    }
}

/// A finding as the templates show it: evidence as a list, the domain as a link.
struct FindingRowView: Sendable {
    struct Fact: Sendable { let name: String; let value: String }
    let line: FindingLine
    let link: String
    let evidence: [Fact]
    let open: Bool

    init(_ line: FindingLine) {
        self.line = line
        link = "/domains/" + Pager.encode(line.domain)
        evidence = line.evidence.sorted { $0.key < $1.key }.map { Fact(name: $0.key, value: $0.value) }
        open = line.state == FindingRow.stateOpen
    }
}

/// `/findings` and `/api/findings`: findings across domains, open ones by default.
struct FindingsDocument: Encodable, Sendable {
    struct Query: Encodable, Sendable {
        var state: String
        var severity: String?
        var kind: String?
        var domain: String?
    }

    var schemaVersion = DashboardJSON.schemaVersion
    var query: Query
    var openByKind: [String: Int]
    var total: Int
    var page: Int
    var perPage: Int
    var pages: Int
    var items: [FindingLine]
}

struct FindingsContext: Sendable {
    let title = "Findings"
    let nav = NavigationEntry.bar("/findings")
    let document: FindingsDocument
    let rows: [FindingRowView]
    let pager: Pager
    let stateOptions: [FilterOption]
    let severityOptions: [FilterOption]
    let kindOptions: [FilterOption]
    let empty: Bool
}

extension DashboardSite {
    func findings(_ request: Request, json: Bool) async throws -> Response {
        let parameters = try DashboardQuery(request.uri)
        let (page, size) = try parameters.paging()
        let state = try parameters.choice("state", ["open", "resolved", "all"]) ?? "open"
        var query = DashboardFindingQuery()
        query.state = state == "all" ? nil : state
        query.severity = try parameters.choice("severity", FindingRow.severities)
        query.kind = try parameters.text("kind", maximumLength: 64)
        query.domainSearch = try parameters.text("domain")
        query.offset = (page - 1) * size
        query.limit = size
        let result = try await store.dashboardFindings(query)
        let kinds = try await store.dashboardOpenKinds()
        let pager = Pager(page: page, size: size, total: result.total, path: "/findings", keep: [
            ("state", state == "open" ? nil : state), ("severity", query.severity), ("kind", query.kind), ("domain", query.domainSearch),
        ])
        let document = FindingsDocument(
            query: .init(state: state, severity: query.severity, kind: query.kind, domain: query.domainSearch), openByKind: kinds,
            total: result.total, page: page, perPage: size, pages: pager.pages,
            items: result.items.map { FindingLine(domain: $0.domain, $0.row) })
        if json { return try DashboardResponse.json(document) }
        let context = FindingsContext(
            document: document, rows: document.items.map(FindingRowView.init), pager: pager,
            stateOptions: ["open", "resolved", "all"].map { FilterOption(value: $0, label: $0, selected: $0 == state) },
            severityOptions: FilterOption.list(FindingRow.severities, selected: query.severity, any: "any severity"),
            kindOptions: FilterOption.list(kinds.keys.sorted(), selected: query.kind, any: "any kind"),
            empty: document.items.isEmpty)
        return try self.page("findings", context)
    }
}
