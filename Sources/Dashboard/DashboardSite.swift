import Foundation
import Hummingbird
import Inventory
import Mustache

/// The dashboard's routes. Every page is a GET of HTML built from a document that `/api/...` serves as JSON,
/// so what the page shows and what a script reads are the same values.
struct DashboardSite: Sendable {
    let store: InventoryStore
    let metrics: (@Sendable () async -> String)?
    let templates: MustacheLibrary

    init(store: InventoryStore, metrics: (@Sendable () async -> String)?) throws(DashboardSetupError) {
        self.store = store
        self.metrics = metrics
        self.templates = try DashboardTemplates.library()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let site = self
        router.get("/") { request, _ in try await site.overview(request, json: false) }
        router.get("/api/domains") { request, _ in try await site.overview(request, json: true) }
        router.get("/domains/{name}") { request, context in
            try await site.domain(try context.parameters.require("name"), request, json: false)
        }
        router.get("/api/domains/{name}") { request, context in
            try await site.domain(try context.parameters.require("name"), request, json: true)
        }
        router.get("/findings") { request, _ in try await site.findings(request, json: false) }
        router.get("/api/findings") { request, _ in try await site.findings(request, json: true) }
        router.get("/alerts") { request, _ in try await site.alerts(request, json: false) }
        router.get("/api/alerts") { request, _ in try await site.alerts(request, json: true) }
        router.get("/snapshots") { request, _ in try await site.snapshots(request, json: false) }
        router.get("/api/snapshots") { request, _ in try await site.snapshots(request, json: true) }
        router.get("/dashboard.css") { _, _ in
            DashboardResponse.body(.ok, DashboardStylesheet.text, type: "text/css; charset=utf-8")
        }
        router.get("/metrics") { _, _ in
            guard let metrics = site.metrics else { throw HTTPError(.notFound, message: "no metrics here") }
            return DashboardResponse.body(.ok, await metrics(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        return router
    }

    /// The page `name` rendered with `context`; a template that fails to render is a programming error.
    func page(_ name: String, _ context: Any) throws -> Response {
        guard let html = templates.render(context, withTemplate: name) else {
            throw HTTPError(.internalServerError, message: "template \(name) is missing")
        }
        return DashboardResponse.html(html)
    }
}

/// The navigation bar's entries; `current` marks the page shown.
struct NavigationEntry: Sendable {
    let href: String
    let label: String
    let current: Bool

    static func bar(_ current: String) -> [NavigationEntry] {
        [("/", "Domains"), ("/findings", "Findings"), ("/alerts", "Alert outbox"), ("/snapshots", "Snapshots")].map {
            NavigationEntry(href: $0.0, label: $0.1, current: $0.0 == current)
        }
    }
}

/// Links to the previous and next pages of a listing, keeping the other query parameters.
struct Pager: Sendable {
    let page: Int
    let pages: Int
    let total: Int
    let first: Int
    let last: Int
    let previous: String?
    let next: String?

    init(page: Int, size: Int, total: Int, path: String, keep: [(String, String?)]) {
        self.page = page
        self.total = total
        pages = max(1, (total + size - 1) / size)
        first = total == 0 ? 0 : (page - 1) * size + 1
        last = min(total, page * size)
        func link(_ target: Int) -> String {
            var parts = keep.compactMap { name, value in value.map { "\(name)=\(Self.encode($0))" } }
            if size != DashboardQuery.defaultPageSize { parts.append("per=\(size)") }
            parts.append("page=\(target)")
            return path + "?" + parts.joined(separator: "&")
        }
        previous = page > 1 ? link(min(page - 1, pages)) : nil
        next = page < pages ? link(page + 1) : nil
    }

    /// Percent-encodes a query value (letters, digits and `-._~` stay as they are).
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// One option of a filter's select element.
struct FilterOption: Sendable {
    let value: String
    let label: String
    let selected: Bool

    static func list(_ values: [String], selected: String?, any: String) -> [FilterOption] {
        [FilterOption(value: "", label: any, selected: selected == nil)]
            + values.map { FilterOption(value: $0, label: $0, selected: $0 == selected) }
    }
}
