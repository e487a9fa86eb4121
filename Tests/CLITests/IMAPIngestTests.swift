import Foundation
import GRDB
import Testing
import TestSupport

/// `senderwatch ingest --imap` against a real Dovecot on loopback: a mailbox of good, broken, duplicate,
/// oversized and non-report messages is ingested exactly once across runs, with each message moved to the
/// done or rejected folder; `\Seen` instead of moving; a changed UIDVALIDITY; a wrong password, an untrusted
/// certificate and a server without STARTTLS fail with clear errors and touch nothing.
@Suite(.serialized) struct IMAPIngestTests {
    static func lines(_ output: CLIRunner.Output) throws -> [[String: Any]] {
        try output.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func statuses(_ lines: [[String: Any]]) -> [String: Int] {
        lines.reduce(into: [:]) { $0[$1["status"] as? String ?? "?", default: 0] += 1 }
    }

    @Test func mixedMailboxIsIngestedOnceAndSorted() async throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        try server.deliver(ReportMail.report(org: "reporter-a.test", id: "a-1", count: 5))
        try server.deliver(ReportMail.report(org: "reporter-b.test", id: "b-1", count: 7))
        // The same report again, in a second message: a duplicate, which goes to the done folder.
        try server.deliver(ReportMail.report(org: "reporter-a.test", id: "a-1", count: 5))
        try server.deliver(ReportMail.message(subject: "broken", attachment: Array("<feedback><report_metadata>".utf8)))
        try server.deliver(ReportMail.message(subject: "hello", attachment: nil))
        // Over the settings' message_bytes (64 KiB): rejected by its size, never fetched.
        try server.deliver(ReportMail.message(subject: "big", attachment: Array(ReportMail.xml(org: "big.test", id: "big").utf8),
                                              padding: 80_000))
        var expected = 5 + 7
        var messages = 6
        var stored = 2
        // A real report as Google mails it (a zip attachment), read in place from ../shared.
        let google = "conformance/dmarc-reports/aggregate/parsedmarc/"
            + "Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml"
        if let eml = try SharedData.url(google) {
            try server.deliver(Array(try Data(contentsOf: eml)))
            expected += 1
            messages += 1
            stored += 1
        }

        // An SMTP TLS report (RFC 8460 section 5.3: application/tlsrpt+json) and a DMARC failure report (the
        // LinkedIn sample in ../shared): stored in tables of their own; the failure report's source counts once.
        try server.deliver(ReportMail.message(subject: "Report Domain: example.test Submitter: tls.test Report-ID: <t-1>",
                                              attachment: Array(ReportMail.tlsReport(id: "t-1").utf8),
                                              filename: "tls.test!example.test!1700000000!1700086399.json",
                                              type: "application/tlsrpt+json"))
        messages += 1
        stored += 1
        var others = 1
        if let eml = try SharedData.url("conformance/dmarc-reports/forensic/parsedmarc/dmarc_ruf_report_linkedin.eml") {
            try server.deliver(Array(try Data(contentsOf: eml)))
            expected += 1
            messages += 1
            stored += 1
            others += 1
        }

        let first = try await workspace.ingest(["--json"])
        #expect(first.status == 2, "rejected messages make exit 2: \(first.stderr)")
        let results = try Self.lines(first)
        #expect(Self.statuses(results) == ["ingested": stored, "duplicate": 1, "rejected": 3], "\(first.stdout)")
        #expect(results.filter { $0["kind"] as? String != "aggregate" && $0["status"] as? String == "ingested" }.count == others)
        #expect(try workspace.tlsReportCount() == 1)
        #expect(results.allSatisfy { ($0["file"] as? String)?.contains(";UID=") == true })
        let big = results.first { ($0["error"] as? String)?.contains("message_bytes") == true }
        #expect(big != nil, "the oversized message is rejected by its size: \(first.stdout)")
        #expect(try workspace.reportCount() == stored - others)
        #expect(try workspace.observedMessages() == expected)
        #expect(try server.count("INBOX") == 0)
        #expect(try server.count("senderwatch/done") == stored + 1)
        #expect(try server.count("senderwatch/rejected") == 3)
        let rows = try workspace.mailboxRows()
        #expect(rows.count == messages)
        #expect(rows.allSatisfy { $0["disposedAt"] as Int64? != nil })

        let second = try await workspace.ingest()
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains(": 0 message(s) read, 0 report(s) ingested"), "\(second.stdout)")
        #expect(try workspace.reportCount() == stored - others)
        #expect(try workspace.tlsReportCount() == 1)
        #expect(try workspace.observedMessages() == expected)

        // Only what is new is read.
        try server.deliver(ReportMail.report(org: "reporter-c.test", id: "c-1", count: 2))
        let third = try await workspace.ingest()
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains(": 1 message(s) read, 1 report(s) ingested (1 records)"), "\(third.stdout)")
        #expect(try workspace.observedMessages() == expected + 2)
        #expect(try server.count("senderwatch/done") == stored + 2)
    }

    @Test func seenFlagInsteadOfMovingAndStartTLS() async throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        for index in 1...3 { try server.deliver(ReportMail.report(org: "seen.test", id: "s-\(index)")) }
        try server.deliver(ReportMail.message(subject: "hello", attachment: nil))
        let url = server.url(implicitTLS: false)
        let first = try await workspace.ingest(["--done", "\\Seen", "--rejected", "\\Seen"], url: url)
        #expect(first.status == 2, "\(first.stderr)")
        #expect(first.stdout.contains("4 message(s) read, 3 report(s) ingested"), "\(first.stdout)")
        #expect(first.stdout.contains("4 flagged \\Seen"), "\(first.stdout)")
        #expect(try server.count("INBOX") == 4)
        #expect(try server.seenCount("INBOX") == 4)
        #expect(try server.count("senderwatch/done") == 0)
        let second = try await workspace.ingest(["--done", "\\Seen", "--rejected", "\\Seen"], url: url)
        #expect(second.status == 0)
        #expect(second.stdout.contains("0 message(s) read"), "\(second.stdout)")
        #expect(try workspace.reportCount() == 3)
    }

    @Test func changedUIDValidityStartsOverWithoutCountingTwice() async throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        for index in 1...2 { try server.deliver(ReportMail.report(org: "uv.test", id: "uv-\(index)", count: 4)) }
        let first = try await workspace.ingest(["--done", "\\Seen"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try #require(try server.uidValidity())
        try server.setUIDValidity(UInt32(before % 1_000_000 + 77))
        let second = try await workspace.ingest(["--done", "\\Seen", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("UIDVALIDITY changed from \(before) to \(before % 1_000_000 + 77)"), "\(second.stderr)")
        #expect(Self.statuses(try Self.lines(second)) == ["duplicate": 2])
        #expect(try workspace.reportCount() == 2)
        #expect(try workspace.observedMessages() == 8)
        let validity = try workspace.read { try Int64.fetchOne($0, sql: "SELECT uidValidity FROM mailbox") }
        #expect(validity == before % 1_000_000 + 77)
    }

    @Test func refusedLoginAndUntrustedCertificateFailClearly() async throws {
        guard let workspace = try IMAPWorkspace.make() else { return }
        let server = workspace.server
        try server.deliver(ReportMail.report(org: "auth.test", id: "x-1"))

        let wrong = try await workspace.ingest(password: "not the password")
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("refused the login of dmarc: wrong user name or password"), "\(wrong.stderr)")

        let untrusted = try await CLIRunner.launch(["ingest", "--config", workspace.settings, "--imap", server.url(),
                                                    "--password-env", IMAPWorkspace.passwordVariable,
                                                    "--ca-file", server.otherCAFile.path],
                                                   environment: [IMAPWorkspace.passwordVariable: server.password])
        #expect(untrusted.status == 2)
        #expect(untrusted.stderr.contains("certificate of 127.0.0.1:\(server.imapsPort) is not trusted"), "\(untrusted.stderr)")
        #expect(untrusted.stderr.contains("not signed by the CA in \(server.otherCAFile.path)"), "\(untrusted.stderr)")

        let inline = try await CLIRunner.launch(["ingest", "--imap", "imaps://dmarc:secret@127.0.0.1:\(server.imapsPort)/INBOX"])
        #expect(inline.status != 0)
        #expect(inline.stderr.contains("the URL holds a password"), "\(inline.stderr)")
        #expect(!inline.stderr.contains("secret@"), "the password is never echoed")

        let missing = try await CLIRunner.launch(["ingest", "--config", workspace.settings, "--imap", server.url(),
                                                  "--ca-file", server.caFile.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("needs a password"), "\(missing.stderr)")

        #expect(try server.count("INBOX") == 1)
        #expect(try workspace.reportCount() == 0)
    }

    @Test func serverWithoutSTARTTLSIsRefused() async throws {
        guard let workspace = try IMAPWorkspace.make(tls: false) else { return }
        try workspace.server.deliver(ReportMail.report(org: "plain.test", id: "p-1"))
        let output = try await workspace.ingest(url: workspace.server.url(implicitTLS: false))
        #expect(output.status == 2)
        #expect(output.stderr.contains("does not offer STARTTLS"), "\(output.stderr)")
        #expect(try workspace.server.count("INBOX") == 1)
    }
}
