import Audit
import AuthReports
import Foundation
import Inventory
import Testing

/// SMTP TLS reports and failure reports in the store: stored once per reporter and id (a re-send is a
/// duplicate, other content a conflict), spread over the days they cover, read back as the judge's windows;
/// a failure report's source is counted into the observed senders. Each test runs on both kinds of store.
@Suite struct TLSReportIngestTests {
    static let day: Int64 = 1_796_083_200   // 2026-12-01T00:00:00Z

    static func report(id: String = "t-1", begin: Int64 = day, days: Int64 = 1, successful: Int = 990,
                       failures: [(type: String, mx: String, sessions: Int)] = [("certificate-expired", "mx1.example.com", 10)]) -> [UInt8] {
        func time(_ seconds: Int64) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
        let details = failures.map { (failure: (type: String, mx: String, sessions: Int)) -> String in
            let mx = failure.mx.isEmpty ? "" : #", "receiving-mx-hostname": "\#(failure.mx)""#
            return #"{"result-type": "\#(failure.type)"\#(mx), "failed-session-count": \#(failure.sessions)}"#
        }.joined(separator: ", ")
        let failed = failures.reduce(0) { $0 + $1.sessions }
        return Array("""
            {"organization-name": "Sender Org", "contact-info": "tls@sender.example", "report-id": "\(id)",
             "date-range": {"start-datetime": "\(time(begin))", "end-datetime": "\(time(begin + days * 86400 - 1))"},
             "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.com", "mx-host": ["mx1.example.com"]},
                           "summary": {"total-successful-session-count": \(successful), "total-failure-session-count": \(failed)},
                           "failure-details": [\(details)]}]}
            """.utf8)
    }

    static func facts(_ store: InventoryStore, now: Int64 = day + 86400) async throws -> TLSReportFacts? {
        try store.upsertDomain(DomainRow(name: "example.com", intervalSeconds: 3600), senders: [], now: now)
        let row = try #require(try store.domain(named: "example.com"))
        return try await store.facts(for: [row], thresholds: ObservedThresholds(), now: now).first?.facts.tlsReports
    }

    @Test(arguments: StoreKind.allCases)
    func storedOnceAndReadBackAsWindows(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = try #require(try store.ingestReports(DataByteSource(Self.report()), file: "t.json", now: Self.day + 86400).first)
            #expect(first.status == .ingested && first.kind == .tlsrpt, "\(first)")
            let reformatted = Array(String(decoding: Self.report(), as: UTF8.self).replacingOccurrences(of: "\n", with: "\n    ").utf8)
            let again = try #require(try store.ingestReports(DataByteSource(reformatted), file: "t-again.json",
                                                             now: Self.day + 86400).first)
            #expect(again.status == .duplicate && again.digest == first.digest, "the same report laid out otherwise is a duplicate")
            let changed = try #require(try store.ingestReports(DataByteSource(Self.report(successful: 5)), file: "t2.json",
                                                               now: Self.day + 86400).first)
            #expect(changed.status == .conflict && changed.error?.contains("stored already with other content") == true, "\(changed)")
            let facts = try #require(try await Self.facts(store))
            #expect(facts.lastDay == "2026-12-01" && facts.windowStart == "2026-11-25" && facts.before == nil)
            #expect(facts.recent.successful == 990 && facts.recent.failures == ["certificate-expired": ["mx1.example.com": 10]])
            #expect(facts.recent.reporters == ["Sender Org"])
            // 1% failed: the judge opens a warning naming the MX.
            let findings = TLSReportFindings.findings(domain: "example.com", facts: facts)
            #expect(findings.map(\.kind) == [.tlsrptFailures] && findings.first?.severity == .warning)
            #expect(findings.first?.subject == "certificate-expired")
            #expect(findings.first?.message.contains("10 of 1000 inbound TLS session(s) (1%) failed with certificate-expired at mx1.example.com (10)") == true,
                    "\(findings.first?.message ?? "")")
            #expect(findings.first?.fix == "renew the TLS certificate of mx1.example.com")
            // The settings' thresholds move the floor and the error share.
            #expect(TLSReportFindings.findings(domain: "example.com", facts: facts, thresholds: .init(minSessions: 11)).isEmpty)
            #expect(TLSReportFindings.findings(domain: "example.com", facts: facts, thresholds: .init(minShare: 0.02)).isEmpty)
            #expect(TLSReportFindings.findings(domain: "example.com", facts: facts,
                                               thresholds: .init(minShare: 0.005, errorShare: 0.01)).first?.severity == .error)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRiseIsMeasuredAgainstTheWeekBefore(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            // Three days a week earlier with 1 failure in 1,000; then a day with 300 in 1,000, spread by day.
            let old = try store.ingestReports(DataByteSource(Self.report(id: "old", begin: Self.day - 9 * 86400, days: 3, successful: 2999,
                                                                   failures: [("sts-policy-fetch-error", "", 1)])),
                                        file: "old.json", now: Self.day + 86400)
            let new = try store.ingestReports(DataByteSource(Self.report(id: "new", successful: 700,
                                                                   failures: [("sts-policy-fetch-error", "", 300)])),
                                        file: "new.json", now: Self.day + 86400)
            #expect((old + new).map(\.status) == [.ingested, .ingested], "\(old + new)")
            let facts = try #require(try await Self.facts(store))
            #expect(facts.firstDay == "2026-11-22")
            let before = try #require(facts.before)
            #expect(before.total == 3000 && before.failed("sts-policy-fetch-error") == 1)
            let finding = try #require(TLSReportFindings.findings(domain: "example.com", facts: facts).first)
            #expect(finding.severity == .error, "30% is past the error share")
            #expect(finding.message.hasSuffix("; 0% in the 7 days before") || finding.message.contains("in the 7 days before"), "\(finding.message)")
            #expect(finding.fix?.contains("https://mta-sts.example.com/.well-known/mta-sts.txt") == true)
            // Below the floor nothing opens.
            var quiet = facts
            quiet.recent.failures = ["sts-policy-fetch-error": ["": 4]]
            #expect(TLSReportFindings.findings(domain: "example.com", facts: quiet).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReportFromTheFutureIsRejected(_ kind: StoreKind) throws {
        try withStore(kind) { store in
            let result = try #require(try store.ingestReports(DataByteSource(Self.report(begin: Self.day + 3 * 86400)), file: "f.json",
                                                              now: Self.day).first)
            #expect(result.status == .rejected && result.error?.contains("after today") == true, "\(result)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFailureReportCountsItsSourceOnce(_ kind: StoreKind) throws {
        try withStore(kind) { store in
            let message = Array("""
                From: <dmarc-noreply@receiver.example>
                Date: Tue, 01 Dec 2026 10:00:00 +0000
                Message-ID: <report-77@receiver.example>
                Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

                --arf
                Content-Type: message/feedback-report

                Feedback-Type: auth-failure
                Arrival-Date: Tue, 01 Dec 2026 09:00:00 +0000
                Source-IP: 203.0.113.77
                Reported-Domain: example.com
                Auth-Failure: dmarc
                Delivery-Result: spam
                --arf--
                """.utf8)
            let first = try #require(try store.ingestReports(DataByteSource(message), file: "f.eml", now: Self.day + 86400).first)
            #expect(first.status == .ingested && first.kind == .failure, "\(first)")
            let again = try #require(try store.ingestReports(DataByteSource(message), file: "f.eml", now: Self.day + 86400).first)
            #expect(again.status == .duplicate)
            let sources = try store.observedSources(domain: "example.com")
            #expect(sources.count == 1)
            #expect(sources.first?.sourceIP == "203.0.113.77" && sources.first?.messages == 1)
            #expect(sources.first?.reporters == ["receiver.example (failure report)"] && sources.first?.dispositions == ["quarantine": 1])
        }
    }
}
