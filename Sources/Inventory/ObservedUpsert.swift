import AuthReports
import Foundation
import GRDB
import GRDBSQLite

/// Adds counts to `observed_sender` lines with one cached statement, its parameters bound directly (no
/// argument boxing: ingestion runs this once per distinct line). See `ObservedKey.lineKey` for the key and
/// how a digest collision is resolved. A line's counts saturate at `ReportValues.maximumMessages` (each
/// report's are at most that), so neither the sum here nor any sum read back can overflow.
struct ObservedUpsert {
    static let sql = """
        INSERT INTO observed_sender (lineKey, domain, day, sourceIP, headerFrom, envelopeFrom, dkimAligned, spfAligned,
            dkimResult, dkimDomain, spfResult, spfDomain, disposition, reporter, messages, rows)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (lineKey) DO UPDATE SET messages = MIN(messages + excluded.messages, \(ReportValues.maximumMessages)),
            rows = MIN(rows + excluded.rows, \(ReportValues.maximumMessages))
        WHERE domain = excluded.domain AND day = excluded.day AND sourceIP = excluded.sourceIP
            AND headerFrom = excluded.headerFrom AND envelopeFrom = excluded.envelopeFrom
            AND dkimAligned = excluded.dkimAligned AND spfAligned = excluded.spfAligned
            AND dkimResult = excluded.dkimResult AND dkimDomain = excluded.dkimDomain
            AND spfResult = excluded.spfResult AND spfDomain = excluded.spfDomain
            AND disposition = excluded.disposition AND reporter = excluded.reporter
        """

    /// SQLite copies the text during the bind (SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private let statement: Statement
    private let connection: OpaquePointer

    init(_ db: Database) throws {
        statement = try db.cachedStatement(sql: Self.sql)
        connection = db.sqliteConnection!
    }

    /// Adds `messages` and `rows` to the line `key` (stored at `lineKey` or the first free key after it).
    func add(_ key: ObservedKey, lineKey: Int64, messages: Int, rows: Int) throws {
        let handle = statement.sqliteStatement
        sqlite3_bind_int64(handle, 15, Int64(min(max(messages, 0), ReportValues.maximumMessages)))
        sqlite3_bind_int64(handle, 16, Int64(min(max(rows, 0), ReportValues.maximumMessages)))
        bind(handle, 2, key.domain); bind(handle, 3, key.day); bind(handle, 4, key.sourceIP)
        bind(handle, 5, key.headerFrom); bind(handle, 6, key.envelopeFrom); bind(handle, 7, key.dkimAligned)
        bind(handle, 8, key.spfAligned); bind(handle, 9, key.dkimResult); bind(handle, 10, key.dkimDomain)
        bind(handle, 11, key.spfResult); bind(handle, 12, key.spfDomain); bind(handle, 13, key.disposition)
        bind(handle, 14, key.reporter)
        var slot = lineKey
        while true {
            sqlite3_bind_int64(handle, 1, slot)
            let code = sqlite3_step(handle)
            sqlite3_reset(handle)
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)),
                                    sql: Self.sql)
            }
            // No change: the line at `slot` is a different one with the same digest.
            if sqlite3_changes(connection) > 0 { return }
            slot &+= 1
        }
    }

    private func bind(_ handle: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) {
                if let base = $0.baseAddress {
                    sqlite3_bind_text(handle, index, base, Int32($0.count), Self.transient)
                } else {
                    sqlite3_bind_text(handle, index, "", 0, Self.transient)
                }
            }
        }
    }
}
