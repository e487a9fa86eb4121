/// Why an input holds no usable aggregate report. Thrown for malformed input only; a tolerated oddity is a
/// `ReportWarning` instead.
public struct ReportError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, Codable {
        case empty                  // zero bytes
        case unreadable             // the byte source failed (I/O, in the adapter)
        case unknownFormat          // no XML, gzip, zip or e-mail magic
        case malformedXML           // the XML parser gave up before </feedback>
        case notAggregateReport     // well-formed, but not a <feedback> document, or a message without one
        case failureReport          // an RFC 6591 / DMARC failure (forensic) report
        case missingField           // a required element is absent or unreadable
        case decompression          // gzip / zip damage
        case unsupportedContainer   // e.g. an encrypted or zip64 entry
        case tooLarge               // a container that must be read whole exceeds the limit
        case limitExceeded          // a resource limit (ReportLimits): size, depth, count, ratio
        case impossibleValue        // a number or date no real report can hold (ReportValues)
        case rejectedByConsumer     // the record handler threw
        case malformedJSON          // a JSON document (an SMTP TLS report) that does not parse
        case notTLSReport           // well-formed JSON, but not an RFC 8460 report
    }

    public let code: Code
    public let message: String
    /// 1-based position in the XML, when the XML parser reported one.
    public let line: Int?
    public let column: Int?

    public init(_ code: Code, _ message: String, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        if let line, let column { return "\(code.rawValue): \(message) (line \(line), column \(column))" }
        return "\(code.rawValue): \(message)"
    }
}
