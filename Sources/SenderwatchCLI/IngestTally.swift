import AuthReports
import Inventory

/// What an ingest run stored, per status and, for the stored reports, per kind.
struct IngestTally {
    var counts: [IngestResult.Status: Int] = [:]
    var records = 0
    var ingestedKinds: [ReportKind: Int] = [:]

    mutating func add(_ result: IngestResult) {
        counts[result.status, default: 0] += 1
        guard result.status == .ingested else { return }
        ingestedKinds[result.kind, default: 0] += 1
        if result.kind == .aggregate { records += result.records ?? 0 }
    }

    var reports: Int { counts.values.reduce(0, +) }
    var refused: Int { (counts[.rejected] ?? 0) + (counts[.conflict] ?? 0) }

    /// `N report(s) ingested (R records), D duplicate, C conflict, X rejected`, with the TLS and failure
    /// reports among the ingested named when there are any.
    var text: String {
        var kinds: [String] = []
        if let tls = ingestedKinds[.tlsrpt] { kinds.append("\(tls) SMTP TLS") }
        if let failure = ingestedKinds[.failure] { kinds.append("\(failure) failure") }
        return "\(counts[.ingested] ?? 0) report(s) ingested (\(records) records"
            + (kinds.isEmpty ? "" : "; \(kinds.joined(separator: ", ")) among them") + "), "
            + "\(counts[.duplicate] ?? 0) duplicate, \(counts[.conflict] ?? 0) conflict, \(counts[.rejected] ?? 0) rejected"
    }
}
