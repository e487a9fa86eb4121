import Foundation
import GRDB
import Testing
import TestSupport

/// `ingest` commits reports in batches (ReportBatch): each report stays all or nothing, a duplicate within one
/// run is seen, and results come out in input order across batch boundaries.
@Suite struct IngestBatchTests {
    @Test func aReportTwiceInOneRunIsStoredOnce() throws {
        let ws = try ObservedCommandTests.Workspace()
        defer { ws.cleanup() }
        let text = ObservedCommandTests.report(id: "same", begin: 1_764_201_600, end: 1_764_287_999,
                                               rows: [("192.0.2.1", 5, "pass", "pass", "none")])
        _ = try ws.write("in/a.xml", text)
        _ = try ws.write("in/b.xml", text)
        let run = try ws.run(["ingest", "--json", ws.root.appendingPathComponent("in").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ObservedCommandTests.lines(run).map { $0["status"] as? String } == ["ingested", "duplicate"])
        let messages = try DatabaseQueue(path: ws.database).read { try Int.fetchOne($0, sql: "SELECT SUM(messages) FROM observed_sender") }
        #expect(messages == 5)
    }

    @Test func aBrokenReportAmongManyLeavesTheOthersStoredInOrder() throws {
        let ws = try ObservedCommandTests.Workspace()
        defer { ws.cleanup() }
        // More reports than one batch holds, with a truncated one in the middle of the first batch.
        var names: [String] = []
        for index in 0..<150 {
            let name = String(format: "r%03d.xml", index)
            var text = ObservedCommandTests.report(id: "id-\(index)", begin: 1_764_201_600, end: 1_764_287_999,
                                                   rows: [("192.0.2.\(index % 200 + 1)", index + 1, "pass", "pass", "none")])
            if index == 60 { text = String(text.prefix(text.count - 40)) }
            _ = try ws.write("many/\(name)", text)
            names.append(name)
        }
        let run = try ws.run(["ingest", "--json", ws.root.appendingPathComponent("many").path])
        #expect(run.status == 2)
        let lines = try ObservedCommandTests.lines(run)
        #expect(lines.compactMap { ($0["file"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } } == names)
        #expect(lines.filter { $0["status"] as? String == "ingested" }.count == 149)
        #expect(lines[60]["status"] as? String == "rejected")
        let (reports, messages) = try DatabaseQueue(path: ws.database).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report"), try Int.fetchOne(db, sql: "SELECT SUM(messages) FROM observed_sender"))
        }
        #expect(reports == 149)
        // 1 + 2 + ... + 150, less the truncated report's 61.
        #expect(messages == 150 * 151 / 2 - 61)
    }
}
