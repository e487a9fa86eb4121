import GRDB

extension InventoryStore {
    /// Opens an existing inventory to read it without changing it: no file is created, no migration runs, and
    /// every write fails. For `apply --dry-run`, which must leave the disk as it found it. A file written by
    /// an older senderwatch is read as it is (tables a later migration adds read as empty).
    public static func readOnly(path: String) throws -> InventoryStore {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "senderwatch.inventory.readonly"
        let queue: DatabaseQueue
        let unknown: [String]
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let known = Set(InventoryMigrations.migrator.migrations)
            unknown = try queue.read { db -> [String] in
                guard try db.tableExists("domain") else {
                    throw InventoryError(.cannotOpen, "\(path) is an SQLite file but not a senderwatch inventory (no domain table)")
                }
                guard try db.tableExists("grdb_migrations") else { return [] }
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").filter { !known.contains($0) }
            }
        } catch let error as InventoryError {
            throw error
        } catch {
            throw openError(path: path, error: error)
        }
        guard unknown.isEmpty else {
            throw InventoryError(.newerSchema, "\(path): the inventory was written by a newer senderwatch "
                + "(unknown migrations: \(unknown.joined(separator: ", "))); upgrade senderwatch to open it")
        }
        return InventoryStore(writer: queue, path: path)
    }
}
