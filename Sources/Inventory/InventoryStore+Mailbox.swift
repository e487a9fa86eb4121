import GRDB

/// Where a mailbox's reading stands: the UIDVALIDITY its UIDs belong to and the highest UID processed.
public struct MailboxState: Sendable, Hashable {
    public var id: Int64
    public var key: String
    public var uidValidity: Int64
    public var lastUID: Int64
}

/// A processed message still waiting to be marked or moved on the server.
public struct PendingMailboxMessage: Sendable, Hashable {
    public var uid: Int64
    /// True when its reports were stored (it goes to the done folder), false when it was rejected.
    public var stored: Bool
}

/// The IMAP mailboxes' bookkeeping (v10-mailbox). Messages are recorded as processed by `ReportBatch`, in
/// the transaction that stores their reports; these calls read and advance the rest.
extension InventoryStore {
    public func mailboxState(key: String) throws -> MailboxState? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT id, uidValidity, lastUID FROM mailbox WHERE key = ?", arguments: [key]).map {
                MailboxState(id: $0["id"], key: key, uidValidity: $0["uidValidity"], lastUID: $0["lastUID"])
            }
        }
    }

    /// The mailbox's state for `uidValidity`: as stored when it matches, else started over (UIDs of another
    /// UIDVALIDITY name other messages, RFC 9051 section 2.3.1.1). The old messages' rows stay as history.
    public func startMailbox(key: String, uidValidity: Int64, now: Int64) throws -> MailboxState {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO mailbox (key, uidValidity, lastUID, updatedAt) VALUES (?, ?, 0, ?)
                ON CONFLICT (key) DO UPDATE SET uidValidity = excluded.uidValidity, lastUID = 0, updatedAt = excluded.updatedAt
                WHERE mailbox.uidValidity <> excluded.uidValidity
                """, arguments: [key, uidValidity, now])
            let row = try Row.fetchOne(db, sql: "SELECT id, lastUID FROM mailbox WHERE key = ?", arguments: [key])!
            return MailboxState(id: row["id"], key: key, uidValidity: uidValidity, lastUID: row["lastUID"])
        }
    }

    /// Processed messages of the mailbox's current UIDVALIDITY not yet marked or moved, in UID order.
    public func pendingMailboxMessages(_ state: MailboxState) throws -> [PendingMailboxMessage] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT uid, outcome FROM mailbox_message
                WHERE mailboxId = ? AND uidValidity = ? AND disposedAt IS NULL ORDER BY uid
                """, arguments: [state.id, state.uidValidity]).map {
                PendingMailboxMessage(uid: $0["uid"], stored: ($0["outcome"] as String) == "stored")
            }
        }
    }

    public func markMailboxMessagesDisposed(_ state: MailboxState, uids: [Int64], now: Int64) throws {
        guard !uids.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE mailbox_message SET disposedAt = ? WHERE mailboxId = ? AND uidValidity = ? AND uid = ?
                """)
            for uid in uids { try statement.execute(arguments: [now, state.id, state.uidValidity, uid]) }
        }
    }
}
