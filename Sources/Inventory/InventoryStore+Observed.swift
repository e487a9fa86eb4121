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
    /// Reads every report in `source` (one file; a container may hold several) into the inventory, one
    /// transaction per report. `file` names the input in the results and the `report` rows.
    public func ingestReports(_ source: any ByteSource, file: String, now: Int64,
                              reader: ReportReader = ReportReader()) throws -> [IngestResult] {
        try writer.writeWithoutTransaction { db in
            // A large report touches many index pages: a 16 MB page cache (instead of 2 MB) keeps them from
            // being written and read back repeatedly, and memory stays bounded.
            try db.execute(sql: "PRAGMA cache_size = -16384")
            let ingestion = ReportIngestion(db: db, file: file, now: now)
            _ = reader.read(source, into: ingestion)
            if db.isInsideTransaction { try db.rollback() }
            return ingestion.results
        }
    }

    /// Adds observations that came from elsewhere (a message's headers), in one transaction.
    public func recordObserved(_ entries: [(key: ObservedKey, messages: Int)]) throws {
        try writer.write { db in
            let statement = try db.cachedStatement(sql: ObservedKey.upsertSQL)
            for (key, messages) in entries {
                var values: [any DatabaseValueConvertible] = key.arguments
                values.append(messages)
                values.append(1)
                try statement.execute(arguments: StatementArguments(values))
            }
        }
    }

    /// The domain's sources since `since` (YYYY-MM-DD, inclusive), most messages first.
    public func observedSources(domain: String, since: String? = nil) throws -> [ObservedSource] {
        let name = Self.canonicalName(domain)
        return try writer.read { db in
            var sources: [String: ObservedSource] = [:]
            var sets: [String: [Set<String>]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT * FROM observed_sender WHERE domain = ? AND day >= ? ORDER BY sourceIP, day
                """, arguments: [name, since ?? ""])
            while let row = try rows.next() {
                let ip: String = row["sourceIP"]
                let messages: Int = row["messages"]
                let day: String = row["day"]
                var s = sources[ip] ?? ObservedSource(sourceIP: ip, messages: 0, dkimAlignedPass: 0, spfAlignedPass: 0, dmarcFail: 0,
                                                      dispositions: [:], spfResults: [:], dkimResults: [:], headerFrom: [],
                                                      envelopeFrom: [], dkimDomains: [], reporters: [], firstDay: day, lastDay: day)
                let dkim: String = row["dkimAligned"], spf: String = row["spfAligned"]
                s.messages += messages
                if dkim == "pass" { s.dkimAlignedPass += messages }
                if spf == "pass" { s.spfAlignedPass += messages }
                if dkim != "pass" && spf != "pass" { s.dmarcFail += messages }
                s.dispositions[row["disposition"] as String, default: 0] += messages
                s.spfResults[row["spfResult"] as String, default: 0] += messages
                s.dkimResults[row["dkimResult"] as String, default: 0] += messages
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

    /// The first and last day with observations for the domain, and its message total; nil when none.
    public func observedSpan(domain: String) throws -> ObservedSpan? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT MIN(day) AS first, MAX(day) AS last, SUM(messages) AS messages FROM observed_sender WHERE domain = ?
                """, arguments: [Self.canonicalName(domain)]),
                let first: String = row["first"], let last: String = row["last"] else { return nil }
            return ObservedSpan(firstDay: first, lastDay: last, messages: row["messages"] ?? 0)
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
