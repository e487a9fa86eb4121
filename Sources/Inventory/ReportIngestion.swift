import AuthReports
import DKIM
import DNSCore
import Foundation
import GRDB

/// Streams one input's reports into the inventory. Each report is one savepoint in the batch's transaction
/// (`ReportBatch`): begun when its header arrives, released with its `report` row when it parsed completely,
/// rolled back otherwise, so a crash or a broken report never leaves part of a report behind.
/// Records are aggregated in memory and flushed with a cached upsert every `flushEvery` distinct lines,
/// which keeps memory flat for a report of any size.
///
/// A report whose reporter and id are stored already is read to the end for its digest (`ReportDigest`) and
/// stores nothing: the same content is a `duplicate`, other content a `conflict`. The check runs inside the
/// write transaction, so two processes ingesting the same report at once store it once and call the second
/// one a duplicate. A report dated after `now` plus a day of clock skew is rejected.
final class ReportIngestion: ReportConsumer {
    struct Counts {
        var messages = 0, rows = 0
        mutating func add(_ count: Int) { messages += count; rows += 1 }
    }
    /// An aggregation key hashed by its stable digest, which is computed once (13 strings hashed per access
    /// was a tenth of the ingestion time).
    struct Line: Hashable {
        let key: ObservedKey
        let lineKey: Int64
        init(_ key: ObservedKey) { self.key = key; lineKey = key.lineKey }
        func hash(into hasher: inout Hasher) { hasher.combine(lineKey) }
        static func == (a: Line, b: Line) -> Bool { a.lineKey == b.lineKey && a.key == b.key }
    }
    /// The report of the same reporter and id found in the inventory.
    struct Stored {
        let records: Int
        let messages: Int
        let digest: String?
    }
    struct Current {
        var header: ReportSummary
        var days: [(text: String, weight: Int64)]
        var aggregate: [Line: Counts] = [:]
        /// Selectors the report's DKIM results named.
        var selectors: [DKIMSelectorLine: DKIMSelectorCounts] = [:]
        var warnings: [String] = []
        var stored: Stored?
        var digest: ReportDigest
        var reporter = ""
        var inTransaction = false
    }

    static let flushEvery = 20_000
    /// Reports may end this far after `now` (a reporter's clock ahead of ours).
    static let clockSkew: Int64 = 86400

    let db: Database
    let file: String
    let now: Int64
    let lockWait: TimeInterval
    var current: Current?
    var results: [IngestResult] = []
    /// Set when a failed rollback took the batch's whole transaction with it.
    var lostBatch = false
    /// Upserts into `observed_sender` so far (the batch's size).
    var linesWritten = 0
    /// Selector texts as reports write them, checked once each (a batch names a handful of selectors, thousands
    /// of times); nil for a text that is not a selector. Bounded: hostile reports cannot grow it without end.
    var selectorCache: [String: String?] = [:]
    /// What the TLS or failure report being read became (`ReportIngestion+TLSRPT`).
    var other: OtherOutcome?

    init(db: Database, file: String, now: Int64, lockWait: TimeInterval) {
        self.db = db; self.file = file; self.now = now; self.lockWait = lockWait
    }

    func reportBegins(part: Int, header: ReportSummary) throws {
        let metadata = header.metadata
        let name = "report \(Self.shown(metadata.reportID))"
        guard !metadata.reportID.isEmpty else {
            throw ReportError(.missingField, "report_metadata/report_id is missing before the first <record>")
        }
        // The parser has checked the range itself (1990..2100, in order, at most a year long).
        try refuseFuture(metadata.end, "\(name): <report_metadata/date_range> ends \(metadata.end),")
        guard let spread = UTCDay.spread(begin: metadata.begin, end: metadata.end,
                                         maximumDays: ReportValues.maximumRangeDays + 1) else {
            throw ReportError(.impossibleValue, "\(name): <report_metadata/date_range> \(metadata.begin)..\(metadata.end) "
                + "cannot be spread over days")
        }
        let org = Self.orgName(header)
        current = Current(header: header, days: spread.map { (UTCDay.text(dayNumber: $0.day), $0.weight) },
                          digest: ReportDigest(header))
        current?.reporter = org
        try beginBatchTransaction()
        // Inside the write transaction: no other writer can store this report between the check and the insert.
        let existing = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT records, messages, contentDigest FROM report WHERE orgKey = ? AND reportId = ?
            """), arguments: [org.lowercased(), metadata.reportID])
        if let existing {
            current?.stored = Stored(records: existing["records"], messages: existing["messages"],
                                     digest: existing["contentDigest"])
            return
        }
        try db.cachedStatement(sql: "SAVEPOINT report").execute()
        current?.inTransaction = true
    }

    /// What a record gives the inventory before any state is consulted: its source in canonical form, its line
    /// on the report's first day and the selectors it names. Pure, so `ingest` works it out on the threads
    /// that read ahead (`preparation`), and the writer only adds it up.
    struct PreparedRecord: Sendable {
        let sourceIP: String
        /// False when `source_ip` is no address (kept as sent, with a warning).
        let sourceIsAddress: Bool
        let first: Line
        let signed: [SignedSelector]
    }
    typealias SignedSelector = (domain: String, selector: String, result: String)

    /// Prepares the records of reports read ahead; the header facts used are the ones `reportBegins` derives.
    static let preparation: RecordedInput.Preparation = { header in
        let metadata = header.metadata
        guard let first = UTCDay.spread(begin: metadata.begin, end: metadata.end,
                                        maximumDays: ReportValues.maximumRangeDays + 1)?.first else { return nil }
        let domain = header.policy.domain, reporter = orgName(header), day = UTCDay.text(dayNumber: first.day)
        return { record in
            prepare(record, domain: domain, day: day, reporter: reporter) { try? DKIMSelector.validated($0).get() }
        }
    }

    static func prepare(_ record: AggregateRecord, domain: String, day: String, reporter: String,
                        validate: (String) -> String?) -> PreparedRecord {
        var ip = record.sourceIP
        // IPv4 text is canonical once it parses; IPv6 is rewritten (case, zero runs) so one source is one key.
        let parsed = IPAddress(ip)
        if let parsed, !parsed.isIPv4 { ip = parsed.description }
        let dkim = bestDKIM(record.dkimResults, headerFrom: record.headerFrom)
        let spf = record.spfResults.first { $0.scope == nil || $0.scope == "mfrom" } ?? record.spfResults.first
        let key = ObservedKey(
            domain: domain, day: day, sourceIP: ip,
            headerFrom: record.headerFrom.isEmpty ? domain : record.headerFrom,
            envelopeFrom: record.envelopeFrom ?? spf?.domain ?? "",
            dkimAligned: record.dkim, spfAligned: record.spf,
            dkimResult: dkim?.result ?? "none", dkimDomain: dkim?.domain ?? "",
            spfResult: spf?.result ?? "none", spfDomain: spf?.domain ?? "",
            disposition: record.disposition, reporter: reporter)
        return PreparedRecord(sourceIP: ip, sourceIsAddress: parsed != nil, first: Line(key),
                              signed: selectors(record.dkimResults, validate: validate))
    }

    func record(part: Int, _ record: AggregateRecord) throws {
        try self.record(part: part, record, prepared: nil)
    }

    func record(part: Int, _ record: AggregateRecord, prepared: (any Sendable)?) throws {
        guard current != nil else { return }
        let header = current!.header
        let days = current!.days
        let prepared: PreparedRecord = if let given = prepared as? PreparedRecord, given.first.key.day == days[0].text,
                                          given.first.key.domain == header.policy.domain,
                                          given.first.key.reporter == current!.reporter {
            given
        } else {
            Self.prepare(record, domain: header.policy.domain, day: days[0].text, reporter: current!.reporter,
                         validate: validatedSelector)
        }
        if !prepared.sourceIsAddress {
            note("source_ip \(Self.shown(record.sourceIP)) is not an IP address; kept as sent")
        }
        let first = prepared.first, ip = prepared.sourceIP, signed = prepared.signed
        current!.digest.add(lineKey: first.lineKey, messages: record.count)
        // A report stored already is only read for its digest.
        guard current!.stored == nil else { return }
        if days.count == 1 {
            add(first, messages: record.count)
            tally(signed, domain: header.policy.domain, day: days[0].text, ip: ip, messages: record.count)
        } else {
            let shares = UTCDay.split(record.count, weights: days.map(\.weight))
            for (index, share) in shares.enumerated() where share > 0 || (index == 0 && record.count == 0) {
                var dayKey = first.key
                dayKey.day = days[index].text
                add(index == 0 ? first : Line(dayKey), messages: share)
                tally(signed, domain: header.policy.domain, day: days[index].text, ip: ip, messages: share)
            }
        }
        if current!.aggregate.count + current!.selectors.count >= Self.flushEvery { try flush() }
    }

    func reportEnds(_ outcome: ReportOutcome) {
        defer { current = nil }
        if outcome.kind != .aggregate {
            results.append(otherResult(outcome))
            return
        }
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
            result.digest = current?.digest.text
            if let stored = current?.stored {
                compare(&result, with: stored)
            } else {
                store(&result, summary)
            }
        case .failure(let error):
            rollback()
            result.error = error.description
        }
        results.append(result)
    }

    /// A report read again: the same content is a duplicate, other content a conflict.
    private func compare(_ result: inout IngestResult, with stored: Stored) {
        result.storedDigest = stored.digest
        guard let digest = stored.digest, digest != result.digest else {
            result.status = .duplicate
            result.records = stored.records
            result.messages = stored.messages
            if stored.digest == nil { result.warnings.append("the stored report predates content digests; not compared") }
            return
        }
        result.status = .conflict
        result.error = "report \(Self.shown(result.reportId ?? "")) from \(result.orgName ?? "?") is stored already with other "
            + "content (stored digest \(digest), this one \(result.digest ?? "?")); this one is not stored"
    }

    private func add(_ line: Line, messages: Int) {
        current!.aggregate[line, default: Counts()].add(messages)
    }

    private func tally(_ signed: [SignedSelector], domain: String, day: String, ip: String,
                       messages: Int) {
        for entry in signed {
            let line = DKIMSelectorLine(domain: domain, signingDomain: entry.domain, selector: entry.selector, day: day, sourceIP: ip)
            current!.selectors[line, default: DKIMSelectorCounts()].add(messages, result: entry.result)
        }
    }

    /// The (signing domain, selector) pairs of a record's DKIM results, once each, the best result kept; a
    /// selector that is not one (RFC 6376 section 3.1, `validate` gives nil) is left out, so a hostile report
    /// cannot store arbitrary names.
    static func selectors(_ results: [DKIMAuthResult], validate: (String) -> String?) -> [SignedSelector] {
        guard !results.isEmpty else { return [] }
        var found: [SignedSelector] = []
        for result in results {
            guard let raw = result.selector, !result.domain.isEmpty, raw.utf8.count <= 200, let selector = validate(raw) else { continue }
            if let index = found.firstIndex(where: { $0.domain == result.domain && $0.selector == selector }) {
                if result.result == "pass" { found[index].result = "pass" }
            } else {
                found.append((result.domain, selector, result.result))
            }
        }
        return found
    }

    /// A selector text checked once per batch (`selectorCache`).
    func validatedSelector(_ raw: String) -> String? {
        if let cached = selectorCache[raw] { return cached }
        let checked = try? DKIMSelector.validated(raw).get()
        if selectorCache.count < 4096 { selectorCache[raw] = checked }
        return checked
    }

    func note(_ warning: String) {
        guard current != nil, current!.warnings.count < 20, !current!.warnings.contains(warning) else { return }
        current!.warnings.append(warning)
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

    /// A value for a message, quoted and cut short.
    static func shown(_ text: String) -> String {
        text.utf8.count <= 60 ? "'\(text)'" : "'\(String(decoding: text.utf8.prefix(60), as: UTF8.self))...'"
    }
}
