// libFuzzer target for the XML scanner and the report handler, without a container: the bytes are the
// document. Built by Scripts/fuzz with the DNSCore and AuthReports sources compiled into one module.

/// Properties checked on every input: parsing never traps; a report that parses keeps its invariants
/// (as in the reader's target), and parsing the same bytes twice gives the same summary.
@_cdecl("LLVMFuzzerTestOneInput")
public func xmlScannerFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = ReportLimits()
    limits.elementDepth = 12
    limits.textBytes = 4096
    limits.elementBytes = 4096
    limits.records = 5_000
    let parser = AggregateReportParser(limits: limits)
    var records = 0
    var messages = 0
    let first: ReportSummary
    do {
        first = try parser.parse(DataByteSource(bytes)) { records += 1; messages += $0.count }
    } catch {
        if error.message.isEmpty { fatalError("a refusal without a reason: \(error.code)") }
        return 0
    }
    let meta = first.metadata
    guard (ReportValues.earliestDate...ReportValues.latestDate).contains(meta.begin), meta.begin <= meta.end else {
        fatalError("date range accepted: \(meta.begin)..\(meta.end)")
    }
    guard first.recordCount == records, first.messageCount == messages, messages <= ReportValues.maximumMessages else {
        fatalError("totals \(first.recordCount)/\(first.messageCount), handed out \(records)/\(messages)")
    }
    guard let second = try? parser.parse(DataByteSource(bytes), onRecord: { _ in }), second == first else {
        fatalError("a second parse of the same bytes differs")
    }
    return 0
}
