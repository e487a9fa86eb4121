import GRDB

/// A domain removed by `apply --prune`, restorable until `purgeAfter` (see the v5-removed-domains migration).
public struct RemovedDomainRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "removedDomain"

    public enum Columns {
        public static let name = Column("name")
        public static let purgeAfter = Column("purgeAfter")
    }

    public var id: Int64?
    /// Lower-cased, as `domain.name` was.
    public var name: String
    public var removedAt: Int64
    /// After this instant the next `apply` deletes the row for good.
    public var purgeAfter: Int64
    public var rowsJSON: String
    public var outboxLinksJSON: String
    public var senders: Int
    public var observations: Int
    public var findings: Int
    public var openFindings: Int

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
