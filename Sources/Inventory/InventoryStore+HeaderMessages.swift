import GRDB

extension InventoryStore {
    /// Records one message seen through its headers (`senderwatch headers --record`) as one observation, once:
    /// `messageKey` (its Message-ID, else a digest of its header section) is kept in `header_message`, and a
    /// message whose key is there already adds nothing. True when the observation was added.
    public func recordHeaderMessage(key messageKey: String, observation: ObservedKey, now: Int64) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO header_message (messageKey, domain, sourceIP, recordedAt) VALUES (?, ?, ?, ?)
                ON CONFLICT (messageKey) DO NOTHING
                """, arguments: [messageKey, observation.domain, observation.sourceIP, now])
            guard db.changesCount > 0 else { return false }
            try ObservedUpsert(db).add(observation, lineKey: observation.lineKey, messages: 1, rows: 1)
            return true
        }
    }

    /// When the message with this key was recorded, or nil.
    public func headerMessageRecordedAt(key messageKey: String) throws -> Int64? {
        try writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT recordedAt FROM header_message WHERE messageKey = ?",
                               arguments: [messageKey])
        }
    }
}
