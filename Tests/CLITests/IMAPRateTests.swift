import Foundation
import Testing
import TestSupport

/// The ingest rate from IMAP against the rate from files, in one session: the same report messages in a
/// Dovecot mailbox and as .eml files in a directory, each ingested into a fresh database by the built binary.
/// Prints `imap-rate:` lines; checks only that both ingest every report (the rates depend on the machine).
@Suite(.serialized) struct IMAPRateTests {
    static let count = 300

    @Test func imapAgainstFiles() async throws {
        guard let workspace = try IMAPWorkspace.make(messageBytes: "1MiB") else { return }
        let files = workspace.directory.appendingPathComponent("eml")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        for index in 0..<Self.count {
            let message = ReportMail.report(org: "rate\(index % 8).test", id: "r-\(index)", count: index % 50 + 1,
                                            ip: "203.0.113.\(index % 250)")
            try workspace.server.deliver(message)
            try message.write(to: files.appendingPathComponent(String(format: "%04d.eml", index)), atomically: true, encoding: .utf8)
        }
        let fileDatabase = workspace.directory.appendingPathComponent("files.sqlite").path
        let fileStart = Date()
        let fromFiles = try await CLIRunner.launch(["ingest", "--db", fileDatabase, files.path])
        let fileSeconds = Date().timeIntervalSince(fileStart)
        #expect(fromFiles.status == 0, "\(fromFiles.stderr)")
        #expect(fromFiles.stdout.contains("\(Self.count) report(s) ingested"))

        let imapStart = Date()
        let fromIMAP = try await workspace.ingest()
        let imapSeconds = Date().timeIntervalSince(imapStart)
        #expect(fromIMAP.status == 0, "\(fromIMAP.stderr)")
        #expect(fromIMAP.stdout.contains("\(Self.count) message(s) read, \(Self.count) report(s) ingested"), "\(fromIMAP.stdout)")
        #expect(try workspace.server.count("senderwatch/done") == Self.count)

        let imapRate = Double(Self.count) / imapSeconds
        let fileRate = Double(Self.count) / fileSeconds
        print(String(format: "imap-rate: %d messages (1 report each) from IMAP in %.2f s: %.0f messages/s, %.0f reports/s",
                     Self.count, imapSeconds, imapRate, imapRate))
        print(String(format: "imap-rate: the same %d .eml files in %.2f s: %.0f reports/s; IMAP / files = %.2f",
                     Self.count, fileSeconds, fileRate, imapRate / fileRate))
    }
}
