import Foundation
import Testing
import TestSupport

/// `headers` through the binary: a forged Received-SPF below the receiving hop and an internal hop do not
/// decide the connecting IP or the fix; `--record` counts a message once, by Message-ID or by a digest of its
/// header section.
@Suite struct HeadersTrustCLITests {
    typealias Workspace = ObservedCommandTests.Workspace

    static let forged = """
        Received: from mx-filter.customer.example (localhost [127.0.0.1]) by mx.customer.example with ESMTP; Fri, 27 Nov 2026 17:14:04 +0000
        Received: from crm-mailer.crmcloud.example (crm-mailer.crmcloud.example [60.130.71.223])
        \tby mx-filter.customer.example with ESMTPS; Fri, 27 Nov 2026 17:14:03 +0000
        Received: from office-pc (unknown [10.1.2.3]) by crm-mailer.crmcloud.example; Fri, 27 Nov 2026 17:14:02 +0000
        Received-SPF: pass (mx.customer.example: domain of brightpath.example designates 203.0.113.10 as permitted sender) client-ip=203.0.113.10;
        Authentication-Results: mx.customer.example; spf=pass smtp.mailfrom=brightpath.example; dkim=pass header.d=brightpath.example
        Return-Path: <billing@brightpath.example>
        From: Brightpath Billing <billing@brightpath.example>
        Subject: Invoice

        body

        """

    @Test func forgedVerdictsAndInternalHopsDoNotDecideTheIPOrTheFix() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let output = try ws.run(["headers", "-", "--zone", CLIRunner.demoZones, "--json"], stdin: Self.forged)
        #expect(output.status == 1, "\(output.stderr)")
        let json = try output.json()
        #expect(json["connectingIP"] as? String == "60.130.71.223", "\(json)")
        #expect(json["connectingIPSource"] as? String == "Received")
        #expect((json["fix"] as? String)?.contains("ip4:60.130.71.223") == true)
        #expect((json["fix"] as? String)?.contains("10.1.2.3") == false)
        let receiver = json["receiver"] as? [String: Any]
        #expect(receiver != nil && receiver?["spf"] as? String == nil, "the forged pass is not the receiver's: \(String(describing: receiver))")
        #expect((json["ignored"] as? [String])?.count == 2, "\(String(describing: json["ignored"]))")
        #expect(json["trustedReceivers"] as? [String] == ["mx.customer.example", "mx-filter.customer.example"])
        let text = try ws.run(["headers", "-", "--zone", CLIRunner.demoZones], stdin: Self.forged)
        #expect(text.stdout.contains("ignored:        Received-SPF (pass client-ip=203.0.113.10): below the receiving hop"),
                "\(text.stdout)")
    }

    @Test func aMessageRecordedTwiceCountsOnce() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let gmail = ObservedCommandTests.header("gmail.eml")
        let first = try ws.run(["headers", gmail, "--record", "--zone", CLIRunner.demoZones, "--json"]).json()
        #expect(first["recorded"] as? Bool == true && first["alreadyRecorded"] as? Bool == false)
        #expect(first["messageKey"] as? String == "message-id:<inv-2026-1142@crm-mailer.crmcloud.example>")
        let second = try ws.run(["headers", gmail, "--record", "--zone", CLIRunner.demoZones, "--json"]).json()
        #expect(second["recorded"] as? Bool == false && second["alreadyRecorded"] as? Bool == true)
        let again = try ws.run(["headers", gmail, "--record", "--zone", CLIRunner.demoZones])
        #expect(again.stdout.contains("already recorded"), "\(again.stdout)")
        // Without a Message-ID the header section's digest is the key; CR LF or LF line ends make no difference.
        let plain = "Received-SPF: pass (mx.example: ok) client-ip=203.0.113.10;\nReturn-Path: <o@brightpath.example>\n"
            + "From: o@brightpath.example\nSubject: no id\n\nhello\n"
        let lf = try ws.run(["headers", "-", "--record", "--zone", CLIRunner.demoZones, "--json"], stdin: plain).json()
        #expect((lf["messageKey"] as? String)?.hasPrefix("sha256:") == true && lf["recorded"] as? Bool == true)
        let crlf = try ws.run(["headers", "-", "--record", "--zone", CLIRunner.demoZones, "--json"],
                              stdin: plain.replacingOccurrences(of: "\n", with: "\r\n")).json()
        #expect(crlf["messageKey"] as? String == lf["messageKey"] as? String && crlf["recorded"] as? Bool == false)
        let observed = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"]).json()
        let sources = observed["sources"] as? [[String: Any]] ?? []
        #expect(sources.map { $0["messages"] as? Int } == [1, 1], "\(sources)")
    }

    @Test func aHeaderSectionPastItsLimitIsRefused() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let settings = try ws.write("settings.yaml", "settings:\n  ingest_limits:\n    header_bytes: 1KiB\n")
        let long = "X-Padding: " + String(repeating: "p", count: 2000) + "\n" + Self.forged
        let output = try ws.run(["headers", "-", "--config", settings, "--zone", CLIRunner.demoZones], stdin: long)
        #expect(output.status == 2)
        #expect(output.stderr.contains("longer than 1024 bytes") && output.stderr.contains("ingest_limits.header_bytes"),
                "\(output.stderr)")
    }
}
