import AuthReports
import Foundation
import GRDB
import Inventory
import Mailbox
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Interrupted IMAP ingests lose and double-count nothing: a run killed with SIGKILL mid-batch is completed by
/// the next; a run that ends after a batch is committed but before its messages are moved leaves them for the
/// next run to move without reading them again. And the daemon reads configured mailboxes at their interval,
/// logging a failing mailbox and carrying on.
@Suite(.serialized) struct IMAPInterruptionTests {
    static let count = 120

    static func fill(_ server: DovecotServer, count: Int = count) throws -> Int {
        var messages = 0
        for index in 0..<count {
            try server.deliver(ReportMail.report(org: "kill\(index % 4).test", id: "k-\(index)", count: index + 1,
                                                 ip: "198.51.100.\(index % 250)"))
            messages += index + 1
        }
        return messages
    }

    @Test func killedMidBatchThenCompleted() async throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        let expected = try Self.fill(server)
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["ingest", "--config", workspace.settings, "--imap", server.url(), "--password-env",
                             IMAPWorkspace.passwordVariable, "--ca-file", server.caFile.path, "--batch", "10"]
        var environment = ProcessInfo.processInfo.environment
        environment[IMAPWorkspace.passwordVariable] = server.password
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first committed batch prints its lines; the process dies while it moves or reads the next.
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run was still going when it was killed")
        let stored = try workspace.reportCount()
        #expect(stored > 0 && stored < Self.count, "killed part way: \(stored) of \(Self.count) stored")

        let again = try await workspace.ingest(["--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let statuses = try IMAPIngestTests.statuses(IMAPIngestTests.lines(again))
        #expect((statuses["ingested"] ?? 0) + stored == Self.count, "\(statuses)")
        #expect(statuses["rejected"] == nil)
        #expect(try workspace.reportCount() == Self.count)
        #expect(try workspace.observedMessages() == expected)
        #expect(try server.count("INBOX") == 0)
        #expect(try server.count("senderwatch/done") == Self.count)
        let rows = try workspace.mailboxRows()
        #expect(rows.count == Self.count)
        #expect(rows.allSatisfy { $0["outcome"] as String == "stored" && $0["disposedAt"] as Int64? != nil })
    }

    struct Cut: Error {}

    @Test func storedButNotMovedIsMovedByTheNextRun() throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        let expected = try Self.fill(server, count: 12)
        let store = try InventoryStore(path: workspace.database)
        var source = MailboxSource(url: try IMAPURL(parsing: server.url()), password: .env(IMAPWorkspace.passwordVariable),
                                   caFile: server.caFile.path, batchSize: 5)
        source.timeouts.total = 60
        let environment = [IMAPWorkspace.passwordVariable: server.password]
        var cut = MailboxFetch(source: source, store: store, reader: ReportReader())
        cut.afterCommit = { throw Cut() }
        #expect(throws: Cut.self) { _ = try cut.run(environment: environment) }
        // The first batch is stored and recorded, but nothing has been moved yet.
        #expect(try workspace.reportCount() == 5)
        #expect(try server.count("INBOX") == 12)
        #expect(try workspace.mailboxRows().filter { $0["disposedAt"] as Int64? == nil }.count == 5)

        var results: [IngestResult] = []
        var next = MailboxFetch(source: source, store: store, reader: ReportReader())
        next.onResults = { results += $0 }
        let summary = try next.run(environment: environment)
        #expect(summary.failure == nil)
        #expect(summary.read == 7, "the five stored messages are moved, not read again")
        #expect(results.count == 7 && results.allSatisfy { $0.status == .ingested })
        #expect(summary.disposed == ["senderwatch/done": 12])
        #expect(try workspace.reportCount() == 12)
        #expect(try workspace.observedMessages() == expected)
        #expect(try server.count("INBOX") == 0)
        #expect(try server.count("senderwatch/done") == 12)
    }

    @Test func daemonReadsMailboxesAtTheirInterval() async throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        try server.deliver(ReportMail.report(org: "daemon.test", id: "d-1", count: 2))
        try workspace.writeSettings("""
            settings:
              database: \(workspace.database)
              mailboxes:
                - url: \(server.url())
                  password: { env: \(IMAPWorkspace.passwordVariable) }
                  ca_file: \(server.caFile.path)
                  interval: 1s
                - url: imaps://nobody@127.0.0.1:\(server.imapsPort)/INBOX
                  password: { env: \(IMAPWorkspace.passwordVariable) }
                  ca_file: \(server.caFile.path)
                  done: \\Seen
                  interval: 1s

            """)
        let daemon = try DaemonProcess(["--config", workspace.settings], directory: workspace.directory,
                                       environment: [IMAPWorkspace.passwordVariable: server.password])
        defer { daemon.stop() }
        let first = await daemon.wait(timeout: 60) { _ in ((try? workspace.reportCount()) ?? 0) == 1 }
        #expect(first, "the daemon read the first report: \(daemon.tail)")
        try server.deliver(ReportMail.report(org: "daemon.test", id: "d-2", count: 3))
        let second = await daemon.wait(timeout: 60) { _ in ((try? workspace.reportCount()) ?? 0) == 2 }
        #expect(second, "and the one delivered later: \(daemon.tail)")
        let failing = await daemon.wait(timeout: 30) { lines in
            lines.filter { ($0["message"] as? String)?.hasPrefix("mailbox fetch failed") == true }.count >= 2
        }
        #expect(failing, "the mailbox with the refused login is logged at each interval: \(daemon.tail)")
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
        #expect(try workspace.observedMessages() == 5)
        #expect(try server.count("senderwatch/done") == 2)
    }

    @Test func sighupAddsAndRemovesAMailbox() async throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        try server.deliver(ReportMail.report(org: "hup.test", id: "h-1", count: 2))
        let without = "settings:\n  database: \(workspace.database)\n"
        let with = """
            settings:
              database: \(workspace.database)
              mailboxes:
                - url: \(server.url())
                  password: { env: \(IMAPWorkspace.passwordVariable) }
                  ca_file: \(server.caFile.path)
                  interval: 1s

            """
        try workspace.writeSettings(without)
        let daemon = try DaemonProcess(["--config", workspace.settings], directory: workspace.directory,
                                       environment: [IMAPWorkspace.passwordVariable: server.password])
        defer { daemon.stop() }
        #expect(await daemon.wait(timeout: 30) { lines in lines.contains { ($0["message"] as? String) == "senderwatch run started" } })
        try await Task.sleep(for: .seconds(2))
        #expect(try workspace.reportCount() == 0, "no mailbox configured yet")
        try workspace.writeSettings(with)
        daemon.signal(SIGHUP)
        let added = await daemon.wait(timeout: 60) { _ in ((try? workspace.reportCount()) ?? 0) == 1 }
        #expect(added, "the mailbox the SIGHUP added is read at once: \(daemon.tail)")
        #expect(daemon.lines().contains { ($0["message"] as? String) == "mailboxes replaced" }, "\(daemon.tail)")
        // Removed again: a report delivered afterwards stays in the mailbox.
        try workspace.writeSettings(without)
        daemon.signal(SIGHUP)
        #expect(await daemon.wait(timeout: 30) { lines in lines.filter { ($0["message"] as? String) == "mailboxes replaced" }.count >= 2 })
        try server.deliver(ReportMail.report(org: "hup.test", id: "h-2", count: 3))
        try await Task.sleep(for: .seconds(3))
        #expect(try workspace.reportCount() == 1, "a removed mailbox is read no more")
        #expect(try server.count("INBOX") == 1)
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0)
    }
}
