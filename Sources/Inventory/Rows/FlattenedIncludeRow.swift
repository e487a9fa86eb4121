import GRDB

/// An include that `generate --flatten` replaced by the networks it resolved to, kept so each poll can
/// tell when the provider has moved.
public struct FlattenedIncludeRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "flattenedInclude"

    public enum Columns {
        public static let domainId = Column("domainId")
        public static let include = Column("include")
    }

    public var id: Int64?
    public var domainId: Int64
    /// The provider's SPF name, lower-case.
    public var include: String
    /// The networks copied into the record, as a sorted JSON array of CIDR strings.
    public var networksJSON: String
    /// The generated records (name, text, strings) as published, JSON.
    public var recordJSON: String
    public var flattenedAt: Int64

    public init(id: Int64? = nil, domainId: Int64, include: String, networksJSON: String, recordJSON: String, flattenedAt: Int64) {
        self.id = id; self.domainId = domainId; self.include = include
        self.networksJSON = networksJSON; self.recordJSON = recordJSON; self.flattenedAt = flattenedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
