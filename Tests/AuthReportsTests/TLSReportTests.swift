import Foundation
import Testing
@testable import AuthReports

/// SMTP TLS reports (RFC 8460): the RFC's own example, every container they arrive in, and hostile or broken
/// documents, each refused with the JSON path of what is wrong.
@Suite struct TLSReportTests {
    /// RFC 8460 section 4.5's example, its `date-range` moved to 2026.
    static let example = """
    {
      "organization-name": "Company-X",
      "date-range": { "start-datetime": "2026-04-01T00:00:00Z", "end-datetime": "2026-04-01T23:59:59Z" },
      "contact-info": "sts-reporting@company-x.example",
      "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
      "policies": [{
        "policy": {
          "policy-type": "sts",
          "policy-string": ["version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400"],
          "policy-domain": "Company-Y.example.",
          "mx-host": ["*.mail.company-y.example"]
        },
        "summary": { "total-successful-session-count": 5326, "total-failure-session-count": 303 },
        "failure-details": [{
          "result-type": "certificate-expired", "sending-mta-ip": "2001:db8:abcd:0012::1",
          "receiving-mx-hostname": "mx1.mail.company-y.example", "failed-session-count": 100
        }, {
          "result-type": "starttls-not-supported", "sending-mta-ip": "2001:db8:abcd:0013::1",
          "receiving-mx-hostname": "mx2.mail.company-y.example", "receiving-ip": "203.0.113.56",
          "failed-session-count": 200,
          "additional-information": "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported"
        }, {
          "result-type": "validation-failure", "sending-mta-ip": "198.51.100.62", "receiving-ip": "203.0.113.58",
          "receiving-mx-hostname": "mx-backup.mail.company-y.example", "failed-session-count": 3,
          "failure-reason-code": "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"
        }]
      }]
    }
    """

    @Test func theRFCExampleIsReadWhole() throws {
        let report = try TLSReportParser().parse(Array(Self.example.utf8))
        #expect(report.organization == "Company-X" && report.reportID == "5065427c-23d3-47ca-b6e0-946ea0e8c4be")
        #expect(report.contact == "sts-reporting@company-x.example")
        #expect(report.begin == 1_775_001_600 && report.end == 1_775_087_999)
        let policy = try #require(report.policies.first)
        #expect(policy.type == "sts" && policy.domain == "company-y.example" && policy.mxHosts == ["*.mail.company-y.example"])
        #expect(policy.successful == 5326 && policy.failed == 303)
        #expect(policy.failures.map(\.resultType) == ["certificate-expired", "starttls-not-supported", "validation-failure"])
        #expect(policy.failures.map(\.sessions) == [100, 200, 3])
        #expect(policy.failures[0].sendingIP == "2001:db8:abcd:12::1", "addresses are stored canonical")
        #expect(policy.failures[1].receivingIP == "203.0.113.56" && policy.failures[2].reasonCode == "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.summary.messageCount == 5629 && report.summary.recordCount == 1 && report.summary.policy.domain == "company-y.example")
    }

    @Test func everyContainerHoldsIt() throws {
        let json = Array(Self.example.utf8)
        let gzip = Containers.gzip(json)
        let attachment = gzip.withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString(options: .lineLength76Characters)
        let mail = """
        From: noreply-smtp-tls-reporting@company-x.example
        Subject: Report Domain: company-y.example Submitter: company-x.example Report-ID: <5065427c>
        TLS-Report-Domain: company-y.example
        TLS-Report-Submitter: company-x.example
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"

        --b1
        Content-Type: text/plain

        This is an aggregate TLS report from company-x.example
        --b1
        Content-Type: application/tlsrpt+gzip
        Content-Transfer-Encoding: base64
        Content-Disposition: attachment; filename="company-x.example!company-y.example!1775001600!1775087999.json.gz"

        \(attachment)
        --b1--
        """
        let zip = Containers.zip([Containers.ZipEntry(name: "report.json", data: json)])
        for (name, bytes) in [("json", json), ("gzip", gzip), ("mail", Array(mail.utf8)), ("zip", zip)] {
            let outcomes = ReportReader().readAll(DataByteSource(bytes))
            #expect(outcomes.count == 1, "\(name)")
            let outcome = try #require(outcomes.first?.outcome)
            #expect(outcome.kind == .tlsrpt, "\(name): \(outcome)")
            #expect((try? outcome.result.get())?.metadata.reportID == "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "\(name): \(outcome.result)")
        }
    }

    static func mutated(_ edit: (inout [String: Any]) -> Void) -> [UInt8] {
        var object = try! JSONSerialization.jsonObject(with: Data(example.utf8)) as! [String: Any]
        edit(&object)
        return [UInt8](try! JSONSerialization.data(withJSONObject: object))
    }

    static func editPolicy(_ object: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var policies = object["policies"] as! [[String: Any]]
        edit(&policies[0])
        object["policies"] = policies
    }

    static func editFailure(_ object: inout [String: Any], _ key: String, _ value: Any) {
        editPolicy(&object) { policy in
            var details = policy["failure-details"] as! [[String: Any]]
            details[0][key] = value
            policy["failure-details"] = details
        }
    }

    static let refusals: [(name: String, bytes: [UInt8], code: ReportError.Code, message: String)] = [
        ("truncated", Array(example.utf8.prefix(200)), .malformedJSON, "not valid JSON"),
        ("an array", Array("[1, 2]".utf8), .notTLSReport, "not an object"),
        ("another document", Array(#"{"hello": "world"}"#.utf8), .notTLSReport, "not an SMTP TLS report"),
        ("no report id", mutated { $0["report-id"] = nil }, .missingField, "report-id is missing"),
        ("an empty organisation", mutated { $0["organization-name"] = "  " }, .missingField, "organization-name is empty"),
        ("a numeric id", mutated { $0["report-id"] = 7 }, .missingField, "report-id is not a string"),
        ("a date that is no date", mutated { $0["date-range"] = ["start-datetime": "yesterday", "end-datetime": "2026-04-01T23:59:59Z"] },
         .impossibleValue, "date-range.start-datetime 'yesterday' is not an RFC 3339 date-time"),
        ("the range backwards", mutated { $0["date-range"] = ["start-datetime": "2026-04-02T00:00:00Z", "end-datetime": "2026-04-01T23:59:59Z"] },
         .impossibleValue, "ends"),
        ("a year before reports", mutated { $0["date-range"] = ["start-datetime": "1970-01-01T00:00:00Z", "end-datetime": "1970-01-01T23:59:59Z"] },
         .impossibleValue, "outside 1990..2100"),
        ("no policies", mutated { $0["policies"] = [] as [Any] }, .missingField, "policies is empty"),
        ("an unknown policy type", mutated { editPolicy(&$0) { p in p["policy"] = ["policy-type": "magic", "policy-domain": "x.example"] } },
         .impossibleValue, "policies[0].policy.policy-type 'magic'"),
        ("a policy domain that is a URL", mutated { editPolicy(&$0) { p in p["policy"] = ["policy-type": "sts", "policy-domain": "https://x.example/"] } },
         .impossibleValue, "policies[0].policy.policy-domain"),
        ("a negative count", mutated { editPolicy(&$0) { p in p["summary"] = ["total-successful-session-count": -1, "total-failure-session-count": 0] } },
         .impossibleValue, "policies[0].summary.total-successful-session-count -1 is not a count"),
        ("a fractional count", mutated { editPolicy(&$0) { p in p["summary"] = ["total-successful-session-count": 1.5, "total-failure-session-count": 0] } },
         .impossibleValue, "is not a count"),
        ("a count in quotes", mutated { editPolicy(&$0) { p in p["summary"] = ["total-successful-session-count": "5", "total-failure-session-count": 0] } },
         .missingField, "total-successful-session-count is not a number"),
        ("a boolean count", Array(example.replacingOccurrences(of: "\"total-failure-session-count\": 303", with: "\"total-failure-session-count\": true").utf8),
         .missingField, "total-failure-session-count is not a number"),
        ("a count past the ceiling", Array(example.replacingOccurrences(of: "5326", with: "1000000000001").utf8),
         .impossibleValue, "more than 1000000000000 sessions"),
        ("an address that is none", mutated { editFailure(&$0, "sending-mta-ip", "999.1.1.1") }, .impossibleValue,
         "policies[0].failure-details[0].sending-mta-ip '999.1.1.1' is not an IP address"),
        ("a result type with spaces", mutated { editFailure(&$0, "result-type", "drop table") }, .impossibleValue,
         "policies[0].failure-details[0].result-type 'drop table' is not a result type"),
        ("a 2 KB id", mutated { $0["report-id"] = String(repeating: "x", count: 2048) }, .impossibleValue, "2048 bytes long"),
        ("deep nesting", Array(("{\"report-id\": " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}").utf8),
         .limitExceeded, "nests deeper than 8"),
        ("too many policies", mutated { o in o["policies"] = Array(repeating: (o["policies"] as! [Any])[0], count: 1001) },
         .limitExceeded, "1001 entries"),
    ]

    @Test(arguments: refusals.indices)
    func hostileDocumentsAreRefusedWithThePath(_ index: Int) {
        let (name, bytes, code, message) = Self.refusals[index]
        do {
            _ = try TLSReportParser().parse(bytes)
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.code == code, "\(name): \(error)")
            #expect(error.message.contains(message), "\(name): \(error.message)")
        }
    }

    @Test func oddButPossibleValuesAreKeptWithAWarning() throws {
        let unregistered = Self.mutated { Self.editFailure(&$0, "result-type", "quantum-tunnel-failure") }
        let report = try TLSReportParser().parse(unregistered)
        #expect(report.warnings.contains { $0.message.contains("quantum-tunnel-failure is not registered") }, "\(report.warnings)")
        let noContact = try TLSReportParser().parse(Self.mutated { $0["contact-info"] = nil })
        #expect(noContact.contact == nil && noContact.warnings.contains { $0.message.contains("contact-info is missing") })
        let overcount = try TLSReportParser().parse(Array(Self.example.replacingOccurrences(of: "\"total-failure-session-count\": 303",
                                                                                             with: "\"total-failure-session-count\": 3").utf8))
        #expect(overcount.warnings.contains { $0.message.contains("more than total-failure-session-count 3") })
    }

    @Test func aReportPastItsByteLimitIsRefusedWithTheKey() {
        var limits = ReportLimits()
        limits.tlsReportBytes = 100
        let outcomes = ReportReader(limits: limits).readAll(DataByteSource(Array(Self.example.utf8)))
        guard case .failure(let error)? = outcomes.first?.outcome.result else { Issue.record("accepted"); return }
        #expect(error.code == .limitExceeded && error.message.contains("ingest_limits.tlsrpt_bytes"), "\(error)")
    }

    @Test(arguments: [
        ("2026-04-01T00:00:00Z", Int64(1_775_001_600)), ("2026-04-01T02:00:00+02:00", 1_775_001_600),
        ("2026-04-01t00:00:00.123456z", 1_775_001_600), ("2026-03-31T19:00:00-05:00", 1_775_001_600),
        ("2024-02-29T12:00:00Z", 1_709_208_000),
    ])
    func rfc3339Dates(_ text: String, _ seconds: Int64) {
        #expect(RFC3339.epochSeconds(text) == seconds, "\(text)")
    }

    @Test(arguments: ["2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-01 00:00:00", "2026-04-01T00:00:00",
                      "2026-04-01T24:00:00Z", "2026-04-01T00:00:00+0200", "20260401T000000Z", "2026-04-01T00:00:00Z junk"])
    func notRFC3339Dates(_ text: String) {
        #expect(RFC3339.epochSeconds(text) == nil, "\(text)")
    }
}
