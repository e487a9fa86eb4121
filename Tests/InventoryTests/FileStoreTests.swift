import Dispatch
import Foundation
import Inventory
import Testing

@Suite("File store: WAL, concurrency, growth")
struct FileStoreTests {
    @Test("two stores on one file: a reader and a writer work side by side under the busy timeout")
    func concurrentStores() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("inventory.sqlite")
        let writer = try InventoryStore(path: path)
        let other = try InventoryStore(path: path)
        let id = try addDomain(writer)
        let errors = ErrorLog()

        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for i in 0..<200 {
                do {
                    if worker == 0 {
                        _ = try writer.recordPoll(poll(id, at: t0 + Int64(i), hash: "h\(i % 7)"))
                    } else {
                        _ = try other.latestObservation(domainId: id)
                        _ = try other.domains()
                        if i % 10 == 0 { _ = try other.beginRun(mode: "poll", pid: 1, now: t0) }
                    }
                } catch {
                    errors.append("\(worker)/\(i): \(error)")
                }
            }
        }
        #expect(errors.entries.isEmpty)
        #expect(try other.runs().count == 20)
        #expect(try other.domain(id: id)?.lastPollAt == t0 + 199)
        #expect(try other.integrityCheck() == "ok")
    }

    @Test("a thousand unchanged polls add under 64 KB to the file")
    func growth() throws {
        try withStore(.file) { store throws in
            let id = try addDomain(store)
            _ = try store.recordPoll(poll(id, at: t0))
            try store.checkpoint()
            let before = try #require(store.fileSize())

            for i in 1...1000 { _ = try store.recordPoll(poll(id, at: t0 + Int64(i) * 300)) }
            try store.checkpoint()
            let after = try #require(store.fileSize())

            #expect(after - before < 64 * 1024, "grew by \(after - before) bytes")
            #expect(try store.observations(domainId: id).count == 1)
            #expect(try store.latestObservation(domainId: id)?.seenCount == 1001)
            #expect(try store.integrityCheck() == "ok")
        }
    }
}

/// Errors collected from several threads.
final class ErrorLog: @unchecked Sendable {
    private var list: [String] = []
    private let lock = NSLockLike()
    func append(_ entry: String) { lock.with { list.append(entry) } }
    var entries: [String] { lock.with { list } }
}
