import Hummingbird
import Inventory

/// The domain page as the template sees it.
struct DomainContext: Sendable {
    struct Term: Sendable {
        let node: SPFDocument.Node
        let counts: Bool
        let hasNetworks: Bool
        let networkCount: Int
    }

    struct FindingGroup: Sendable {
        let rows: [FindingRowView]
        let empty: Bool
    }

    let title: String
    let nav = NavigationEntry.bar("")
    let document: DomainDocument
    let terms: [Term]
    let lookupsClass: String
    let open: FindingGroup
    let resolved: FindingGroup
    let resolvedMore: Bool
    let resolvedShown: Int
    let historyShown: Int
    let sourcesShown: Int
    let historyMore: Bool
    let sourcesMore: Bool
    let passRateChart: String
    let hasSPFRecord: Bool
    let hasNested: Bool
    let hasSenders: Bool
    let hasDKIM: Bool
    let hasSources: Bool
    let hasFlattened: Bool
    let apiLink: String

    init(_ document: DomainDocument) {
        self.document = document
        title = document.domain
        terms = document.spf.terms.map { Term(node: $0, counts: $0.lookups > 0, hasNetworks: !$0.networks.isEmpty, networkCount: $0.networks.count) }
        let spf = document.spf
        lookupsClass = "lookups-" + (spf.dnsLookups > spf.lookupLimit ? "over" : (spf.dnsLookups > spf.lookupBudget ? "near" : "within"))
        open = FindingGroup(rows: document.findings.open.map(FindingRowView.init), empty: document.findings.open.isEmpty)
        resolved = FindingGroup(rows: document.findings.resolved.map(FindingRowView.init), empty: document.findings.resolved.isEmpty)
        resolvedMore = document.findings.resolvedTotal > document.findings.resolved.count
        resolvedShown = document.findings.resolved.count
        historyShown = document.history.items.count
        sourcesShown = document.observed.sources.count
        historyMore = document.history.total > document.history.items.count
        sourcesMore = document.observed.totalSources > document.observed.sources.count
        passRateChart = DashboardCharts.passRate(Array(document.observed.days.suffix(DomainDocument.chartDays)))
        hasSPFRecord = document.spf.record != nil
        hasNested = !document.spf.nestedIncludes.isEmpty
        hasSenders = !document.senders.isEmpty
        hasDKIM = !document.dkim.keys.isEmpty || !document.dkim.reported.isEmpty
        hasSources = !document.observed.sources.isEmpty
        hasFlattened = !document.flattened.isEmpty
        apiLink = "/api/domains/" + Pager.encode(document.domain)
    }
}

extension DashboardSite {
    func domain(_ name: String, _ request: Request, json: Bool) async throws -> Response {
        guard name.utf8.count <= 253 else { throw DashboardInputError("a domain name has at most 253 characters") }
        guard let detail = try await store.dashboardDomain(named: name, historyLimit: DomainDocument.historyLimit,
                                                           resolvedLimit: DomainDocument.resolvedLimit,
                                                           sourceLimit: DomainDocument.sourceLimit) else {
            throw HTTPError(.notFound, message: "\(name) is not monitored")
        }
        let document = DomainDocument(detail)
        return json ? try DashboardResponse.json(document) : try self.page("domain", DomainContext(document))
    }
}
