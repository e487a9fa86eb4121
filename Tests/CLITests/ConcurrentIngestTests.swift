import Foundation
import GRDB
import Testing
import TestSupport

/// Two real processes on one database file: two `ingest` runs over overlapping folders, and an `ingest`
/// beside a `poll`. Both succeed; every report is stored once; a report both try to store is simply a
/// duplicate for the second (never "UNIQUE constraint failed"). And `ingest -` reads standard input.
@Suite(.serialized) struct ConcurrentIngestTests {
    typealias Workspace = ObservedCommandTests.Workspace

    /// A started `senderwatch` whose output is collected while it runs.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let out = Pipe(), err = Pipe()
        private var stdoutData = Data(), stderrData = Data()
        private let group = DispatchGroup()

        init(_ arguments: [String]) throws {
            process.executableURL = CLIRunner.binary
            process.arguments = arguments
            process.currentDirectoryURL = SharedData.packageRoot
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "SENDERWATCH_DB")
            env.removeValue(forKey: "SENDERWATCH_CONFIG")
            env["SENDERWATCH_DEMO_SECRET"] = "test-secret"
            process.environment = env
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            for (pipe, keyPath) in [(out, \Running.stdoutData), (err, \Running.stderrData)] {
                group.enter()
                DispatchQueue.global().async {
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    self[keyPath: keyPath] = data
                    self.group.leave()
                }
            }
        }

        func finish() -> CLIRunner.Output {
            group.wait()
            process.waitUntilExit()
            return CLIRunner.Output(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                                    stderr: String(decoding: stderrData, as: UTF8.self))
        }
    }

    /// `count` one-record reports, `report-<first+i>`, in `folder`.
    static func reports(_ ws: Workspace, _ folder: String, ids: Range<Int>) throws {
        for index in ids {
            let text = ObservedCommandTests.report(id: "report-\(index)", begin: 1_764_201_600, end: 1_764_287_999,
                                                   rows: [("192.0.2.\(index % 250 + 1)", index + 1, "pass", "pass", "none")])
            _ = try ws.write("\(folder)/r\(index).xml", text)
        }
    }

    @Test func twoIngestsOnOneDatabaseBothSucceedAndStoreEachReportOnce() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        // Overlapping: 0..<400 and 200..<600; reports 200..<400 are in both.
        try Self.reports(ws, "a", ids: 0..<400)
        try Self.reports(ws, "b", ids: 200..<600)
        #expect(try ws.run(["ingest", try ws.write("seed.xml", ObservedCommandTests.report(
            id: "seed", begin: 1_764_201_600, end: 1_764_287_999, rows: [("192.0.2.1", 1, "pass", "pass", "none")]))]).status == 0)
        let first = try Running(["ingest", "--json", "--db", ws.database, ws.root.appendingPathComponent("a").path])
        let second = try Running(["ingest", "--json", "--db", ws.database, ws.root.appendingPathComponent("b").path])
        let a = first.finish(), b = second.finish()
        #expect(a.status == 0, "\(a.stderr)\(a.stdout.suffix(600))")
        #expect(b.status == 0, "\(b.stderr)\(b.stdout.suffix(600))")
        let lines = try ObservedCommandTests.lines(a) + ObservedCommandTests.lines(b)
        #expect(lines.count == 800)
        #expect(!lines.contains { ($0["error"] as? String)?.contains("UNIQUE") == true })
        #expect(lines.filter { $0["status"] as? String == "ingested" }.count == 600)
        #expect(lines.filter { $0["status"] as? String == "duplicate" }.count == 200)
        let (reports, messages) = try DatabaseQueue(path: ws.database).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report"), try Int.fetchOne(db, sql: "SELECT SUM(messages) FROM observed_sender"))
        }
        #expect(reports == 601)
        #expect(messages == 1 + 600 * 601 / 2, "every report counted once")
    }

    @Test func anIngestBesideAPollBothSucceed() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        #expect(try ws.run(["apply", CLIRunner.demoMonitors]).status == 0)
        try Self.reports(ws, "many", ids: 0..<500)
        let ingest = try Running(["ingest", "--db", ws.database, ws.root.appendingPathComponent("many").path])
        let poll = try Running(["poll", "--all", "--zone", CLIRunner.demoZones, "--db", ws.database])
        let i = ingest.finish(), p = poll.finish()
        #expect(i.status == 0, "\(i.stderr)\(i.stdout.suffix(400))")
        #expect(p.status == 0 || p.status == 1, "poll: \(p.stderr)\(p.stdout)")
        #expect(!p.stdout.contains("locked") && !p.stderr.contains("locked"), "\(p.stdout)\(p.stderr)")
        #expect(i.stdout.contains("500 report(s) ingested"), "\(i.stdout.suffix(200))")
    }

    @Test func ingestDashReadsStandardInput() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let text = ObservedCommandTests.report(id: "stdin-1", begin: 1_764_201_600, end: 1_764_287_999,
                                               rows: [("192.0.2.9", 4, "pass", "pass", "none")])
        let output = try ws.run(["ingest", "--json", "-"], stdin: text)
        #expect(output.status == 0, "\(output.stderr)")
        let line = try #require(try ObservedCommandTests.lines(output).first)
        #expect(line["file"] as? String == "-" && line["status"] as? String == "ingested" && line["messages"] as? Int == 4)
        let twice = try ws.run(["ingest", "-", "-"])
        #expect(twice.status != 0 && twice.stderr.contains("standard input"), "\(twice.stderr)")
    }
}
