import GRDB

/// One page of a listing: the rows of the page and how many rows match in all.
public struct DashboardPage<Item: Sendable>: Sendable {
    public var total: Int
    public var offset: Int
    public var limit: Int
    public var items: [Item]

    public init(total: Int, offset: Int, limit: Int, items: [Item]) {
        self.total = total; self.offset = offset; self.limit = limit; self.items = items
    }
}

/// What the overview asks for: a search on the name, filters, an order and a page.
public struct DashboardDomainQuery: Sendable, Hashable {
    /// The latest observation's status, or a domain never polled, or one with open findings.
    public enum Status: String, Sendable, CaseIterable { case ok, partial, temperror, never, findings }
    public enum Sort: String, Sendable, CaseIterable { case name, lookups, findings, lastPoll = "last-poll" }

    public var search: String?
    public var status: Status?
    /// Domains with an open finding of this severity or worse.
    public var severity: String?
    /// The applied DMARC policy (`none`, `quarantine`, `reject`), or `missing` for polled domains without one.
    public var policy: String?
    public var sort: Sort = .name
    public var offset = 0
    public var limit = 50

    public init() {}
}

/// One row of the overview, straight from SQL.
public struct DashboardDomainSummary: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var intervalSeconds: Int
    public var lastPollAt: Int64?
    public var nextPollAt: Int64?
    public var expectMaxLookups: Int?
    /// `ok`, `partial` or `temperror` of the latest observation; nil when never polled.
    public var observationStatus: String?
    public var spfLookups: Int?
    public var dmarcPolicy: String?
    public var dmarcStatus: String?
    /// The latest observation's summary (the DKIM keys it knew are read from it).
    public var summaryJSON: String?
    /// Open findings by severity; every severity is present.
    public var openBySeverity: [String: Int]
    /// Open findings whose kind starts with `dkim.`.
    public var dkimProblems: Int

    init(row: Row) {
        id = row["id"]; name = row["name"]; intervalSeconds = row["intervalSeconds"]
        lastPollAt = row["lastPollAt"]; nextPollAt = row["nextPollAt"]; expectMaxLookups = row["expectMaxLookups"]
        observationStatus = row["observationStatus"]; spfLookups = row["spfLookups"]
        dmarcPolicy = row["dmarcPolicy"]; dmarcStatus = row["dmarcStatus"]; summaryJSON = row["summaryJSON"]
        var counts: [String: Int] = [:]
        for severity in FindingRow.severities { counts[severity] = row[severity] }
        openBySeverity = counts
        dkimProblems = row["dkim"]
    }
}

/// Counts over the whole inventory.
public struct DashboardTotals: Sendable, Hashable {
    public var domains = 0
    public var neverPolled = 0
    public var lastPollAt: Int64?
    public var openBySeverity: [String: Int] = [:]
    public var outboxByState: [String: Int] = [:]
}

/// What the findings page asks for.
public struct DashboardFindingQuery: Sendable, Hashable {
    /// `open` or `resolved`; nil for both.
    public var state: String? = FindingRow.stateOpen
    public var severity: String?
    public var kind: String?
    public var domainSearch: String?
    public var offset = 0
    public var limit = 50

    public init() {}
}

/// A finding with its domain's name.
public struct DashboardFinding: Sendable, Hashable {
    public var domain: String
    public var row: FindingRow
}

/// A DKIM selector the reports named, with its tallies over every day stored.
public struct DashboardReportedSelector: Sendable, Hashable {
    public var signingDomain: String
    public var selector: String
    public var firstDay: String
    public var lastDay: String
    public var messages: Int
    public var pass: Int
    public var fail: Int
}

/// Everything the domain page reads, in one read transaction.
public struct DashboardDomainDetail: Sendable {
    public var domain: DomainRow
    public var senders: [SenderRow] = []
    /// Newest first; one more than the page shows, so the oldest shown still has its diff.
    public var observations: [ObservationRow] = []
    public var observationCount = 0
    public var openFindings: [FindingRow] = []
    /// Most recently resolved first.
    public var resolvedFindings: [FindingRow] = []
    public var resolvedCount = 0
    public var flattened: [FlattenedIncludeRow] = []
    /// The sources with the most messages first.
    public var observedSources: [ObservedSource] = []
    public var observedSourceCount = 0
    public var observedDays: [ObservedDay] = []
    public var reportedSelectors: [DashboardReportedSelector] = []

    init(domain: DomainRow) { self.domain = domain }
}
