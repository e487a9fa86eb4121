import Audit
import AuthReports
import DNSCore
import Foundation
import GRDB

/// What the store knows of a domain's DKIM selectors: the monitor file's and the reports'.
extension InventoryStore {
    /// One domain's facts for `senderwatch dkim`: its senders, what the reports saw, and every selector known
    /// (`dkim`), also for a domain the inventory does not list but the reports do.
    public func dkimFacts(domain name: String, thresholds: ObservedThresholds, now: Int64) async throws -> DomainFacts {
        try await writer.read { db in
            let domain = Self.canonicalName(name)
            var facts = DomainFacts()
            facts.observed = try Self.observedFacts(domain: domain, thresholds: thresholds, now: now, in: db)
            facts.dkim = try Self.reportedSelectors(domain: domain, observed: facts.observed, thresholds: thresholds, now: now, in: db)
            guard let row = try DomainRow.all().named(name).fetchOne(db), let parsed = try? DomainName(row.name) else { return facts }
            facts.approved = try SenderRow.all().of(domainId: row.id!).orderedByKindAndValue().fetchAll(db)
                .compactMap(InventoryMapping.sender)
            facts.dkim = facts.dkimSelectors(domain: parsed, domainSelectors: InventoryMapping.selectors(row.dkimSelectors))
            return facts
        }
    }

    /// The selectors the reports named for `domain` (the policy domain), with their tallies. The recent window
    /// ends where `observedFacts`' does: the last reported day that has already happened.
    static func reportedSelectors(domain: String, observed: ObservedFacts?, thresholds: ObservedThresholds, now: Int64,
                                  in db: Database) throws -> [DKIMSelectorFacts] {
        guard let observed, let last = UTCDay.dayNumber(observed.lastDay) else { return [] }
        let end = min(last, UTCDay.number(now))
        let windowStart = UTCDay.text(dayNumber: end - Int64(max(1, thresholds.windowDays)) + 1)
        let statement = try db.cachedStatement(sql: """
            SELECT signingDomain, selector, MIN(day) AS firstDay, MAX(day) AS lastDay, SUM(messages) AS messages,
                   SUM(passMessages) AS pass, SUM(failMessages) AS fail,
                   SUM(CASE WHEN day >= ?1 THEN messages ELSE 0 END) AS recent,
                   SUM(CASE WHEN day >= ?1 THEN passMessages ELSE 0 END) AS recentPass,
                   COUNT(DISTINCT sourceIP) AS sourceCount
            FROM dkim_selector_daily WHERE domain = ?2 GROUP BY signingDomain, selector ORDER BY signingDomain, selector
            """)
        var found: [DKIMSelectorFacts] = []
        for row in try Row.fetchAll(statement, arguments: [windowStart, domain]) {
            let use = DKIMReportedUse(firstDay: row["firstDay"], lastDay: row["lastDay"], messages: count(row["messages"]),
                                      pass: count(row["pass"]), fail: count(row["fail"]), recentMessages: count(row["recent"]),
                                      recentPass: count(row["recentPass"]), sources: [], sourceCount: row["sourceCount"])
            found.append(DKIMSelectorFacts(selector: row["selector"], signingDomain: row["signingDomain"], reported: use))
        }
        guard !found.isEmpty else { return [] }
        var index: [String: Int] = [:]
        for (offset, facts) in found.enumerated() { index[facts.signingDomain + " " + facts.selector] = offset }
        let sources = try db.cachedStatement(sql: """
            SELECT signingDomain, selector, sourceIP, SUM(messages) AS messages FROM dkim_selector_daily WHERE domain = ?
            GROUP BY signingDomain, selector, sourceIP ORDER BY messages DESC, sourceIP
            """)
        for row in try Row.fetchAll(sources, arguments: [domain]) {
            let key = (row["signingDomain"] as String) + " " + (row["selector"] as String)
            guard let at = index[key], found[at].reported!.sources.count < DKIMReportedUse.maximumSources else { continue }
            found[at].reported!.sources.append(row["sourceIP"])
        }
        return found
    }
}
