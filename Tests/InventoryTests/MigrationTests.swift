import Inventory
import Testing

@Suite("Schema and migrations")
struct MigrationTests {
    @Test("a new store applies every known migration", arguments: StoreKind.allCases)
    func migrationsApplied(kind: StoreKind) throws {
        try withStore(kind) { store throws in
            #expect(try store.appliedMigrations() == InventoryStore.knownMigrations)
            #expect(Array(InventoryStore.knownMigrations.prefix(4)) == ["v1-inventory", "v2-observed", "v3-snapshots", "v4-partial-observations"], "shipped migrations keep their order")
            #expect(try store.schemaVersion() == InventoryStore.knownMigrations.last)
            #expect(try store.integrityCheck() == "ok")
            #expect(try store.domains().isEmpty)
        }
    }

    @Test("reopening a file keeps its data and does not migrate twice")
    func reopen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("inventory.sqlite")
        do {
            let store = try InventoryStore(path: path)
            _ = try addDomain(store)
        }
        let reopened = try InventoryStore(path: path)
        #expect(try reopened.domains().map(\.name) == ["example.com"])
        #expect(try reopened.appliedMigrations() == InventoryStore.knownMigrations)
    }

    @Test("a file written by a newer senderwatch (unknown migrations) is refused, not guessed at")
    func newerSchema() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("inventory.sqlite")
        do {
            let store = try InventoryStore(path: path)
            let id = try addDomain(store)
            // The poll hook is the test's only handle on the connection: pretend a later build migrated the file.
            var record = poll(id, at: t0)
            record.extra = { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
            }
            _ = try store.recordPoll(record)
        }
        let error = try #require(throws: InventoryError.self) { try InventoryStore(path: path) }
        #expect(error.code == .newerSchema)
        #expect(error.message.contains(path) && error.message.contains("v99-future"))
    }

    @Test("a file store runs in WAL mode; an in-memory one does not need to")
    func walMode() throws {
        try withStore(.file) { store throws in #expect(try store.journalMode() == "wal") }
        try withStore(.memory) { store throws in #expect(try store.journalMode() == "memory") }
    }

    @Test("opening a file that is not a database says so and names the path")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("notes.txt")
        try String(repeating: "this is not an SQLite database\n", count: 200)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: InventoryError.self) { try InventoryStore(path: path) }
        #expect(error.code == .cannotOpen)
        #expect(error.message.contains(path))
        #expect(error.message.contains("not an SQLite database"))
    }

    @Test("opening in a missing directory says which directory")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("missing/inventory.sqlite")
        let error = try #require(throws: InventoryError.self) { try InventoryStore(path: path) }
        #expect(error.code == .cannotOpen)
        #expect(error.message.contains(path))
        #expect(error.message.contains("does not exist"))
    }

    @Test("file size counts the main file and its WAL; in memory has none")
    func fileSize() throws {
        try withStore(.memory) { store throws in #expect(store.fileSize() == nil) }
        try withStore(.file) { store throws in
            let size = try #require(store.fileSize())
            #expect(size > 0)
        }
    }
}
