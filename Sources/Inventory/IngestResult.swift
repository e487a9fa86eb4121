import AuthReports

/// What ingesting one report (one part of an input file) did.
public struct IngestResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case ingested
        /// The same report (reporter, report id and content) is stored already.
        case duplicate
        /// The reporter's report id is stored already with other content: nothing is stored; `digest` and
        /// `storedDigest` tell the two apart.
        case conflict
        case rejected
    }
    public var file: String
    /// An aggregate, SMTP TLS or failure report.
    public var kind: ReportKind = .aggregate
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
    /// `ReportDigest` of this report's content, once it was read whole.
    public var digest: String?
    /// The digest stored with the earlier report of the same id (duplicate, conflict); nil when that report
    /// predates digests.
    public var storedDigest: String?

    public init(file: String, location: String? = nil, status: Status, orgName: String? = nil,
                reportId: String? = nil, domain: String? = nil, records: Int? = nil, messages: Int? = nil,
                warnings: [String] = [], error: String? = nil, digest: String? = nil, storedDigest: String? = nil) {
        self.file = file; self.location = location; self.status = status; self.orgName = orgName; self.reportId = reportId
        self.domain = domain; self.records = records; self.messages = messages; self.warnings = warnings; self.error = error
        self.digest = digest; self.storedDigest = storedDigest
    }
}
