import Foundation
import Inventory
import Testing
@testable import Dashboard

/// The templates escape what they are given: Mustache's `{{ }}` on hostile text from DNS and the inventory,
/// rendered through the real library from a real (in-memory) store's page query.
@Suite struct DashboardTemplateTests {
    static let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "' onmouseover='alert(3)",
        "&lt;already escaped&gt;",
    ]

    @Test(arguments: hostile)
    func mustacheEscapesEveryInterpolation(text: String) throws {
        let library = try DashboardTemplates.library()
        let line = FindingLine(domain: "example.com", FindingRow(fingerprint: "f", kind: "spf.syntax", severity: "error",
                                                                 subject: text, message: text, evidenceJSON: "{\"term\":\(Self.quoted(text))}",
                                                                 fix: text, firstSeenAt: 0, lastSeenAt: 0))
        let context = FindingsContext(
            document: FindingsDocument(query: .init(state: "open", severity: nil, kind: nil, domain: text), openByKind: [:], total: 1,
                                       page: 1, perPage: 50, pages: 1, items: [line]),
            rows: [FindingRowView(line)], pager: Pager(page: 1, size: 50, total: 1, path: "/findings", keep: [("domain", text)]),
            stateOptions: [], severityOptions: [], kindOptions: [FilterOption(value: text, label: text, selected: true)], empty: false)
        let html = try #require(library.render(context, withTemplate: "findings"))
        #expect(!html.contains(text) || !text.contains(where: { "<>\"'".contains($0) }), "the raw text is not in the page")
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains(DashboardCharts.escape(text)), "the text is there, escaped")
    }

    @Test func theChartIsBuiltFromEscapedParts() {
        let svg = DashboardCharts.passRate([DomainDocument.Day(day: "<b>2026-11-27</b>", messages: 3, dmarcPass: 2, passRate: "66.67")])
        #expect(svg.contains("&lt;b&gt;2026-11-27&lt;/b&gt;") && !svg.contains("<b>"))
        #expect(svg.contains("66.67 % of 3 messages"))
    }

    @Test func ratesHaveTwoDecimals() {
        #expect(DomainDocument.rate(2, of: 3) == "66.67")
        #expect(DomainDocument.rate(0, of: 0) == "0.00")
        #expect(DomainDocument.rate(5, of: 5) == "100.00")
    }

    /// The overview's page query: SQL pagination, search and filters over a store with 120 domains.
    @Test func overviewPagesAreCutInSQL() async throws {
        let store = try InventoryStore.inMemory()
        for index in 0..<120 {
            _ = try store.upsertDomain(DomainRow(name: String(format: "d%03d.example", index)), senders: [], now: 1)
        }
        var query = DashboardDomainQuery()
        query.offset = 100
        query.limit = 50
        let page = try await store.dashboardDomains(query)
        #expect(page.total == 120 && page.items.count == 20 && page.items.first?.name == "d100.example")
        query.offset = 0
        query.search = "d11"
        #expect(try await store.dashboardDomains(query).items.map(\.name) == (110..<120).map { "d\($0).example" })
        query.search = "%"
        #expect(try await store.dashboardDomains(query).total == 0, "LIKE's wildcards are taken literally")
        query.search = nil
        query.status = .never
        #expect(try await store.dashboardDomains(query).total == 120)
        query.status = .ok
        #expect(try await store.dashboardDomains(query).total == 0)
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}
