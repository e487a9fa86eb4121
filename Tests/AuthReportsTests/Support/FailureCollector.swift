@testable import AuthReports

/// A consumer that keeps the failure reports the reader hands over, and nothing else.
final class FailureCollector: ReportConsumer {
    var reports: [FailureReport] = []
    func reportBegins(part: Int, header: ReportSummary) throws {}
    func record(part: Int, _ record: AggregateRecord) throws {}
    func reportEnds(_ outcome: ReportOutcome) {}
    func failureReport(part: Int, _ report: FailureReport) throws { reports.append(report) }
}
