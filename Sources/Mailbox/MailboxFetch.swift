import Alerting
import AuthReports
import Foundation
import Inventory

/// Reads the new messages of one mailbox into the inventory, in batches, and marks or moves each once its
/// batch is committed.
///
/// "New" is kept in the database: the mailbox's UIDVALIDITY and the highest UID processed (RFC 9051 section
/// 2.3.1.1: UIDs only grow while UIDVALIDITY stays). Each message is recorded as processed in the transaction
/// that stores its reports (`ReportBatch.ingest(_:file:now:message:)`), so a dropped connection or a killed
/// process loses at most the uncommitted batch, which the next run reads again; a message committed but not
/// yet moved is moved by the next run before anything new is read. A changed UIDVALIDITY means the mailbox was
/// recreated: it is read from the start, and the reports stored already come back as duplicates, never twice.
public struct MailboxFetch {
    public let source: MailboxSource
    public let store: InventoryStore
    public let reader: ReportReader
    public var now: () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    /// Said once its batch is committed: the results of its reports, in UID order.
    public var onResults: ([IngestResult]) -> Void = { _ in }
    /// Said for events worth telling the user (a recreated mailbox).
    public var onNote: (String) -> Void = { _ in }
    /// Asked between messages: true ends the run after the current batch is committed and disposed.
    public var shouldStop: () -> Bool = { false }
    /// Runs after each batch's commit and before its messages are moved: tests end a run there to see that
    /// a stored message left in place is moved by the next run and never counted twice.
    public var afterCommit: () throws -> Void = {}

    public init(source: MailboxSource, store: InventoryStore, reader: ReportReader) {
        self.source = source; self.store = store; self.reader = reader
    }

    /// One run. Throws only when nothing could be done (the secret, the login, the mailbox's status); a failure
    /// after that ends the run and is returned in the summary with what was done before it.
    public func run(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MailboxFetchSummary {
        let password: String
        switch source.password?.resolve(environment: environment) {
        case .success(let value): password = value
        case .failure(let error): throw IMAPError(.configuration, "the password for \(source.url): \(error.message)")
        case nil:
            throw IMAPError(.configuration, "\(source.url) needs a password: --password-env NAME or --password-file PATH "
                + "(password: { env: NAME } or { file: PATH } in the settings)")
        }
        let session = try IMAPSession(url: source.url, password: password, caFile: source.caFile, timeouts: source.timeouts)
        let status = try session.status()
        var summary = MailboxFetchSummary(mailbox: source.url.description, uidValidity: status.uidValidity)
        let known = try store.mailboxState(key: source.url.key)
        if let known, known.uidValidity != status.uidValidity {
            summary.restarted = true
            onNote("\(source.url): UIDVALIDITY changed from \(known.uidValidity) to \(status.uidValidity), so the "
                + "mailbox was recreated and its UIDs name other messages; reading it from the start (reports "
                + "stored already count as duplicates, never twice)")
        }
        let state = try store.startMailbox(key: source.url.key, uidValidity: status.uidValidity, now: now())
        do {
            try dispose(session, state, &summary)
            if let next = status.uidNext, next <= state.lastUID + 1 { return summary }
            let listed = try session.messages(after: state.lastUID, uidNext: status.uidNext, uidValidity: state.uidValidity)
            summary.listed = listed.count
            try readAll(listed, session, state, &summary)
        } catch let error as IMAPError {
            summary.failure = error
        }
        return summary
    }

    /// Fetches the messages in order, and stores them a batch at a time: `batchSize` messages, or fewer once they
    /// hold `batchBytes`. Fetching happens outside the database's write lock, so a slow server never keeps a
    /// poll beside it waiting; memory stays bounded by the batch. A fetch that fails ends the run after the
    /// messages fetched before it are stored and moved.
    private func readAll(_ listed: [(uid: Int64, size: Int64)], _ session: IMAPSession, _ state: MailboxState,
                         _ summary: inout MailboxFetchSummary) throws {
        let limit = reader.limits.messageBytes
        var batch: [(uid: Int64, size: Int64, fetched: IMAPSession.Fetched)] = []
        var batchBytes = 0
        var failure: IMAPError?
        for message in listed {
            if shouldStop() { break }
            let fetched: IMAPSession.Fetched
            if message.size > Int64(limit) {
                fetched = .tooLarge
            } else {
                do { fetched = try session.fetch(uid: message.uid, uidValidity: state.uidValidity, limit: limit) } catch {
                    failure = error as? IMAPError ?? IMAPError(.connection, "\(error)")
                    break
                }
            }
            if case .message(let bytes) = fetched { batchBytes += bytes.count }
            batch.append((message.uid, message.size, fetched))
            if batch.count >= max(1, source.batchSize) || batchBytes >= Self.batchBytes {
                try commit(batch, state, &summary)
                batch = []
                batchBytes = 0
                try afterCommit()
                try dispose(session, state, &summary)
            }
        }
        if !batch.isEmpty {
            try commit(batch, state, &summary)
            try afterCommit()
            try dispose(session, state, &summary)
        }
        if let failure { throw failure }
    }

    /// Bytes of fetched messages held before they are stored.
    static let batchBytes = 32 << 20

    /// Stores one batch in one `ReportBatch`; each message is recorded in the transaction of its reports.
    private func commit(_ batch: [(uid: Int64, size: Int64, fetched: IMAPSession.Fetched)], _ state: MailboxState,
                       _ summary: inout MailboxFetchSummary) throws {
        let limit = reader.limits.messageBytes
        var counts = summary
        let results = try store.withReportBatch(reader: reader) { reports -> [IngestResult] in
            var out: [IngestResult] = []
            for message in batch {
                let mark = MailboxMessageMark(mailboxId: state.id, uidValidity: state.uidValidity, uid: message.uid)
                let file = source.url.location(uidValidity: state.uidValidity, uid: message.uid)
                switch message.fetched {
                case .gone:
                    counts.gone += 1
                case .tooLarge:
                    counts.read += 1
                    let error = "the message is \(message.size) bytes, larger than \(limit): the limit is \(limit) "
                        + "(settings ingest_limits.message_bytes); not fetched"
                    out += reports.reject(IngestResult(file: file, status: .rejected, error: error), now: now(), message: mark)
                case .message(let bytes):
                    counts.read += 1
                    counts.bytes += bytes.count
                    out += reports.ingest(DataByteSource(bytes), file: file, now: now(), message: mark)
                }
            }
            return out + reports.finish()
        }
        summary = counts
        onResults(results)
    }

    /// Marks or moves every processed message still waiting for it (this run's and an interrupted run's).
    private func dispose(_ session: IMAPSession, _ state: MailboxState, _ summary: inout MailboxFetchSummary) throws {
        let pending = try store.pendingMailboxMessages(state)
        for stored in [true, false] {
            let uids = pending.filter { $0.stored == stored }.map(\.uid)
            guard !uids.isEmpty else { continue }
            let disposition = stored ? source.done : source.rejected
            switch disposition {
            case .seen:
                try session.markSeen(uids, uidValidity: state.uidValidity)
            case .move(let folder):
                try session.ensureFolder(folder)
                try session.move(uids, to: folder, uidValidity: state.uidValidity)
            }
            try store.markMailboxMessagesDisposed(state, uids: uids, now: now())
            summary.disposed[disposition.description, default: 0] += uids.count
        }
    }
}

/// What one run of `MailboxFetch` did.
public struct MailboxFetchSummary: Sendable {
    public var mailbox: String
    public var uidValidity: Int64
    /// True when the UIDVALIDITY had changed and the mailbox was read from the start.
    public var restarted = false
    /// New messages found, and those read (fetched, or refused by size) in this run.
    public var listed = 0
    public var read = 0
    public var bytes = 0
    /// Listed messages deleted by someone else before they could be fetched.
    public var gone = 0
    /// Messages marked or moved, by destination (`\Seen` or a folder).
    public var disposed: [String: Int] = [:]
    /// What ended the run early, after the work counted here.
    public var failure: IMAPError?
}
