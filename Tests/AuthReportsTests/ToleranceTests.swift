import Foundation
import Testing
@testable import AuthReports

/// Oddities real reporters send (seen by parsedmarc's issue tracker and in the shared samples), each repaired
/// and reported as a warning; and damage that must be refused with a reason.
struct ToleranceTests {
    static func report(_ xml: String, records: String = Self.record(), namespace: String? = nil) -> [UInt8] {
        let ns = namespace.map { " xmlns=\"\($0)\"" } ?? ""
        return Array("""
        <?xml version="1.0" encoding="UTF-8"?>
        <feedback\(ns)>\(xml)<report_metadata><org_name>Reporter</org_name><email>r@reporter.example</email>
        <report_id>id-1</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range>
        </report_metadata><policy_published><domain>Example.com</domain><p>reject</p><pct>100</pct></policy_published>
        \(records)</feedback>
        """.utf8)
    }

    static func record(ip: String = "192.0.2.1", count: Int = 3, dkim: String = "pass", spf: String = "fail") -> String {
        """
        <record><row><source_ip>\(ip)</source_ip><count>\(count)</count><policy_evaluated><disposition>none</disposition>
        <dkim>\(dkim)</dkim><spf>\(spf)</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>
        </identifiers><auth_results><dkim><domain>example.com</domain><result>\(dkim)</result></dkim>
        <spf><domain>crm.example.net</domain><scope>mfrom</scope><result>softfail</result></spf></auth_results></record>
        """
    }

    static func parse(_ bytes: [UInt8]) throws -> AggregateReport {
        try AggregateReportParser().parse(DataByteSource(bytes))
    }

    @Test func readsEveryField() throws {
        let report = try Self.parse(Self.report(""))
        #expect(report.summary.metadata.orgName == "Reporter")
        #expect(report.summary.metadata.begin == 1_700_000_000 && report.summary.metadata.end == 1_700_086_399)
        #expect(report.summary.policy.domain == "example.com" && report.summary.policy.p == "reject" && report.summary.policy.pct == 100)
        let record = try #require(report.records.first)
        #expect(record.sourceIP == "192.0.2.1" && record.count == 3 && record.dkimAligned && !record.spfAligned)
        #expect(record.spfResults == [{ var s = SPFAuthResult(); s.domain = "crm.example.net"; s.scope = "mfrom"; s.result = "softfail"; return s }()])
        #expect(report.summary.warnings.isEmpty, "\(report.summary.warnings)")
    }

    @Test func readsTheDMARC2Namespace() throws {
        let report = try Self.parse(Self.report("", namespace: ReportSchema.dmarc2Namespace))
        #expect(report.summary.schema == .dmarc2 && report.records.count == 1)
    }

    @Test func prefixedElementsAreRead() throws {
        let xml = "<d:feedback xmlns:d=\"\(ReportSchema.dmarc2Namespace)\"><d:report_metadata><d:org_name>o</d:org_name><d:report_id>r</d:report_id><d:date_range><d:begin>1700000000</d:begin><d:end>1700086399</d:end></d:date_range></d:report_metadata><d:policy_published><d:domain>example.com</d:domain></d:policy_published></d:feedback>"
        let report = try Self.parse(Array(xml.utf8))
        #expect(report.summary.schema == .dmarc2 && report.summary.metadata.reportID == "r")
    }

    @Test func invalidUTF8IsReplacedAndWarned() throws {
        var bytes = Self.report("")
        let at = bytes.firstIndex(of: UInt8(ascii: "R"))!   // inside <org_name>Reporter
        bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: at)
        let report = try Self.parse(bytes)
        #expect(report.summary.metadata.orgName == "\u{FFFD}(\u{FFFD}Reporter")
        #expect(report.summary.warnings.map(\.code) == [.invalidUTF8])
    }

    @Test func upperCaseResultsAndStrayElementsAreWarned() throws {
        let report = try Self.parse(Self.report("<stray>x</stray>", records: Self.record(dkim: "PASS", spf: "Fail")))
        #expect(report.records.first?.dkim == "pass" && report.records.first?.spf == "fail")
        let codes = Set(report.summary.warnings.map(\.code))
        #expect(codes == [.upperCaseResult, .unknownElement])
    }

    @Test func wrapperAndNoNewlineAfterDeclaration() throws {
        var text = String(decoding: Self.report(""), as: UTF8.self)
        text = text.replacingOccurrences(of: "?>\n<feedback>", with: "?><xs:schema xmlns:xs=\"x\"><feedback>")
        let report = try Self.parse(Array(text.utf8))
        #expect(report.records.count == 1)
        #expect(Set(report.summary.warnings.map(\.code)) == [.declarationWithoutNewline, .strayElement, .trailingGarbage])
    }

    @Test func brokenInputIsRefusedWithAReason() {
        #expect(throws: ReportError.self) { try Self.parse([]) }
        let truncated = Array(Self.report("").prefix(300))
        #expect { try Self.parse(truncated) } throws: { ($0 as? ReportError)?.code == .malformedXML && ($0 as? ReportError)?.line != nil }
        let notFeedback = Array("<?xml version=\"1.0\"?><html><body/></html>".utf8)
        #expect { try Self.parse(notFeedback) } throws: { ($0 as? ReportError)?.code == .notAggregateReport }
        let noID = Array(String(decoding: Self.report(""), as: UTF8.self).replacingOccurrences(of: "id-1", with: "").utf8)
        #expect { try Self.parse(noID) } throws: { ($0 as? ReportError)?.code == .missingField }
    }

    @Test func unknownBytesAreRefusedByTheReader() {
        let outcomes = ReportReader().read(DataByteSource([0x00, 0x01, 0x02, 0x03])) { _, _ in }
        guard case .failure(let error)? = outcomes.first?.result else { Issue.record("not refused"); return }
        #expect(error.code == .unknownFormat)
    }
}
