import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams one DMARC aggregate report (RFC 7489 appendix C, RFC 9990) through FoundationXML's event-driven
/// `XMLParser`: no DOM is built, each `<record>` is handed to `onRecord` as soon as it closes.
public struct AggregateReportParser {
    public init() {}

    /// Parses the XML document in `source`; `onRecord` sees each record in document order. `onHeader`, when
    /// given, sees the metadata and published policy once, before the first record (RFC 7489's schema puts
    /// them first), or at the end of a report that has no records; an error it throws rejects the report.
    public func parse(_ source: any ByteSource,
                      onHeader: ((ReportSummary) throws -> Void)? = nil,
                      onRecord: (AggregateRecord) throws -> Void) throws(ReportError) -> ReportSummary {
        let stream = XMLByteStream(source)
        let parser = XMLParser(stream: stream)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        return try withoutActuallyEscaping(onRecord) { escapable throws(ReportError) -> ReportSummary in
            let handler = FeedbackHandler(onRecord: escapable, onHeader: onHeader)
            parser.delegate = handler
            let ok = parser.parse()
            if let error = stream.sourceError as? ReportError { throw error }
            if let error = stream.sourceError { throw ReportError(.unreadable, "reading failed: \(error)") }
            if stream.totalBytes == 0 { throw ReportError(.empty, "the input is empty (0 bytes)") }
            if let error = handler.consumerError { throw ReportError(.rejectedByConsumer, "\(error)") }
            if let error = handler.fieldError { throw error }
            if !ok {
                guard handler.feedbackClosed else {
                    throw ReportError(.malformedXML, Self.describe(parser.parserError),
                                      line: parser.lineNumber, column: parser.columnNumber)
                }
                handler.warn(.trailingGarbage, "XML error after </feedback> ignored: \(Self.describe(parser.parserError))")
            }
            // FoundationXML does not report a document that ends early; the open elements tell.
            if handler.feedbackOpen {
                throw ReportError(.malformedXML, "the document ends inside <\(handler.openPath)> (truncated?)",
                                  line: parser.lineNumber, column: parser.columnNumber)
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
                do { try handler.deliverHeader(summary) } catch {
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

    static func describe(_ error: (any Error)?) -> String {
        guard let error = error as NSError? else { return "the XML is not well-formed" }
        let code = XMLParser.ErrorCode(rawValue: error.code).map { "\($0)" } ?? "\(error.code)"
        return "the XML is not well-formed (libxml2 error \(error.code), \(code))"
    }
}
