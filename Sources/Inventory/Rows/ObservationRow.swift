import GRDB

/// What a poll saw at a domain: its SPF and DMARC records and the evaluation summary.
///
/// Unchanged polls do not add rows: the store extends the latest row's `lastSeenAt` and `seenCount`
/// when `contentHash` and `status` repeat, so a domain polled every five minutes for a year holds one row per
/// distinct state, not 100,000. Lists of records and networks are JSON text: the store never looks inside them.
public struct ObservationRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "observation"

    /// The poll got an answer (which may be "no record").
    public static let statusOK = "ok"
    /// The poll hit a temporary DNS failure: never read as "no record" nor as "record changed".
    public static let statusTempError = "temperror"

    public enum Columns {
        public static let id = Column("id")
        public static let domainId = Column("domainId")
        public static let runId = Column("runId")
        public static let firstSeenAt = Column("firstSeenAt")
        public static let lastSeenAt = Column("lastSeenAt")
        public static let seenCount = Column("seenCount")
        public static let status = Column("status")
        public static let contentHash = Column("contentHash")
        public static let spfRecord = Column("spfRecord")
        public static let spfRecordsJSON = Column("spfRecordsJSON")
        public static let dmarcRecord = Column("dmarcRecord")
        public static let dmarcRecordsJSON = Column("dmarcRecordsJSON")
        public static let summaryJSON = Column("summaryJSON")
        public static let networksJSON = Column("networksJSON")
        public static let includesJSON = Column("includesJSON")
        public static let spfLookups = Column("spfLookups")
        public static let spfVoidLookups = Column("spfVoidLookups")
        public static let spfResult = Column("spfResult")
        public static let dmarcStatus = Column("dmarcStatus")
        public static let dmarcPolicy = Column("dmarcPolicy")
    }

    public var id: Int64?
    public var domainId: Int64
    /// The run that first saw this state.
    public var runId: Int64?
    public var firstSeenAt: Int64
    public var lastSeenAt: Int64
    /// How many polls saw this exact state in a row.
    public var seenCount: Int
    /// `ok` or `temperror`.
    public var status: String
    /// A hash of everything below, computed by the caller; equal hashes mean "nothing changed".
    public var contentHash: String
    /// The selected `v=spf1` record, if exactly one was found.
    public var spfRecord: String?
    /// JSON array of every TXT string at the domain.
    public var spfRecordsJSON: String
    public var dmarcRecord: String?
    /// JSON array of every TXT string at `_dmarc.<domain>`.
    public var dmarcRecordsJSON: String
    /// JSON object: the evaluation summary.
    public var summaryJSON: String
    /// JSON array of the CIDR networks the SPF record authorizes.
    public var networksJSON: String
    /// JSON array of the names the SPF record includes.
    public var includesJSON: String
    /// DNS-querying terms counted against RFC 7208 section 4.6.4's limit of ten.
    public var spfLookups: Int
    /// Lookups that returned no answer, against the limit of two.
    public var spfVoidLookups: Int
    public var spfResult: String?
    public var dmarcStatus: String?
    public var dmarcPolicy: String?

    public init(id: Int64? = nil, domainId: Int64 = 0, runId: Int64? = nil, firstSeenAt: Int64 = 0,
                lastSeenAt: Int64 = 0, seenCount: Int = 1, status: String = ObservationRow.statusOK,
                contentHash: String, spfRecord: String? = nil, spfRecordsJSON: String = "[]",
                dmarcRecord: String? = nil, dmarcRecordsJSON: String = "[]", summaryJSON: String = "{}",
                networksJSON: String = "[]", includesJSON: String = "[]", spfLookups: Int = 0,
                spfVoidLookups: Int = 0, spfResult: String? = nil, dmarcStatus: String? = nil,
                dmarcPolicy: String? = nil) {
        self.id = id; self.domainId = domainId; self.runId = runId
        self.firstSeenAt = firstSeenAt; self.lastSeenAt = lastSeenAt; self.seenCount = seenCount
        self.status = status; self.contentHash = contentHash
        self.spfRecord = spfRecord; self.spfRecordsJSON = spfRecordsJSON
        self.dmarcRecord = dmarcRecord; self.dmarcRecordsJSON = dmarcRecordsJSON
        self.summaryJSON = summaryJSON; self.networksJSON = networksJSON; self.includesJSON = includesJSON
        self.spfLookups = spfLookups; self.spfVoidLookups = spfVoidLookups
        self.spfResult = spfResult; self.dmarcStatus = dmarcStatus; self.dmarcPolicy = dmarcPolicy
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension DerivableRequest<ObservationRow> {
    public func of(domainId: Int64) -> Self {
        filter(ObservationRow.Columns.domainId == domainId)
    }

    /// Newest first. Ids grow with time, and the (domainId, id) index serves this order.
    public func newestFirst() -> Self {
        order(ObservationRow.Columns.id.desc)
    }

    public func good() -> Self {
        filter(ObservationRow.Columns.status == ObservationRow.statusOK)
    }
}
