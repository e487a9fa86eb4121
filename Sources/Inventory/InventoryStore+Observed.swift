import AuthReports
import Foundation
import GRDB

/// One sending source of a domain as the reports saw it, summed over days, reporters and outcomes.
public struct ObservedSource: Sendable, Hashable, Codable {
    public var sourceIP: String
    public var messages: Int
    /// Messages whose DKIM / SPF verdict was DMARC-aligned pass.
    public var dkimAlignedPass: Int
    public var spfAlignedPass: Int
    /// Messages that failed both: DMARC failed for them.
    public var dmarcFail: Int
    /// Messages by what the receiver did (`none`, `quarantine`, `reject`).
    public var dispositions: [String: Int]
    /// Messages by raw SPF verdict (`pass`, `softfail`, ...).
    public var spfResults: [String: Int]
    public var dkimResults: [String: Int]
    public var headerFrom: [String]
    public var envelopeFrom: [String]
    public var dkimDomains: [String]
    public var reporters: [String]
    public var firstDay: String
    public var lastDay: String
}

/// The days a domain has reports for.
public struct ObservedSpan: Sendable, Hashable {
    public var firstDay: String
    public var lastDay: String
    public var messages: Int
}

/// Observed senders: DMARC aggregate reports and message headers, ingested.
extension InventoryStore {
    /// Reads every report in `source` (one file; a container may hold several) into the inventory, each
    /// report all or nothing, committed before this returns. `file` names the input in the results and the
    /// `report` rows. Many files: `withReportBatch`.
    public func ingestReports(_ source: any ByteSource, file: String, now: Int64,
                              reader: ReportReader = ReportReader()) throws -> [IngestResult] {
        try withReportBatch(reader: reader) { batch in
            batch.ingest(source, file: file, now: now) + batch.finish()
        }
    }

    /// Adds observations that came from elsewhere (a message's headers), in one transaction.
    public func recordObserved(_ entries: [(key: ObservedKey, messages: Int)]) throws {
        try writer.write { db in
            let upsert = try ObservedUpsert(db)
            for (key, messages) in entries {
                try upsert.add(key, lineKey: key.lineKey, messages: messages, rows: 1)
            }
        }
    }

    /// The domain's sources since `since` (YYYY-MM-DD, inclusive), most messages first. Every count saturates
    /// at `ReportValues.maximumMessages`, whatever the rows hold (a database written before counts were
    /// bounded may hold larger ones), so no sum here or after overflows.
    public func observedSources(domain: String, since: String? = nil) throws -> [ObservedSource] {
        try writer.read { db in try Self.observedSources(domain: domain, since: since, in: db) }
    }

    static func observedSources(domain: String, since: String?, in db: Database) throws -> [ObservedSource] {
        let name = Self.canonicalName(domain)
        do {
            var sources: [String: ObservedSource] = [:]
            var sets: [String: [Set<String>]] = [:]
            let statement = try db.cachedStatement(sql: """
                SELECT * FROM observed_sender WHERE domain = ? AND day >= ? ORDER BY sourceIP, day
                """)
            let rows = try Row.fetchCursor(statement, arguments: [name, since ?? ""])
            while let row = try rows.next() {
                let ip: String = row["sourceIP"]
                let messages = Self.count(row["messages"])
                let day: String = row["day"]
                var s = sources[ip] ?? ObservedSource(sourceIP: ip, messages: 0, dkimAlignedPass: 0, spfAlignedPass: 0, dmarcFail: 0,
                                                      dispositions: [:], spfResults: [:], dkimResults: [:], headerFrom: [],
                                                      envelopeFrom: [], dkimDomains: [], reporters: [], firstDay: day, lastDay: day)
                let dkim: String = row["dkimAligned"], spf: String = row["spfAligned"]
                func add(_ total: inout Int) { total = ReportValues.saturatingMessages(total, messages) }
                add(&s.messages)
                if dkim == "pass" { add(&s.dkimAlignedPass) }
                if spf == "pass" { add(&s.spfAlignedPass) }
                if dkim != "pass" && spf != "pass" { add(&s.dmarcFail) }
                add(&s.dispositions[row["disposition"] as String, default: 0])
                add(&s.spfResults[row["spfResult"] as String, default: 0])
                add(&s.dkimResults[row["dkimResult"] as String, default: 0])
                s.firstDay = min(s.firstDay, day)
                s.lastDay = max(s.lastDay, day)
                var set = sets[ip] ?? Array(repeating: Set<String>(), count: 4)
                for (index, column) in ["headerFrom", "envelopeFrom", "dkimDomain", "reporter"].enumerated() {
                    let value: String = row[column]
                    if !value.isEmpty { set[index].insert(value) }
                }
                sets[ip] = set
                sources[ip] = s
            }
            for (ip, set) in sets {
                sources[ip]?.headerFrom = set[0].sorted()
                sources[ip]?.envelopeFrom = set[1].sorted()
                sources[ip]?.dkimDomains = set[2].sorted()
                sources[ip]?.reporters = set[3].sorted()
            }
            return sources.values.sorted { $0.messages != $1.messages ? $0.messages > $1.messages : $0.sourceIP < $1.sourceIP }
        }
    }

    /// The first and last day with observations for the domain, and its message total (saturating); nil when none.
    public func observedSpan(domain: String) throws -> ObservedSpan? {
        try writer.read { db in try Self.observedSpan(domain: domain, in: db) }
    }

    static func observedSpan(domain: String, in db: Database) throws -> ObservedSpan? {
        // TOTAL, unlike SUM, never fails with "integer overflow": it adds as floating point.
        let statement = try db.cachedStatement(sql: """
            SELECT MIN(day) AS first, MAX(day) AS last, TOTAL(messages) AS messages FROM observed_sender WHERE domain = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [Self.canonicalName(domain)]),
              let first: String = row["first"], let last: String = row["last"] else { return nil }
        return ObservedSpan(firstDay: first, lastDay: last, messages: Self.count(row["messages"]))
    }

    /// A stored count or total as an Int within 0...`ReportValues.maximumMessages` (SQLite may hand back an
    /// integer, or a float for TOTAL and for sums that overflowed in older databases).
    static func count(_ value: DatabaseValue) -> Int {
        switch value.storage {
        case .int64(let n): return Int(min(max(n, 0), Int64(ReportValues.maximumMessages)))
        case .double(let d): return d.isNaN ? 0 : Int(min(max(d, 0), Double(ReportValues.maximumMessages)))
        default: return 0
        }
    }

    /// Number of reports ingested (all domains, or one).
    public func reportCount(domain: String? = nil) throws -> Int {
        try writer.read { db in
            if let domain {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report WHERE domain = ?", arguments: [Self.canonicalName(domain)]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report") ?? 0
        }
    }
}
