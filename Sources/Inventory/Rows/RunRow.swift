import GRDB

/// One invocation of `poll`, `run` (daemon) or `apply`, so an operator can see when the monitor last worked
/// and whether a run died halfway (`interrupted`: still `running` but its process is gone).
public struct RunRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    public static let statusRunning = "running"
    public static let statusOK = "ok"
    public static let statusInterrupted = "interrupted"
    public static let statusFailed = "failed"
    public static let statuses: [String] = [statusRunning, statusOK, statusInterrupted, statusFailed]

    public enum Columns {
        public static let id = Column("id")
        public static let startedAt = Column("startedAt")
        public static let finishedAt = Column("finishedAt")
        public static let status = Column("status")
        public static let pid = Column("pid")
        public static let mode = Column("mode")
        public static let domainsPolled = Column("domainsPolled")
        public static let findingsOpened = Column("findingsOpened")
        public static let findingsResolved = Column("findingsResolved")
        public static let message = Column("message")
    }

    public var id: Int64?
    public var startedAt: Int64
    public var finishedAt: Int64?
    /// `running`, `ok`, `interrupted` or `failed`.
    public var status: String
    /// The process that runs it, to tell a live run from a dead one.
    public var pid: Int32
    /// `poll`, `daemon` or `apply`.
    public var mode: String
    public var domainsPolled: Int
    public var findingsOpened: Int
    public var findingsResolved: Int
    public var message: String?

    public init(id: Int64? = nil, startedAt: Int64, finishedAt: Int64? = nil, status: String = RunRow.statusRunning,
                pid: Int32, mode: String, domainsPolled: Int = 0, findingsOpened: Int = 0,
                findingsResolved: Int = 0, message: String? = nil) {
        self.id = id; self.startedAt = startedAt; self.finishedAt = finishedAt; self.status = status
        self.pid = pid; self.mode = mode; self.domainsPolled = domainsPolled
        self.findingsOpened = findingsOpened; self.findingsResolved = findingsResolved; self.message = message
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension DerivableRequest<RunRow> {
    public func running() -> Self {
        filter(RunRow.Columns.status == RunRow.statusRunning)
    }

    public func newestFirst() -> Self {
        order(RunRow.Columns.id.desc)
    }
}
