import AuthReports
import Foundation
import Inventory
import Logging
import Mailbox
import ServiceLifecycle
import Synchronization

/// Reads the settings' mailboxes, each at its interval (all at the start), one mailbox at a time, beside the
/// scheduler. The list is asked for at every turn, so mailboxes a SIGHUP adds are read at once, and removed
/// ones are no longer read (a fetch in progress finishes its batch first). A mailbox that fails (unreachable, a refused login) is logged and tried again at its next
/// interval; it never stops the daemon. On graceful shutdown the fetch in progress stops after the message it
/// is reading: its batch is committed and moved, and the rest waits for the next start.
public struct MailboxService: Service, CustomStringConvertible {
    public var description: String { "mailboxes" }
    let sources: @Sendable () -> [MailboxSource]
    let store: InventoryStore
    let reader: ReportReader
    let logger: Logger
    let tick: Duration
    let now: @Sendable () -> Int64

    public init(sources: [MailboxSource], store: InventoryStore, reader: ReportReader, logger: Logger,
                tick: Duration = .seconds(1), now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.sources = { sources }; self.store = store; self.reader = reader; self.logger = logger
        self.tick = tick; self.now = now
    }

    /// The daemon's form: the mailboxes SIGHUP last applied to `state`.
    public init(state: DaemonState, reader: ReportReader, logger: Logger, tick: Duration = .seconds(1),
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.sources = { state.mailboxes }; self.store = state.store; self.reader = reader; self.logger = logger
        self.tick = tick; self.now = now
    }

    public func run() async throws {
        // When each mailbox is due next, by its URL; a mailbox not seen before is due now.
        var due: [String: Int64] = [:]
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let current = sources()
            due = due.filter { key, _ in current.contains { $0.url.description == key } }
            for source in current where due[source.url.description, default: 0] <= now() {
                guard !Task.isShuttingDownGracefully else { break }
                await fetch(source)
                due[source.url.description] = now() + Int64(source.interval)
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            } catch {
                break
            }
        }
    }

    /// One fetch on its own thread (libcurl and SQLite block), stopped between messages on shutdown.
    func fetch(_ source: MailboxSource) async {
        let stop = StopFlag()
        let (store, reader, logger, now) = (store, reader, logger, now)
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread {
                    Self.fetchNow(source, store: store, reader: reader, logger: logger, now: now,
                                  stop: { stop.isSet })
                    done.resume()
                }.start()
            }
        } onGracefulShutdown: {
            stop.set()
        }
    }

    static func fetchNow(_ source: MailboxSource, store: InventoryStore, reader: ReportReader, logger: Logger,
                         now: @escaping () -> Int64, stop: @escaping () -> Bool) {
        var fetch = MailboxFetch(source: source, store: store, reader: reader)
        var counts: [IngestResult.Status: Int] = [:]
        fetch.now = now
        fetch.shouldStop = stop
        fetch.onNote = { logger.notice("\($0)") }
        fetch.onResults = { results in
            for result in results {
                counts[result.status, default: 0] += 1
                if result.status == .rejected || result.status == .conflict {
                    logger.warning("report \(result.status.rawValue)", metadata: [
                        "message": .string(result.file), "location": .string(result.location ?? ""),
                        "error": .string(result.error ?? ""),
                    ])
                }
            }
        }
        let mailbox = source.url.description
        do {
            let summary = try fetch.run()
            var metadata: Logger.Metadata = [
                "mailbox": .string(mailbox), "messages": .stringConvertible(summary.read),
                "ingested": .stringConvertible(counts[.ingested] ?? 0), "duplicate": .stringConvertible(counts[.duplicate] ?? 0),
                "conflict": .stringConvertible(counts[.conflict] ?? 0), "rejected": .stringConvertible(counts[.rejected] ?? 0),
            ]
            for (destination, count) in summary.disposed { metadata["to \(destination)"] = .stringConvertible(count) }
            if let failure = summary.failure {
                metadata["error"] = .string(failure.message)
                logger.warning("mailbox fetch cut short; committed messages stay, the rest is read at the next interval",
                               metadata: metadata)
            } else if summary.read > 0 || !summary.disposed.isEmpty {
                logger.info("mailbox fetched", metadata: metadata)
            } else {
                logger.debug("mailbox fetched: nothing new", metadata: metadata)
            }
        } catch {
            logger.warning("mailbox fetch failed; trying again at the next interval", metadata: [
                "mailbox": .string(mailbox), "error": .string("\(error)"),
                "retry_in_seconds": .stringConvertible(source.interval),
            ])
        }
    }
}

/// Set once on shutdown, read by the fetch thread between messages.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
