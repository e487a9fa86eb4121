import AuthReports
import DNSCore
import Foundation
import GRDB

/// What ingesting one report (one part of an input file) did.
public struct IngestResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable { case ingested, duplicate, rejected }
    public var file: String
    /// Where in the file the report was (`message 2, attachment x.xml.gz`), when the file held a container.
    public var location: String?
    public var status: Status
    public var orgName: String?
    public var reportId: String?
    public var domain: String?
    public var records: Int?
    public var messages: Int?
    public var warnings: [String]
    public var error: String?

    public init(file: String, location: String? = nil, status: Status, orgName: String? = nil, reportId: String? = nil,
                domain: String? = nil, records: Int? = nil, messages: Int? = nil, warnings: [String] = [], error: String? = nil) {
        self.file = file; self.location = location; self.status = status; self.orgName = orgName; self.reportId = reportId
        self.domain = domain; self.records = records; self.messages = messages; self.warnings = warnings; self.error = error
    }
}

/// Streams one input's reports into the inventory. Each report is one savepoint in the batch's transaction
/// (`ReportBatch`): begun when its header arrives, released with its `report` row when it parsed completely,
/// rolled back otherwise, so a crash or a broken report never leaves part of a report behind, and re-reading
/// it later is a `duplicate`.
/// Records are aggregated in memory and flushed with a cached upsert every `flushEvery` distinct lines,
/// which keeps memory flat for a report of any size.
final class ReportIngestion: ReportConsumer {
    private struct Counts {
        var messages = 0, rows = 0
        mutating func add(_ count: Int) { messages += count; rows += 1 }
    }
    /// An aggregation key hashed by its stable digest, which is computed once (13 strings hashed per access
    /// was a tenth of the ingestion time).
    private struct Line: Hashable {
        let key: ObservedKey
        let lineKey: Int64
        init(_ key: ObservedKey) { self.key = key; lineKey = key.lineKey }
        func hash(into hasher: inout Hasher) { hasher.combine(lineKey) }
        static func == (a: Line, b: Line) -> Bool { a.lineKey == b.lineKey && a.key == b.key }
    }
    private struct Current {
        var header: ReportSummary
        var days: [(text: String, weight: Int64)]
        var aggregate: [Line: Counts] = [:]
        var warnings: [String] = []
        var duplicate: (records: Int, messages: Int)?
        var reporter = ""
        var inTransaction = false
    }
    private struct Duplicate: Error, CustomStringConvertible {
        var description: String { "already ingested" }
    }

    static let flushEvery = 20_000

    private let db: Database
    private let file: String
    private let now: Int64
    @exclusivity(unchecked) private var current: Current?
    private(set) var results: [IngestResult] = []
    /// Set when a failed rollback took the batch's whole transaction with it.
    private(set) var lostBatch = false
    /// Upserts into `observed_sender` so far (the batch's size).
    private(set) var linesWritten = 0

    init(db: Database, file: String, now: Int64) {
        self.db = db; self.file = file; self.now = now
    }

    func reportBegins(part: Int, header: ReportSummary) throws {
        let metadata = header.metadata
        guard !metadata.reportID.isEmpty else {
            throw ReportError(.missingField, "report_metadata/report_id is missing before the first <record>")
        }
        guard metadata.begin > 0, metadata.end >= metadata.begin else {
            throw ReportError(.missingField, "report_metadata/date_range is missing or reversed before the first <record> (begin \(metadata.begin), end \(metadata.end))")
        }
        let org = Self.orgName(header)
        let spread = UTCDay.spread(begin: metadata.begin, end: metadata.end)
        current = Current(header: header, days: spread.map { (UTCDay.text(dayNumber: $0.day), $0.weight) })
        current?.reporter = org
        let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT records, messages FROM report WHERE orgKey = ? AND reportId = ?"),
                                        arguments: [org.lowercased(), metadata.reportID])
        if let existing {
            current?.duplicate = (existing["records"], existing["messages"])
            throw Duplicate()
        }
        // The batch's transaction (see ReportBatch), and this report's savepoint in it.
        if !db.isInsideTransaction { try db.beginTransaction(.immediate) }
        try db.cachedStatement(sql: "SAVEPOINT report").execute()
        current?.inTransaction = true
    }

    func record(part: Int, _ record: AggregateRecord) throws {
        guard current != nil else { return }
        var ip = record.sourceIP
        // IPv4 text is canonical once it parses; IPv6 is rewritten (case, zero runs) so one source is one key.
        if let parsed = IPAddress(ip) { if !parsed.isIPv4 { ip = parsed.description } } else {
            note("source_ip '\(record.sourceIP)' is not an IP address; kept as sent")
        }
        let header = current!.header
        let dkim = Self.bestDKIM(record.dkimResults, headerFrom: record.headerFrom)
        let spf = record.spfResults.first { $0.scope == nil || $0.scope == "mfrom" } ?? record.spfResults.first
        var key = ObservedKey(
            domain: header.policy.domain, day: "", sourceIP: ip,
            headerFrom: record.headerFrom.isEmpty ? header.policy.domain : record.headerFrom,
            envelopeFrom: record.envelopeFrom ?? spf?.domain ?? "",
            dkimAligned: record.dkim, spfAligned: record.spf,
            dkimResult: dkim?.result ?? "none", dkimDomain: dkim?.domain ?? "",
            spfResult: spf?.result ?? "none", spfDomain: spf?.domain ?? "",
            disposition: record.disposition, reporter: current!.reporter)
        let days = current!.days
        if days.count == 1 {
            key.day = days[0].text
            add(key, messages: record.count)
        } else {
            let shares = UTCDay.split(record.count, weights: days.map(\.weight))
            for (index, share) in shares.enumerated() where share > 0 || (index == 0 && record.count == 0) {
                key.day = days[index].text
                add(key, messages: share)
            }
        }
        if current!.aggregate.count >= Self.flushEvery { try flush() }
    }

    func reportEnds(_ outcome: ReportOutcome) {
        defer { current = nil }
        var result = IngestResult(file: file, location: outcome.location, status: .rejected, warnings: [])
        if let header = current?.header {
            result.orgName = Self.orgName(header)
            result.reportId = header.metadata.reportID
            result.domain = header.policy.domain
        }
        switch outcome.result {
        case .success(let summary):
            result.orgName = Self.orgName(summary)
            result.reportId = summary.metadata.reportID
            result.domain = summary.policy.domain
            result.records = summary.recordCount
            result.messages = summary.messageCount
            result.warnings = summary.warnings.map(\.description) + (current?.warnings ?? [])
            do {
                guard current?.inTransaction == true else { throw ReportError(.rejectedByConsumer, "the report began without its header") }
                try flush()
                try insertReport(summary, warnings: result.warnings)
                try db.cachedStatement(sql: "RELEASE SAVEPOINT report").execute()
                current?.inTransaction = false
                result.status = .ingested
            } catch {
                rollback()
                result.error = "not stored: \(error)"
            }
        case .failure(let error):
            rollback()
            if let duplicate = current?.duplicate {
                result.status = .duplicate
                result.records = duplicate.records
                result.messages = duplicate.messages
            } else {
                result.error = error.description
            }
        }
        results.append(result)
    }

    private func add(_ key: ObservedKey, messages: Int) {
        current!.aggregate[Line(key), default: Counts()].add(messages)
    }

    private func note(_ warning: String) {
        guard current != nil, current!.warnings.count < 20, !current!.warnings.contains(warning) else { return }
        current!.warnings.append(warning)
    }

    private func flush() throws {
        guard var aggregate = current?.aggregate, !aggregate.isEmpty else { return }
        current!.aggregate = [:]
        let upsert = try ObservedUpsert(db)
        // In key order, the index pages are visited once each rather than at random. Sorting (key, index) pairs
        // moves 16-byte values instead of whole lines (13 strings each).
        var order: [(lineKey: Int64, index: Dictionary<Line, Counts>.Index)] = []
        order.reserveCapacity(aggregate.count)
        var index = aggregate.startIndex
        while index != aggregate.endIndex {
            order.append((aggregate.keys[index].lineKey, index))
            aggregate.formIndex(after: &index)
        }
        order.sort { $0.lineKey < $1.lineKey }
        for entry in order {
            let (line, counts) = aggregate[entry.index]
            try upsert.add(line.key, lineKey: entry.lineKey, messages: counts.messages, rows: counts.rows)
        }
        linesWritten += aggregate.count
        aggregate.removeAll(keepingCapacity: true)
        current!.aggregate = aggregate
    }

    private func insertReport(_ summary: ReportSummary, warnings: [String]) throws {
        let policy = summary.policy
        let policyFields: [String: String?] = ["p": policy.p, "sp": policy.sp, "np": policy.np, "pct": policy.pct.map(String.init),
                                               "adkim": policy.adkim, "aspf": policy.aspf, "fo": policy.fo, "testing": policy.testing]
        let policyJSON = Self.json(policyFields.compactMapValues { $0 })
        try db.cachedStatement(sql: """
            INSERT INTO report (orgKey, orgName, reportId, domain, email, beginAt, endAt, records, messages, warningsJSON,
                                policyJSON, file, ingestedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [Self.orgName(summary).lowercased(), Self.orgName(summary), summary.metadata.reportID,
                             policy.domain, summary.metadata.email, summary.metadata.begin, summary.metadata.end,
                             summary.recordCount, summary.messageCount, Self.json(warnings), policyJSON, file, now])
    }

    private func rollback() {
        guard current?.inTransaction == true else { return }
        do {
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT report").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT report").execute()
        } catch {
            // The savepoint is gone only if the whole transaction is: then nothing of the batch survives.
            try? db.rollback()
            lostBatch = true
        }
        current?.inTransaction = false
    }

    /// Rolls back a report the reader left without an outcome (it always gives one; this is a safety net).
    func abandonOpenReport() {
        rollback()
        current = nil
    }

    static func orgName(_ summary: ReportSummary) -> String {
        let raw = summary.metadata.orgName
        // Most names have nothing to trim: skip Foundation's (bridged, allocating) trim for them.
        if let first = raw.unicodeScalars.first, let last = raw.unicodeScalars.last,
           !CharacterSet.whitespaces.contains(first), !CharacterSet.whitespaces.contains(last) { return raw }
        let name = raw.trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? "(unnamed reporter)" : name
    }

    /// The DKIM verdict that matters for the sender: a pass for the header-from domain, else any pass, else the first.
    static func bestDKIM(_ results: [DKIMAuthResult], headerFrom: String) -> DKIMAuthResult? {
        results.first { $0.result == "pass" && $0.domain == headerFrom }
            ?? results.first { $0.result == "pass" } ?? results.first
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
