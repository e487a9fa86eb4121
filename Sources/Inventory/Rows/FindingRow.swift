import GRDB

/// A problem found at a domain, with its life: opened when first seen, touched while it persists,
/// resolved when it goes away. A partial unique index lets a fingerprint be open only once; after it is resolved
/// the same fingerprint can open again as a new row, so the history shows each episode.
public struct FindingRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "finding"

    public static let stateOpen = "open"
    public static let stateResolved = "resolved"
    /// Most severe first: the order listings use.
    public static let severities: [String] = ["critical", "error", "warning", "info"]

    public enum Columns {
        public static let id = Column("id")
        public static let domainId = Column("domainId")
        public static let fingerprint = Column("fingerprint")
        public static let kind = Column("kind")
        public static let severity = Column("severity")
        public static let subject = Column("subject")
        public static let message = Column("message")
        public static let evidenceJSON = Column("evidenceJSON")
        public static let fix = Column("fix")
        public static let state = Column("state")
        public static let firstSeenAt = Column("firstSeenAt")
        public static let lastSeenAt = Column("lastSeenAt")
        public static let resolvedAt = Column("resolvedAt")
        public static let openedRunId = Column("openedRunId")
        public static let resolvedRunId = Column("resolvedRunId")
    }

    public var id: Int64?
    public var domainId: Int64
    /// Stable identity of the problem across polls (kind, domain, subject), computed by the caller.
    public var fingerprint: String
    /// The finding's stable kind, such as `spf.lookup-limit`.
    public var kind: String
    /// `critical`, `error`, `warning` or `info`.
    public var severity: String
    /// What the finding is about: a term, a sender, a record.
    public var subject: String?
    public var message: String
    /// JSON object with the facts behind the finding.
    public var evidenceJSON: String
    /// What to change to make it go away.
    public var fix: String?
    /// `open` or `resolved`.
    public var state: String
    public var firstSeenAt: Int64
    public var lastSeenAt: Int64
    public var resolvedAt: Int64?
    public var openedRunId: Int64?
    public var resolvedRunId: Int64?

    public init(id: Int64? = nil, domainId: Int64 = 0, fingerprint: String, kind: String, severity: String,
                subject: String? = nil, message: String, evidenceJSON: String = "{}", fix: String? = nil,
                state: String = FindingRow.stateOpen, firstSeenAt: Int64 = 0, lastSeenAt: Int64 = 0,
                resolvedAt: Int64? = nil, openedRunId: Int64? = nil, resolvedRunId: Int64? = nil) {
        self.id = id; self.domainId = domainId; self.fingerprint = fingerprint; self.kind = kind
        self.severity = severity; self.subject = subject; self.message = message
        self.evidenceJSON = evidenceJSON; self.fix = fix; self.state = state
        self.firstSeenAt = firstSeenAt; self.lastSeenAt = lastSeenAt; self.resolvedAt = resolvedAt
        self.openedRunId = openedRunId; self.resolvedRunId = resolvedRunId
    }

    /// Read by column name, without the Codable decoder (which costs several times more per row; every poll
    /// reads every due domain's open findings).
    public init(row: Row) throws {
        id = row["id"]; domainId = row["domainId"]; fingerprint = row["fingerprint"]; kind = row["kind"]
        severity = row["severity"]; subject = row["subject"]; message = row["message"]
        evidenceJSON = row["evidenceJSON"]; fix = row["fix"]; state = row["state"]
        firstSeenAt = row["firstSeenAt"]; lastSeenAt = row["lastSeenAt"]; resolvedAt = row["resolvedAt"]
        openedRunId = row["openedRunId"]; resolvedRunId = row["resolvedRunId"]
    }

    public var isOpen: Bool { state == Self.stateOpen }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension DerivableRequest<FindingRow> {
    public func of(domainId: Int64) -> Self {
        filter(FindingRow.Columns.domainId == domainId)
    }

    public func open() -> Self {
        filter(FindingRow.Columns.state == FindingRow.stateOpen)
    }

    /// The open finding with this fingerprint, if any (the partial unique index allows at most one).
    public func openWith(fingerprint: String) -> Self {
        open().filter(FindingRow.Columns.fingerprint == fingerprint)
    }
}
