import Foundation

/// Streams one DMARC aggregate report (RFC 7489 appendix C, RFC 9990) through `XMLScanner`: no DOM is built,
/// each `<record>` is handed to `onRecord` as soon as it closes.
public struct AggregateReportParser {
    public var limits: ReportLimits

    public init(limits: ReportLimits = ReportLimits()) { self.limits = limits }

    /// Parses the XML document in `source`; `onRecord` sees each record in document order. `onHeader`, when
    /// given, sees the metadata and published policy once, before the first record (RFC 7489's schema puts
    /// them first), or at the end of a report that has no records; an error it throws rejects the report.
    public func parse(_ source: any ByteSource,
                      onHeader: ((ReportSummary) throws -> Void)? = nil,
                      onRecord: (AggregateRecord) throws -> Void) throws(ReportError) -> ReportSummary {
        let stream = XMLByteStream(source, maximumBytes: limits.reportBytes)
        return try withoutActuallyEscaping(onRecord) { escapable throws(ReportError) -> ReportSummary in
            let handler = FeedbackHandler(limits: limits, onRecord: escapable, onHeader: onHeader)
            var scanFailure: XMLScanner.Failure?
            let scanner = XMLScanner(stream, limits: limits)
            scanner.context = { handler.limitContext }
            do throws(XMLScanner.Failure) { try scanner.scan(handler) } catch { scanFailure = error }
            if let error = stream.sourceError as? ReportError { throw error }
            if let error = stream.sourceError { throw ReportError(.unreadable, "reading failed: \(error)") }
            if stream.totalBytes == 0 { throw ReportError(.empty, "the input is empty (0 bytes)") }
            if let error = handler.consumerError as? ReportError { throw error }
            if let error = handler.consumerError { throw ReportError(.rejectedByConsumer, "\(error)") }
            if let error = handler.fieldError { throw error }
            if let limit = scanFailure?.limit { throw limit }
            if let scanFailure {
                guard handler.feedbackClosed else {
                    throw ReportError(.malformedXML, "the XML is not well-formed: \(scanFailure.message)",
                                      line: scanFailure.line, column: scanFailure.column)
                }
                handler.warn(.trailingGarbage, "XML error after </feedback> ignored: \(scanFailure.message)")
            }
            // A document that ends early is told by the elements still open.
            if handler.feedbackOpen {
                throw ReportError(.malformedXML, "the document ends inside <\(handler.openPath)> (truncated?)",
                                  line: scanner.endOfInput.line, column: scanner.endOfInput.column)
            }
            if handler.feedbackClosed, handler.unclosedOutside > 0 {
                handler.warn(.trailingGarbage, "\(handler.unclosedOutside) element(s) around <feedback> never closed")
            }
            guard handler.feedbackClosed else {
                if let root = handler.rootName {
                    throw ReportError(.notAggregateReport, "root element <\(root)> is not <feedback>")
                }
                throw ReportError(.malformedXML, "no XML element found")
            }
            var summary = try handler.finish()
            summary.warnings = stream.finalWarnings() + summary.warnings
            if !handler.headerDelivered {
                do { try handler.deliverHeader(summary) } catch let error as ReportError { throw error } catch {
                    throw ReportError(.rejectedByConsumer, "\(error)")
                }
            }
            return summary
        }
    }

    /// Parses a whole report into memory.
    public func parse(_ source: any ByteSource) throws(ReportError) -> AggregateReport {
        var records: [AggregateRecord] = []
        let summary = try parse(source) { records.append($0) }
        return AggregateReport(summary: summary, records: records)
    }
}
