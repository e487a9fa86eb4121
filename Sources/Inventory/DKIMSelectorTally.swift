import AuthReports
import GRDB
import GRDBSQLite

/// One line of `dkim_selector_daily`: a selector of a signing domain as one source used it on one day.
struct DKIMSelectorLine: Hashable {
    var domain: String
    var signingDomain: String
    var selector: String
    var day: String
    var sourceIP: String
}

struct DKIMSelectorCounts {
    var messages = 0, pass = 0, fail = 0

    mutating func add(_ count: Int, result: String) {
        messages = ReportValues.saturatingMessages(messages, count)
        if result == "pass" { pass = ReportValues.saturatingMessages(pass, count) }
        if result == "fail" { fail = ReportValues.saturatingMessages(fail, count) }
    }
}

/// Adds counts to `dkim_selector_daily` with one cached statement; counts saturate like `observed_sender`'s.
enum DKIMSelectorUpsert {
    static let sql = """
        INSERT INTO dkim_selector_daily (domain, signingDomain, selector, day, sourceIP, messages, passMessages, failMessages)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (domain, signingDomain, selector, day, sourceIP) DO UPDATE SET
            messages = MIN(messages + excluded.messages, \(ReportValues.maximumMessages)),
            passMessages = MIN(passMessages + excluded.passMessages, \(ReportValues.maximumMessages)),
            failMessages = MIN(failMessages + excluded.failMessages, \(ReportValues.maximumMessages))
        """

    /// SQLite copies the text during the bind (SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// One cached statement, its parameters bound directly (no argument boxing, as `ObservedUpsert`).
    static func write(_ lines: [DKIMSelectorLine: DKIMSelectorCounts], in db: Database) throws {
        guard !lines.isEmpty else { return }
        let statement = try db.cachedStatement(sql: sql)
        let handle = statement.sqliteStatement
        let connection = db.sqliteConnection!
        for (line, counts) in lines {
            bind(handle, 1, line.domain); bind(handle, 2, line.signingDomain); bind(handle, 3, line.selector)
            bind(handle, 4, line.day); bind(handle, 5, line.sourceIP)
            sqlite3_bind_int64(handle, 6, Int64(counts.messages))
            sqlite3_bind_int64(handle, 7, Int64(counts.pass))
            sqlite3_bind_int64(handle, 8, Int64(counts.fail))
            let code = sqlite3_step(handle)
            sqlite3_reset(handle)
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
            }
        }
    }

    private static func bind(_ handle: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) {
                if let base = $0.baseAddress {
                    sqlite3_bind_text(handle, index, base, Int32($0.count), transient)
                } else {
                    sqlite3_bind_text(handle, index, "", 0, transient)
                }
            }
        }
    }
}
