import GRDB

/// One link of the snapshot chain: a JSON snapshot that was written, by the SHA-256 of its exact bytes.
public struct SnapshotLinkRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "snapshotLink"

    public enum Columns {
        public static let sequence = Column("sequence")
    }

    /// 1 for the first snapshot of a database, then one more for each.
    public var sequence: Int64
    /// SHA-256 (hex) of the file's bytes: what the next snapshot's `previousSHA256` carries.
    public var sha256: String
    /// The snapshot's own content digest (`contentSHA256` inside the file).
    public var contentSHA256: String
    /// When the snapshot was taken, epoch seconds.
    public var takenAt: Int64
    /// Where it was written, when it went to a file.
    public var path: String?
    public var createdAt: Int64

    public init(sequence: Int64, sha256: String, contentSHA256: String, takenAt: Int64, path: String?, createdAt: Int64) {
        self.sequence = sequence; self.sha256 = sha256; self.contentSHA256 = contentSHA256
        self.takenAt = takenAt; self.path = path; self.createdAt = createdAt
    }
}
