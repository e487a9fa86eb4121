import Foundation
import GRDB
import Inventory
import Testing
import TestSupport

/// `observed_sender` finds a line through the digest `lineKey`: counts of the same line merge, different lines
/// stay apart, and a line whose digest another line already holds is stored beside it, not merged into it.
@Suite struct ObservedLineKeyTests {
    struct Line: Hashable { let ip: String; let dkim: String; let spf: String; let messages: Int; let rows: Int }

    static func lines(_ database: String) throws -> [Line] {
        let queue = try DatabaseQueue(path: database)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT sourceIP, dkimAligned, spfAligned, messages, rows FROM observed_sender").map {
                Line(ip: $0["sourceIP"], dkim: $0["dkimAligned"], spf: $0["spfAligned"], messages: $0["messages"], rows: $0["rows"])
            }
        }
    }

    @Test func ingestingTheSameLinesTwiceMergesTheirCounts() throws {
        let ws = try ObservedCommandTests.Workspace()
        defer { ws.cleanup() }
        let rows = [("192.0.2.1", 5, "pass", "pass", "none"), ("192.0.2.1", 7, "pass", "fail", "none"),
                    ("192.0.2.2", 3, "fail", "fail", "reject"), ("2001:DB8::1", 2, "pass", "pass", "none")]
        let begin = 1_764_201_600
        let first = try ws.write("a.xml", ObservedCommandTests.report(id: "first", begin: begin, end: begin + 86_399, rows: rows))
        #expect(try ws.run(["ingest", first]).status == 0)
        let once = try Self.lines(ws.database)
        #expect(Set(once) == [Line(ip: "192.0.2.1", dkim: "pass", spf: "pass", messages: 5, rows: 1),
                              Line(ip: "192.0.2.1", dkim: "pass", spf: "fail", messages: 7, rows: 1),
                              Line(ip: "192.0.2.2", dkim: "fail", spf: "fail", messages: 3, rows: 1),
                              Line(ip: "2001:db8::1", dkim: "pass", spf: "pass", messages: 2, rows: 1)])
        // Another report of the same day with the same records (and one more): the same lines, counts added.
        let second = try ws.write("b.xml", ObservedCommandTests.report(id: "second", begin: begin, end: begin + 86_399,
                                                                       rows: rows + [("192.0.2.3", 1, "pass", "pass", "none")]))
        #expect(try ws.run(["ingest", second]).status == 0)
        let twice = try Self.lines(ws.database)
        #expect(twice.count == 5)
        #expect(Set(twice) == [Line(ip: "192.0.2.1", dkim: "pass", spf: "pass", messages: 10, rows: 2),
                               Line(ip: "192.0.2.1", dkim: "pass", spf: "fail", messages: 14, rows: 2),
                               Line(ip: "192.0.2.2", dkim: "fail", spf: "fail", messages: 6, rows: 2),
                               Line(ip: "2001:db8::1", dkim: "pass", spf: "pass", messages: 4, rows: 2),
                               Line(ip: "192.0.2.3", dkim: "pass", spf: "pass", messages: 1, rows: 1)])
    }

    @Test func aLineWhoseDigestIsTakenIsStoredAtTheNextKey() throws {
        let ws = try ObservedCommandTests.Workspace()
        defer { ws.cleanup() }
        let store = try InventoryStore(path: ws.database)
        let key = ObservedKey(domain: "brightpath.example", day: "2026-11-27", sourceIP: "192.0.2.9", headerFrom: "brightpath.example",
                              dkimAligned: "pass", spfAligned: "fail", dkimResult: "pass", spfResult: "softfail",
                              disposition: "none", reporter: "message headers")
        // Another line already holds this line's digest (what a digest collision leaves in the table).
        try DatabaseQueue(path: ws.database).write { db in
            try db.execute(sql: """
                INSERT INTO observed_sender (lineKey, domain, day, sourceIP, headerFrom, envelopeFrom, dkimAligned, spfAligned,
                    dkimResult, dkimDomain, spfResult, spfDomain, disposition, reporter, messages, rows)
                VALUES (?, 'other.example', '2026-11-27', '198.51.100.1', 'other.example', '', 'fail', 'fail', 'none', '', 'none', '',
                    'reject', 'r', 40, 1)
                """, arguments: [key.lineKey])
        }
        try store.recordObserved([(key, 3)])
        try store.recordObserved([(key, 4)])
        let rows = try DatabaseQueue(path: ws.database).read { db in
            try Row.fetchAll(db, sql: "SELECT lineKey, domain, messages, rows FROM observed_sender ORDER BY id")
        }
        #expect(rows.count == 2)
        #expect(rows.first?["domain"] == "other.example")
        #expect(rows.first?["messages"] == 40)
        #expect(rows.last?["domain"] == "brightpath.example")
        #expect(rows.last?["lineKey"] == key.lineKey &+ 1)
        #expect(rows.last?["messages"] == 7)
        #expect(rows.last?["rows"] == 2)
        #expect(try store.observedSources(domain: "brightpath.example").map(\.messages) == [7])
    }
}
