import Audit
import DNSCore
import Inventory

/// `/domains/NAME` and `/api/domains/NAME`: one domain, all the store knows of it.
struct DomainDocument: Encodable, Sendable {
    struct Records: Encodable, Sendable {
        /// Every TXT string at the domain and at `_dmarc.` as the latest poll read them, verbatim.
        var txt: [String]
        var dmarc: [String]
        var observedAt: String?
    }

    struct DMARC: Encodable, Sendable {
        var state: String
        var status: String?
        var policy: String?
        var record: String?
    }

    struct Sender: Encodable, Sendable {
        var kind: String
        var value: String
        var name: String?
        var owner: String?
        /// `authorized`, `not-authorized` (by the networks the latest poll read), or for host and mx senders,
        /// whose addresses the observation does not keep, `open-finding` or `no-finding`.
        var status: String
        /// The term of the record that authorizes it.
        var term: String?
    }

    struct DKIMKey: Encodable, Sendable {
        var name: String
        /// Type, size and fingerprint, or `revoked`, `absent`, ...
        var summary: String?
        var state: String
    }

    struct DKIM: Encodable, Sendable {
        var keys: [DKIMKey]
        var reported: [Selector]
        var openProblems: Int
    }

    struct Selector: Encodable, Sendable {
        var selector: String
        var signingDomain: String
        var firstDay: String
        var lastDay: String
        var messages: Int
        var pass: Int
        var fail: Int
    }

    struct Findings: Encodable, Sendable {
        var open: [FindingLine]
        var resolved: [FindingLine]
        var resolvedTotal: Int
    }

    struct Change: Encodable, Sendable {
        var firstSeen: String
        var lastSeen: String
        var polls: Int
        var status: String
        var spfRecord: String?
        var dmarcRecord: String?
        var dnsLookups: Int
        /// The semantic diff against the observation before it.
        var changes: [String]
    }

    struct History: Encodable, Sendable {
        var total: Int
        var items: [Change]
    }

    struct Source: Encodable, Sendable {
        var sourceIP: String
        var messages: Int
        var dkimAlignedPass: Int
        var spfAlignedPass: Int
        var dmarcFail: Int
        var firstDay: String
        var lastDay: String
        var reporters: [String]
        /// The approved sender whose address or network holds it.
        var name: String?
        /// True when the latest poll's networks authorize it.
        var authorizedNow: Bool
    }

    struct Day: Encodable, Sendable {
        var day: String
        var messages: Int
        var dmarcPass: Int
        /// Percent with two decimals, as text (as snapshots write rates).
        var passRate: String
    }

    struct Observed: Encodable, Sendable {
        var totalSources: Int
        var sources: [Source]
        var days: [Day]
    }

    struct Flattened: Encodable, Sendable {
        var include: String
        var networks: [String]
        var flattenedAt: String
    }

    var schemaVersion = DashboardJSON.schemaVersion
    var domain: String
    var status: String
    var interval: Int
    var lastPoll: String?
    var nextPoll: String?
    var source: String?
    var expectations: [String: String]
    var records: Records
    var spf: SPFDocument
    var dmarc: DMARC
    var senders: [Sender]
    var dkim: DKIM
    var findings: Findings
    var history: History
    var observed: Observed
    var flattened: [Flattened]

    static let historyLimit = 50
    static let resolvedLimit = 100
    static let sourceLimit = 100
    static let chartDays = 90
}

extension DomainDocument {
    init(_ detail: DashboardDomainDetail) {
        let row = detail.domain
        let latest = detail.observations.first
        let summary = DashboardJSON.summary(latest?.summaryJSON)
        domain = row.name
        status = summary?.status.rawValue ?? latest?.status ?? "never"
        interval = row.intervalSeconds
        lastPoll = DashboardJSON.date(row.lastPollAt)
        nextPoll = DashboardJSON.date(row.nextPollAt)
        source = row.source
        var expected: [String: String] = [:]
        if let all = row.expectSPFAll { expected["spfAll"] = all + "all" }
        if let policy = row.expectDMARCPolicy { expected["dmarcPolicy"] = policy }
        if let lookups = row.expectMaxLookups { expected["maxLookups"] = String(lookups) }
        expectations = expected
        records = Records(txt: DashboardJSON.list(latest?.spfRecordsJSON ?? "[]"), dmarc: DashboardJSON.list(latest?.dmarcRecordsJSON ?? "[]"),
                          observedAt: DashboardJSON.date(latest?.lastSeenAt))
        spf = SPFDocument(domain: row.name, summary: summary, budget: row.expectMaxLookups)
        dmarc = DMARC(state: summary?.dmarcPart.rawValue ?? "unknown", status: summary?.dmarcStatus ?? latest?.dmarcStatus,
                      policy: summary?.dmarcPolicy ?? latest?.dmarcPolicy, record: summary?.dmarcRecord ?? latest?.dmarcRecord)
        let open = detail.openFindings.map { FindingLine(domain: row.name, $0) }
        let spfNow = spf
        senders = detail.senders.map { Self.sender($0, spf: spfNow, summary: summary, open: open) }
        dkim = DKIM(keys: Self.keys(summary), reported: detail.reportedSelectors.map {
            Selector(selector: $0.selector, signingDomain: $0.signingDomain, firstDay: $0.firstDay, lastDay: $0.lastDay,
                     messages: $0.messages, pass: $0.pass, fail: $0.fail)
        }, openProblems: open.filter { $0.kind.hasPrefix("dkim.") }.count)
        findings = Findings(open: open, resolved: detail.resolvedFindings.map { FindingLine(domain: row.name, $0) },
                            resolvedTotal: detail.resolvedCount)
        history = History(total: detail.observationCount, items: Self.changes(row.name, detail.observations))
        observed = Observed(totalSources: detail.observedSourceCount, sources: detail.observedSources.map { source in
            let ip = IPAddress(source.sourceIP)
            return Source(sourceIP: source.sourceIP, messages: source.messages, dkimAlignedPass: source.dkimAlignedPass,
                          spfAlignedPass: source.spfAlignedPass, dmarcFail: source.dmarcFail, firstDay: source.firstDay,
                          lastDay: source.lastDay, reporters: source.reporters, name: ip.flatMap { Self.approvedName($0, detail.senders) },
                          authorizedNow: ip.flatMap(spfNow.authorizing) != nil)
        }, days: detail.observedDays.map { day in
            Day(day: day.day, messages: day.messages, dmarcPass: day.dmarcPass, passRate: Self.rate(day.dmarcPass, of: day.messages))
        })
        flattened = detail.flattened.map {
            Flattened(include: $0.include, networks: DashboardJSON.list($0.networksJSON), flattenedAt: Timestamp.iso($0.flattenedAt))
        }
    }

    static func sender(_ row: SenderRow, spf: SPFDocument, summary: ObservationSummary?, open: [FindingLine]) -> Sender {
        var status = "not-authorized"
        var term: String?
        switch row.kind {
        case "ip":
            if let ip = IPAddress(row.value), let network = spf.authorizing(ip) { status = "authorized"; term = network.term }
        case "cidr":
            if let cidr = CIDRNetwork(row.value), let network = spf.authorizing(cidr) { status = "authorized"; term = network.term }
        case "include":
            let name = row.value.lowercased()
            if summary?.includes.contains(name) == true {
                status = "authorized"
                term = spf.terms.first { $0.target == name }?.term ?? "nested include:\(name)"
            }
        default:
            let flagged = open.contains { $0.kind.hasPrefix("spf.sender") && ($0.subject ?? "").contains(row.value) }
            status = flagged ? "open-finding" : "no-finding"
        }
        return Sender(kind: row.kind, value: row.value, name: row.name, owner: row.owner, status: status, term: term)
    }

    static func keys(_ summary: ObservationSummary?) -> [DKIMKey] {
        let names = Set((summary?.dkimKeys ?? [:]).keys).union((summary?.dkimStates ?? [:]).keys)
        return names.sorted().map { DKIMKey(name: $0, summary: summary?.dkimKeys?[$0], state: summary?.dkimPart($0).rawValue ?? "unknown") }
    }

    /// Newest first; each with its diff against the one before it (the list holds one extra, older, row).
    static func changes(_ domain: String, _ observations: [ObservationRow]) -> [Change] {
        let summaries = observations.map { DashboardJSON.summary($0.summaryJSON) }
        return observations.prefix(historyLimit).enumerated().map { index, row in
            let older = summaries[(index + 1)...].compactMap { $0 }.first
            let changes = summaries[index].map { Drift.findings(domain: domain, previous: older, current: $0).map(\.message) } ?? []
            return Change(firstSeen: Timestamp.iso(row.firstSeenAt), lastSeen: Timestamp.iso(row.lastSeenAt), polls: row.seenCount,
                          status: summaries[index]?.status.rawValue ?? row.status, spfRecord: row.spfRecord,
                          dmarcRecord: row.dmarcRecord, dnsLookups: row.spfLookups, changes: changes)
        }
    }

    static func approvedName(_ ip: IPAddress, _ senders: [SenderRow]) -> String? {
        senders.first { sender in
            (sender.kind == "ip" || sender.kind == "cidr") && CIDRNetwork(sender.value)?.contains(ip) == true
        }.map { $0.name ?? "\($0.kind) \($0.value)" }
    }

    static func rate(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0.00" }
        let hundredths = Int((Double(part) * 10_000 / Double(whole)).rounded())
        return "\(hundredths / 100)." + String("0\(hundredths % 100)".suffix(2))
    }
}
