import Alerting
import Hummingbird
import Inventory

/// `/alerts` and `/api/alerts`: the alert outbox, newest first, as `senderwatch alerts list --json` gives
/// each row (no secrets: errors are stored redacted and scrubbed again here).
struct AlertsDocument: Encodable, Sendable {
    var schemaVersion = DashboardJSON.schemaVersion
    var state: String?
    var counts: [String: Int]
    var total: Int
    var page: Int
    var perPage: Int
    var pages: Int
    var items: [OutboxListing]
}

struct AlertsContext: Sendable {
    struct Row: Sendable {
        let item: OutboxListing
        let link: String?
    }

    let title = "Alert outbox"
    let nav = NavigationEntry.bar("/alerts")
    let document: AlertsDocument
    let rows: [Row]
    let pager: Pager
    let stateOptions: [FilterOption]
    let pending: Int
    let delivered: Int
    let dead: Int
    let empty: Bool
}

extension DashboardSite {
    func alerts(_ request: Request, json: Bool) async throws -> Response {
        let parameters = try DashboardQuery(request.uri)
        let (page, size) = try parameters.paging()
        let state = try parameters.choice("state", OutboxRow.states)
        let result = try await store.dashboardOutbox(state: state, offset: (page - 1) * size, limit: size)
        let counts = try await store.dashboardTotals().outboxByState
        let pager = Pager(page: page, size: size, total: result.total, path: "/alerts", keep: [("state", state)])
        let document = AlertsDocument(state: state, counts: counts, total: result.total, page: page, perPage: size,
                                      pages: pager.pages, items: result.items.map(OutboxListing.init))
        if json { return try DashboardResponse.json(document) }
        let context = AlertsContext(
            document: document, rows: document.items.map { AlertsContext.Row(item: $0, link: $0.domain.map { "/domains/" + Pager.encode($0) }) },
            pager: pager, stateOptions: FilterOption.list(OutboxRow.states, selected: state, any: "any state"),
            pending: counts[OutboxRow.statePending] ?? 0, delivered: counts[OutboxRow.stateDelivered] ?? 0,
            dead: counts[OutboxRow.stateDead] ?? 0, empty: document.items.isEmpty)
        return try self.page("alerts", context)
    }
}
