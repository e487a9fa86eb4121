// libFuzzer target for the report reader through every container (XML, JSON, gzip, zip, e-mail, mbox) and
// every kind of report (aggregate, SMTP TLS, failure). Built by
// Scripts/fuzz with the DNSCore and AuthReports sources compiled into one module (module imports stripped).

/// Limits small enough that one input costs milliseconds, so the fuzzer reaches every limit's path too.
let fuzzLimits: ReportLimits = {
    var limits = ReportLimits()
    limits.reportBytes = 16 << 20
    limits.inflatedBytes = 12 << 20
    limits.messageBytes = 2 << 20
    limits.records = 20_000
    limits.zipEntryBytes = 8 << 20
    return limits
}()

/// Properties checked on every input: reading never traps; every input has at least one outcome; a report
/// that was read keeps its invariants (dates within 1990..2100 and in order, counts within the ceiling and
/// equal to the records handed out, warnings capped); a refusal always says why; and the input read ahead
/// (`RecordedInput`) and replayed makes exactly the calls a direct read makes, refusals included.
@_cdecl("LLVMFuzzerTestOneInput")
public func reportReaderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var delivered: [Int: (records: Int, messages: Int)] = [:]
    let outcomes = ReportReader(limits: fuzzLimits).read(DataByteSource(bytes)) { part, record in
        delivered[part, default: (0, 0)].records += 1
        delivered[part, default: (0, 0)].messages += record.count
    }
    if outcomes.isEmpty { fatalError("no outcome for \(size) bytes") }
    if Set(outcomes.map(\.part)).count != outcomes.count { fatalError("two outcomes share a part") }
    for outcome in outcomes {
        switch outcome.result {
        case .success(let summary) where outcome.kind != .aggregate:
            // TLS and failure reports hand out no records: their summary counts policies and sessions.
            checkSummary(summary, delivered: (summary.recordCount, summary.messageCount))
            if outcome.kind == .failure, summary.recordCount != 1 || summary.messageCount != 1 {
                fatalError("a failure report counts \(summary.recordCount)/\(summary.messageCount)")
            }
        case .success(let summary):
            checkSummary(summary, delivered: delivered[outcome.part] ?? (0, 0))
        case .failure(let error):
            if error.message.isEmpty { fatalError("a refusal without a reason: \(error.code)") }
        }
    }
    // Read ahead and replayed, with the consumer refusing every third record: the same calls as a direct read.
    let reader = ReportReader(limits: fuzzLimits)
    let direct = CallLog()
    _ = reader.read(DataByteSource(bytes), into: direct)
    if let recorded = RecordedInput.record(DataByteSource(bytes), reader: reader) {
        let replayed = CallLog()
        _ = recorded.replay(into: replayed)
        if replayed.calls != direct.calls {
            fatalError("replay differs: \(replayed.calls.count) calls against \(direct.calls.count) read directly")
        }
    }
    return 0
}

/// Writes down every call; refuses every third record, so refusals are compared too.
final class CallLog: ReportConsumer {
    struct Refused: Error {}
    var calls: [String] = []
    func reportBegins(part: Int, header: ReportSummary) throws { calls.append("begin \(part) \(header)") }
    func record(part: Int, _ record: AggregateRecord) throws {
        calls.append("record \(part) \(record)")
        if calls.count % 3 == 0 { throw Refused() }
    }
    func reportEnds(_ outcome: ReportOutcome) { calls.append("end \(outcome.part) \(outcome.location ?? "") \(outcome.kind) \(outcome.result)") }
    func tlsReport(part: Int, _ report: TLSReport) throws { calls.append("tls \(part) \(report)") }
    func failureReport(part: Int, _ report: FailureReport) throws { calls.append("failure \(part) \(report)") }
}

func checkSummary(_ summary: ReportSummary, delivered: (records: Int, messages: Int)) {
    let meta = summary.metadata
    guard (ReportValues.earliestDate...ReportValues.latestDate).contains(meta.begin), meta.begin <= meta.end,
          meta.end <= ReportValues.latestDate else { fatalError("date range accepted: \(meta.begin)..\(meta.end)") }
    guard summary.messageCount >= 0, summary.messageCount <= ReportValues.maximumMessages else {
        fatalError("message count accepted: \(summary.messageCount)")
    }
    guard summary.recordCount == delivered.records, summary.messageCount == delivered.messages else {
        fatalError("totals \(summary.recordCount)/\(summary.messageCount) but handed out \(delivered)")
    }
    guard summary.warnings.count <= WarningList.maximum + 16 else { fatalError("\(summary.warnings.count) warnings") }
    guard !meta.reportID.isEmpty, !summary.policy.domain.isEmpty, !meta.orgName.isEmpty else {
        fatalError("a required field is empty in an accepted report")
    }
}
