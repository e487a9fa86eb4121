import GRDB

/// One monitored domain: the desired state (interval, expectations) plus the scheduler's bookkeeping.
///
/// Rows stay plain (strings, integers, epoch seconds) so the store knows nothing of the core's types;
/// `Monitor` maps them to `MonitoredDomain`. The name is stored lower-cased (a CHECK enforces it), because
/// DNS names compare case-insensitively and the unique index must see `Example.COM` and `example.com` as one.
public struct DomainRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "domain"

    public enum Columns {
        public static let id = Column("id")
        public static let name = Column("name")
        public static let intervalSeconds = Column("intervalSeconds")
        public static let expectSPFAll = Column("expectSPFAll")
        public static let expectDMARCPolicy = Column("expectDMARCPolicy")
        public static let expectMaxLookups = Column("expectMaxLookups")
        public static let source = Column("source")
        public static let createdAt = Column("createdAt")
        public static let updatedAt = Column("updatedAt")
        public static let nextPollAt = Column("nextPollAt")
        public static let lastPollAt = Column("lastPollAt")
        public static let consecutiveTempFailures = Column("consecutiveTempFailures")
        public static let dkimSelectors = Column("dkimSelectors")
        public static let expectMTASTS = Column("expectMTASTS")
        public static let expectTLSRPT = Column("expectTLSRPT")
        public static let expectBIMI = Column("expectBIMI")
    }

    public var id: Int64?
    /// Lower-cased domain name without a trailing dot.
    public var name: String
    /// Seconds between polls.
    public var intervalSeconds: Int
    /// The qualifier the top-level `all` must carry (`-` or `~`), if the owner set one.
    public var expectSPFAll: String?
    /// The weakest acceptable DMARC policy (`none`, `quarantine`, `reject`).
    public var expectDMARCPolicy: String?
    /// Headroom below RFC 7208's ten DNS lookups.
    public var expectMaxLookups: Int?
    /// Where the definition came from (`file:line`), for messages.
    public var source: String?
    public var createdAt: Int64
    /// Last change of the desired state (interval, expectations, senders); polls do not touch it.
    public var updatedAt: Int64
    /// When the scheduler should poll next; nil means "as soon as possible".
    public var nextPollAt: Int64?
    public var lastPollAt: Int64?
    /// Polls in a row that ended in a temporary DNS failure, for back-off and "unreachable" alerts.
    public var consecutiveTempFailures: Int
    /// `dkim_selectors:`, space-separated and lower-cased; nil when there are none (and in rows archived
    /// before selectors existed).
    public var dkimSelectors: String?
    /// `expect: mta_sts:` (a mode), `tls_rpt: true`, `bimi: true`; nil when not expected.
    public var expectMTASTS: String?
    public var expectTLSRPT: Bool?
    public var expectBIMI: Bool?

    public init(id: Int64? = nil, name: String, intervalSeconds: Int = 3600, expectSPFAll: String? = nil,
                expectDMARCPolicy: String? = nil, expectMaxLookups: Int? = nil, source: String? = nil,
                createdAt: Int64 = 0, updatedAt: Int64 = 0, nextPollAt: Int64? = nil, lastPollAt: Int64? = nil,
                consecutiveTempFailures: Int = 0, dkimSelectors: String? = nil) {
        self.id = id; self.name = name; self.intervalSeconds = intervalSeconds
        self.expectSPFAll = expectSPFAll; self.expectDMARCPolicy = expectDMARCPolicy
        self.expectMaxLookups = expectMaxLookups; self.source = source
        self.createdAt = createdAt; self.updatedAt = updatedAt
        self.nextPollAt = nextPollAt; self.lastPollAt = lastPollAt
        self.consecutiveTempFailures = consecutiveTempFailures
        self.dkimSelectors = dkimSelectors
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension DerivableRequest<DomainRow> {
    /// Domains whose next poll is due at `now`: never polled first, then the most overdue, then by name.
    public func due(at now: Int64) -> Self {
        filter(DomainRow.Columns.nextPollAt == nil || DomainRow.Columns.nextPollAt <= now)
            .order(DomainRow.Columns.nextPollAt.asc /* SQLite sorts NULL first */, DomainRow.Columns.name)
    }

    public func named(_ name: String) -> Self {
        filter(DomainRow.Columns.name == InventoryStore.canonicalName(name))
    }
}
