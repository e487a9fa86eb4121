import AuthReports
import GRDB

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

    static func write(_ lines: [DKIMSelectorLine: DKIMSelectorCounts], in db: Database) throws {
        guard !lines.isEmpty else { return }
        let statement = try db.cachedStatement(sql: sql)
        for (line, counts) in lines {
            try statement.execute(arguments: [line.domain, line.signingDomain, line.selector, line.day, line.sourceIP,
                                              counts.messages, counts.pass, counts.fail])
        }
    }
}
