import Foundation
import GRDB
import TestSupport

/// Mailboxes of DMARC reports for the IMAP tests: messages built here (small reports of known content), a
/// Dovecot to put them in, a database and a settings file in a temporary directory, and the binary run on them.
final class IMAPWorkspace: @unchecked Sendable {
    let server: DovecotServer
    let directory: URL
    var database: String { directory.appendingPathComponent("sw.sqlite").path }
    var settings: String { directory.appendingPathComponent("settings.yaml").path }
    static let passwordVariable = "SW_TEST_IMAP_PASSWORD"

    /// Nil when Dovecot is not installed (outside CI).
    static func make(tls: Bool = true, messageBytes: String = "64KiB") throws -> IMAPWorkspace? {
        guard let server = try DovecotServer.start(tls: tls) else { return nil }
        return try IMAPWorkspace(server: server, messageBytes: messageBytes)
    }

    init(server: DovecotServer, messageBytes: String) throws {
        self.server = server
        directory = try CLIRunner.temporaryDirectory()
        try writeSettings("""
            settings:
              database: \(database)
              ingest_limits: { message_bytes: \(messageBytes) }

            """)
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func writeSettings(_ text: String) throws { try text.write(toFile: settings, atomically: true, encoding: .utf8) }

    /// `senderwatch ingest --imap` on the server's INBOX (implicit TLS, the test CA) with `extra` arguments.
    func ingest(_ extra: [String] = [], url: String? = nil, password: String? = nil) async throws -> CLIRunner.Output {
        try await CLIRunner.launch(["ingest", "--config", settings, "--imap", url ?? server.url(),
                                    "--password-env", Self.passwordVariable, "--ca-file", server.caFile.path] + extra,
                                   environment: [Self.passwordVariable: password ?? server.password])
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try DatabaseQueue(path: database).read(body)
    }

    func reportCount() throws -> Int { try read { try Int.fetchOne($0, sql: "SELECT count(*) FROM report") ?? 0 } }
    func tlsReportCount() throws -> Int { try read { try Int.fetchOne($0, sql: "SELECT count(*) FROM tls_report") ?? 0 } }

    /// Messages counted into the observed sources, over every report: a report stored twice would show here.
    func observedMessages() throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT coalesce(sum(messages), 0) FROM observed_sender") ?? 0 }
    }

    func mailboxRows() throws -> [Row] {
        try read { try Row.fetchAll($0, sql: "SELECT uid, outcome, disposedAt FROM mailbox_message ORDER BY uidValidity, uid") }
    }
}

/// Report messages as reporters send them: a multipart e-mail with the aggregate report attached.
enum ReportMail {
    static func xml(org: String, id: String, domain: String = "example.test", ip: String = "192.0.2.10",
                    count: Int = 3, begin: Int64 = 1_700_000_000) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <feedback>
          <report_metadata><org_name>\(org)</org_name><email>noreply@\(org)</email><report_id>\(id)</report_id>
            <date_range><begin>\(begin)</begin><end>\(begin + 86399)</end></date_range></report_metadata>
          <policy_published><domain>\(domain)</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp>
            <pct>100</pct></policy_published>
          <record><row><source_ip>\(ip)</source_ip><count>\(count)</count>
            <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
            <identifiers><header_from>\(domain)</header_from></identifiers>
            <auth_results><dkim><domain>\(domain)</domain><result>pass</result></dkim>
              <spf><domain>\(domain)</domain><result>pass</result></spf></auth_results>
          </record>
        </feedback>

        """
    }

    /// An e-mail with `attachment` (bytes, base64) named `filename`; nil attachment for a message without one.
    static func message(subject: String, attachment: [UInt8]?, filename: String = "report.xml",
                        type: String = "application/xml", padding: Int = 0) -> String {
        var lines = ["From: noreply-dmarc@reporter.test", "To: dmarc@example.test", "Subject: \(subject)",
                     "Date: Tue, 14 Nov 2023 22:13:20 +0000", "Message-ID: <\(UUID().uuidString)@reporter.test>",
                     "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"sw-boundary\"", "",
                     "--sw-boundary", "Content-Type: text/plain; charset=us-ascii", "", "This is a DMARC aggregate report."]
        lines += Array(repeating: String(repeating: "x", count: 76), count: padding / 78)
        if let attachment {
            lines += ["--sw-boundary", "Content-Type: \(type); name=\"\(filename)\"",
                      "Content-Disposition: attachment; filename=\"\(filename)\"", "Content-Transfer-Encoding: base64", ""]
            let encoded = Data(attachment).base64EncodedString()
            lines += stride(from: 0, to: encoded.count, by: 76).map { start in
                let from = encoded.index(encoded.startIndex, offsetBy: start)
                return String(encoded[from..<(encoded.index(from, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
            }
        }
        lines.append("--sw-boundary--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// An SMTP TLS report (RFC 8460) for example.test of one day in November 2023.
    static func tlsReport(id: String) -> String {
        """
        {"organization-name": "tls.test", "contact-info": "tls@tls.test", "report-id": "\(id)",
         "date-range": {"start-datetime": "2023-11-14T00:00:00Z", "end-datetime": "2023-11-14T23:59:59Z"},
         "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.test", "mx-host": ["mx.example.test"]},
                       "summary": {"total-successful-session-count": 40, "total-failure-session-count": 2},
                       "failure-details": [{"result-type": "certificate-expired", "receiving-mx-hostname": "mx.example.test",
                                            "failed-session-count": 2}]}]}
        """
    }

    static func report(org: String, id: String, count: Int = 3, ip: String = "192.0.2.10") -> String {
        message(subject: "Report Domain: example.test Submitter: \(org) Report-ID: \(id)",
                attachment: Array(xml(org: org, id: id, ip: ip, count: count).utf8), filename: "\(org)!example.test!\(id).xml")
    }
}
