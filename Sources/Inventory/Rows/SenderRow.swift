import GRDB

/// One approved sender of a domain. Its identity within the domain is `kind` plus `value`
/// (a unique key enforces it), so re-applying a monitor file updates labels instead of duplicating rows.
public struct SenderRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sender"

    /// The kinds `ApprovedSender.Kind` knows; a CHECK constraint holds the table to them.
    public static let kinds: [String] = ["ip", "cidr", "include", "host", "mx"]

    public enum Columns {
        public static let id = Column("id")
        public static let domainId = Column("domainId")
        public static let kind = Column("kind")
        public static let value = Column("value")
        public static let name = Column("name")
        public static let owner = Column("owner")
        public static let note = Column("note")
        public static let dkimSelectors = Column("dkimSelectors")
    }

    public var id: Int64?
    /// Set by the store from the domain it is attached to; callers may leave it 0.
    public var domainId: Int64
    /// `ip`, `cidr`, `include`, `host` or `mx`.
    public var kind: String
    /// The address, network or name in canonical text (the caller canonicalises it).
    public var value: String
    public var name: String?
    public var owner: String?
    public var note: String?
    /// `dkim:`, space-separated and lower-cased; nil when there are none.
    public var dkimSelectors: String?

    public init(id: Int64? = nil, domainId: Int64 = 0, kind: String, value: String,
                name: String? = nil, owner: String? = nil, note: String? = nil, dkimSelectors: String? = nil) {
        self.id = id; self.domainId = domainId; self.kind = kind; self.value = value
        self.name = name; self.owner = owner; self.note = note; self.dkimSelectors = dkimSelectors
    }

    /// Read by column name, without the Codable decoder (which costs several times more per row; every poll
    /// reads every due domain's senders).
    public init(row: Row) throws {
        id = row["id"]; domainId = row["domainId"]; kind = row["kind"]; value = row["value"]
        name = row["name"]; owner = row["owner"]; note = row["note"]; dkimSelectors = row["dkimSelectors"]
    }

    /// Identity within a domain.
    public var key: String { "\(kind) \(value)" }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension DerivableRequest<SenderRow> {
    public func of(domainId: Int64) -> Self {
        filter(SenderRow.Columns.domainId == domainId)
    }

    /// Stable listing order: kind, then value.
    public func orderedByKindAndValue() -> Self {
        order(SenderRow.Columns.kind, SenderRow.Columns.value)
    }
}
