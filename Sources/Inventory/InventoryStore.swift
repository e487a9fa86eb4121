import Foundation
import GRDB

/// The SQLite inventory: desired state (domains, approved senders, expectations) and history (observations,
/// findings, runs, alert outbox).
///
/// A file store is a `DatabasePool` in WAL mode, so readers (a CLI `report` while the daemon polls) never block
/// the writer, and a busy timeout makes two processes' writers wait for each other instead of failing.
/// Every mutating method is one transaction. The store never reads the clock: callers pass `now`
/// (epoch seconds), which keeps it deterministic under test.
public final class InventoryStore: Sendable {
    /// How long a writer waits for another process's write lock before failing with SQLITE_BUSY: long enough
    /// for an `ingest` beside it, whose batches hold the lock about a second (one very large report longer).
    public static let busyTimeout: TimeInterval = 30

    let writer: any DatabaseWriter
    /// The database file, or nil for an in-memory store.
    public let path: String?

    /// Opens (creating if needed) the inventory at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Self.configuration()
        configuration.prepareDatabase { db in
            // Bound the WAL file after checkpoints so a long-lived daemon does not keep megabytes around.
            try db.execute(sql: "PRAGMA journal_size_limit = 1048576")
            // In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a crash or kill still
            // leaves a consistent database (each domain's poll is one transaction), and a poll of 10,000
            // domains no longer waits for 10,000 fsyncs. A power cut may lose the last few commits, which
            // the next poll redoes.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrate(pool, path: path)
            writer = pool
        } catch let error as InventoryError {
            throw error
        } catch {
            throw Self.openError(path: path, error: error)
        }
        self.path = path
    }

    init(writer: any DatabaseWriter, path: String? = nil) {
        self.writer = writer
        self.path = path
    }

    /// A private in-memory inventory, for tests and dry runs; gone when the store is released.
    public static func inMemory() throws -> InventoryStore {
        let queue = try DatabaseQueue(configuration: configuration())
        try migrate(queue, path: ":memory:")
        return InventoryStore(writer: queue)
    }

    /// The migration identifiers this build knows, in order.
    public static var knownMigrations: [String] { InventoryMigrations.migrator.migrations }

    /// The migrations applied to this database, in order: its schema version.
    public func appliedMigrations() throws -> [String] {
        try writer.read { try InventoryMigrations.migrator.appliedMigrations($0) }
    }

    /// The last applied migration's identifier, such as "v1-inventory".
    public func schemaVersion() throws -> String? {
        try appliedMigrations().last
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound, otherwise SQLite's list of problems.
    public func integrityCheck() throws -> String {
        try writer.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n")
        }
    }

    /// `PRAGMA journal_mode`: "wal" for a file store, "memory" for an in-memory one.
    public func journalMode() throws -> String {
        try writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Bytes on disk: the main file plus its WAL; nil for an in-memory store.
    public func fileSize() -> Int64? {
        guard let path else { return nil }
        let manager = FileManager.default
        func size(_ file: String) -> Int64 {
            guard let attributes = try? manager.attributesOfItem(atPath: file),
                  let bytes = attributes[.size] as? NSNumber else { return 0 }
            return bytes.int64Value
        }
        guard manager.fileExists(atPath: path) else { return nil }
        return size(path) + size(path + "-wal")
    }

    /// Copies the WAL into the main file and truncates it: before measuring or copying the file.
    public func checkpoint() throws {
        guard path != nil else { return }
        try writer.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }

    // MARK: Opening

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "senderwatch.inventory"
        return configuration
    }

    private static func migrate(_ writer: any DatabaseWriter, path: String) throws {
        let migrator = InventoryMigrations.migrator
        let unknown = try writer.read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            let known = Set(migrator.migrations)
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").filter { !known.contains($0) }
        }
        guard unknown.isEmpty else {
            throw InventoryError(.newerSchema, "\(path): the inventory was written by a newer senderwatch "
                + "(unknown migrations: \(unknown.joined(separator: ", "))); upgrade senderwatch to open it")
        }
        try migrator.migrate(writer)
    }

    /// Turns SQLite's result code into a sentence naming the path and the likely cause.
    static func openError(path: String, error: any Error) -> InventoryError {
        let reason: String
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB:
                reason = "the file is not an SQLite database"
            case .SQLITE_CORRUPT:
                reason = "the database file is corrupt"
            case .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
                reason = "permission denied (the file and its directory must be writable)"
            case .SQLITE_CANTOPEN:
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                    reason = "the directory \(directory) does not exist"
                } else if FileManager.default.fileExists(atPath: path),
                          !FileManager.default.isWritableFile(atPath: path) {
                    reason = "permission denied (the file is not writable)"
                } else {
                    reason = "cannot open the file (check that it is a regular file and the directory is writable)"
                }
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                reason = "the database is locked by another process"
            default:
                reason = error.message ?? "\(error.resultCode)"
            }
        } else {
            reason = "\(error)"
        }
        return InventoryError(.cannotOpen, "cannot open inventory \(path): \(reason)")
    }

    /// Lower-cases a domain name and drops a trailing dot, as the `domain.name` column stores it.
    public static func canonicalName(_ name: String) -> String {
        var text = name.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasSuffix("."), text.count > 1 { text.removeLast() }
        return text
    }
}
