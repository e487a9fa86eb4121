import Foundation
import Testing
@testable import AuthReports

/// DMARC failure reports in ARF (RFC 6591, RFC 5965): what is read, what is never kept, and what refuses one.
@Suite struct FailureReportTests {
    static func message(fields: String, original: String = """
        Authentication-Results: mx.receiver.example; spf=softfail smtp.mailfrom=bounce.example.com; dkim=fail header.d=example.com header.s=s1
        From: "Payroll" <payroll@example.com>
        To: victim@receiver.example
        Subject: Your salary slip
        Message-ID: <orig-1@example.com>

        The secret body of the message.
        """, originalType: String = "message/rfc822") -> [UInt8] {
        Array("""
            From: DMARC reports <dmarc-noreply@receiver.example>
            To: ruf@example.com
            Subject: Report domain: example.com
            Date: Tue, 01 Dec 2026 10:00:00 +0000
            Message-ID: <report-77@receiver.example>
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

            --arf
            Content-Type: text/plain

            A message claiming to be from you failed DMARC.
            --arf
            Content-Type: message/feedback-report

            \(fields)
            --arf
            Content-Type: \(originalType)

            \(original)
            --arf--
            """.utf8)
    }

    static let fields = """
        Feedback-Type: auth-failure
        User-Agent: Receiver-ARF/2.0
        Version: 1
        Original-Mail-From: <alice@bounce.example.com>
        Original-Rcpt-To: <victim@receiver.example>
        Arrival-Date: Mon, 30 Nov 2026 23:30:00 -0100
        Source-IP: 203.0.113.77
        Reported-Domain: example.com
        Auth-Failure: dmarc
        Delivery-Result: spam
        Identity-Alignment: none
        """

    static func read(_ bytes: [UInt8], keepHeaders: Bool = false) -> (outcomes: [ReportOutcome], reports: [FailureReport]) {
        var reader = ReportReader()
        reader.keepFailureHeaders = keepHeaders
        let collector = FailureCollector()
        let outcomes = reader.read(DataByteSource(bytes), into: collector)
        return (outcomes, collector.reports)
    }

    @Test func theSourceDomainAndVerdictsAreReadAndTheMessageIsNotKept() throws {
        let (outcomes, reports) = Self.read(Self.message(fields: Self.fields))
        #expect(outcomes.count == 1 && outcomes.first?.kind == .failure)
        let report = try #require(reports.first)
        #expect(report.feedbackType == "auth-failure" && report.reporter == "receiver.example")
        #expect(report.reportID == "<report-77@receiver.example>")
        #expect(report.sourceIP == "203.0.113.77" && report.reportedDomain == "example.com")
        // 23:30 at -01:00 is 00:30 UTC on the 1st of December.
        #expect(report.arrival == 1_796_085_000)
        #expect(report.authFailure == ["dmarc"] && report.deliveryResult == "spam" && report.disposition == "quarantine")
        #expect(report.headerFrom == "example.com" && report.envelopeFrom == "bounce.example.com")
        // Taken from the receiver's header on the original message, since the report's fields leave them out.
        #expect(report.spfResult == "softfail" && report.dkimResult == "fail")
        #expect(report.dkimDomain == "example.com" && report.dkimSelector == "s1")
        #expect(report.identityAlignment == ["none"])
        #expect(report.originalHeaders == nil, "nothing of the original is kept by default")
        let summary = try #require(try? outcomes.first?.result.get())
        #expect(summary.recordCount == 1 && summary.messageCount == 1 && summary.policy.domain == "example.com")
    }

    @Test func headersAreKeptOnlyWhenAskedAndTheBodyNever() throws {
        let report = try #require(Self.read(Self.message(fields: Self.fields), keepHeaders: true).reports.first)
        let headers = try #require(report.originalHeaders)
        #expect(headers.contains("Subject: Your salary slip") && headers.contains("From: \"Payroll\" <payroll@example.com>"))
        #expect(!headers.contains("secret body"))
        let onlyHeaders = try #require(Self.read(Self.message(fields: Self.fields, original: "From: payroll@example.com\nSubject: x",
                                                              originalType: "text/rfc822-headers"), keepHeaders: true).reports.first)
        #expect(onlyHeaders.originalHeaders == "From: payroll@example.com\nSubject: x\n")
    }

    @Test(arguments: [
        ("Source-IP: 203.0.113.77\n", "", ReportError.Code.missingField, "no Source-IP field"),
        ("Source-IP: 203.0.113.77", "Source-IP: somewhere", .impossibleValue, "Source-IP 'somewhere' is not an IP address"),
        ("Feedback-Type: auth-failure\n", "", .missingField, "no Feedback-Type field"),
        ("Reported-Domain: example.com", "Reported-Domain: not a domain!", .impossibleValue, "Reported-Domain 'not a domain!'"),
        ("Arrival-Date: Mon, 30 Nov 2026 23:30:00 -0100", "Arrival-Date: Mon, 30 Nov 1970 23:30:00 -0100", .impossibleValue, "outside 1990..2100"),
    ])
    func brokenFieldsRefuseTheReport(_ remove: String, _ insert: String, _ code: ReportError.Code, _ message: String) throws {
        let fields = Self.fields.replacingOccurrences(of: remove, with: insert)
        let (outcomes, reports) = Self.read(Self.message(fields: fields))
        #expect(reports.isEmpty)
        guard case .failure(let error)? = outcomes.first?.result else { Issue.record("accepted: \(outcomes)"); return }
        #expect(error.code == code && error.message.contains(message), "\(error)")
        #expect(outcomes.first?.kind == .failure)
    }

    @Test func aMissingArrivalDateFallsBackToTheReportsDate() throws {
        let fields = Self.fields.replacingOccurrences(of: "Arrival-Date: Mon, 30 Nov 2026 23:30:00 -0100\n", with: "")
        let report = try #require(Self.read(Self.message(fields: fields)).reports.first)
        #expect(report.arrival == 1_796_119_200)
    }

    @Test func anOversizedFieldIsRefused() {
        let fields = Self.fields + "\nDKIM-Domain: " + String(repeating: "a", count: 5000)
        let (outcomes, _) = Self.read(Self.message(fields: fields))
        guard case .failure(let error)? = outcomes.first?.result else { Issue.record("accepted"); return }
        #expect(error.message.contains("DKIM-Domain field is 5000 bytes long"), "\(error)")
    }

    @Test(arguments: [
        ("Mon, 01 Oct 2018 11:20:27 +0200", Int64(1_538_385_627)), ("1 Oct 2018 09:20 GMT", 1_538_385_600),
        ("Tue, 30 Apr 2019 02:09:00 +0000 (UTC)", 1_556_590_140), ("Fri, 28 Sep 2018 16:48:42 +0800", 1_538_124_522),
    ])
    func rfc5322Dates(_ text: String, _ seconds: Int64) {
        #expect(RFC5322Date.epochSeconds(text) == seconds, "\(text)")
    }

    /// Years past any calendar, and fields that are not numbers, are no date (and trap nothing).
    @Test(arguments: ["Mon, 01 Oct 99999999999999999 11:20:27 +0200", "01 Oct 2018", "32 Oct 2018 10:00 +0000",
                      "29 Feb 2019 10:00 +0000", "01 Foo 2018 10:00 +0000", "01 Oct 2018 25:00 +0000", "01 Oct 2018 aa:bb +0000"])
    func notRFC5322Dates(_ text: String) {
        #expect(RFC5322Date.epochSeconds(text) == nil, "\(text)")
    }
}
