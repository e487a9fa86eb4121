import Foundation
import Testing
@testable import AuthReports

/// Numbers, dates and texts no real report holds (issue 14's trial inputs among them): each impossible one
/// rejects the report with a message naming the report id, the element and the value; an implausible one is
/// kept with a warning; nothing traps.
struct HostileValueTests {
    static func report(begin: String = "1700000000", end: String = "1700086399", counts: [String] = ["3"],
                       before: String = "") -> [UInt8] {
        let records = counts.map { ToleranceTests.record().replacingOccurrences(of: "<count>3</count>", with: "<count>\($0)</count>") }
        let text = String(decoding: ToleranceTests.report(before, records: records.joined()), as: UTF8.self)
            .replacingOccurrences(of: "<begin>1700000000</begin>", with: "<begin>\(begin)</begin>")
            .replacingOccurrences(of: "<end>1700086399</end>", with: "<end>\(end)</end>")
        return Array(text.utf8)
    }

    static func error(_ bytes: [UInt8]) -> ReportError? {
        do { _ = try AggregateReportParser().parse(DataByteSource(bytes)); return nil } catch { return error }
    }

    @Test(arguments: [
        // (begin, end, what the message must name)
        ("1e19", "1700086399", "'1e19'"),
        ("-1e300", "1700086399", "'-1e300'"),
        ("1", "9999999999", "'1'"),
        ("631151999", "631238399", "'631151999'"),          // 1989-12-31T23:59:59Z
        ("1700000000", "4102444801", "'4102444801'"),       // 2100-01-01T00:00:01Z
        ("9223372036854775807", "9223372036854775807", "'9223372036854775807'"),
    ])
    func impossibleDates(_ begin: String, _ end: String, _ shown: String) throws {
        let error = try #require(Self.error(Self.report(begin: begin, end: end)))
        #expect(error.code == .impossibleValue, "\(error)")
        #expect(error.message.contains(shown) && error.message.contains("report 'id-1'")
                && error.message.contains("date_range"), "\(error)")
    }

    @Test func theEdgesOfTheDateRangeAreRead() throws {
        let early = try ToleranceTests.parse(Self.report(begin: "631152000", end: "631238399"))
        #expect(early.summary.metadata.begin == 631_152_000)
        let late = try ToleranceTests.parse(Self.report(begin: "4102358400", end: "4102444800"))
        #expect(late.summary.metadata.end == 4_102_444_800)
        let fraction = try ToleranceTests.parse(Self.report(begin: "1700000000.0", end: "1.7000863e9"))
        #expect(fraction.summary.metadata.begin == 1_700_000_000 && fraction.summary.metadata.end == 1_700_086_300)
    }

    @Test func rangesLongerThanAYearAreRefusedAndLongOnesWarned() throws {
        let year = Self.error(Self.report(begin: "1700000000", end: String(1_700_000_000 + 367 * 86400)))
        #expect(year?.code == .impossibleValue && year?.message.contains("367 days") == true, "\(String(describing: year))")
        let reversed = Self.error(Self.report(begin: "1700086399", end: "1700000000"))
        #expect(reversed?.code == .impossibleValue && reversed?.message.contains("reversed") == true)
        let month = try ToleranceTests.parse(Self.report(begin: "1700000000", end: String(1_700_000_000 + 40 * 86400)))
        #expect(month.summary.warnings.contains { $0.code == .implausibleValue && $0.message.contains("40 days") })
    }

    @Test(arguments: [
        ["9223372036854775807"],
        ["9223372036854775807", "9223372036854775807", "9223372036854775807"],
        ["100000000000000000000000"],
        ["1000000000001"],
        ["-5"],
        ["12abc"],
        [""],
    ])
    func impossibleCounts(_ counts: [String]) throws {
        let error = try #require(Self.error(Self.report(counts: counts)))
        #expect(error.code == .impossibleValue, "\(error)")
        let value = counts[0]
        #expect(error.message.contains("report 'id-1', record 1") && error.message.contains("<record/row/count>")
                && error.message.contains("'\(value)'"), "\(error)")
    }

    @Test func countsAtTheCeilingAreKeptWithAWarningAndTheirSumIsChecked() throws {
        let one = try ToleranceTests.parse(Self.report(counts: ["1000000000000"]))
        #expect(one.summary.messageCount == 1_000_000_000_000)
        #expect(one.summary.warnings.contains { $0.code == .implausibleValue && $0.message.contains("1000000000000") })
        let two = try #require(Self.error(Self.report(counts: ["600000000000", "600000000000"])))
        #expect(two.code == .impossibleValue && two.message.contains("record 2") && two.message.contains("together"), "\(two)")
    }

    @Test func namesLongerThanAnyRealOneAreRefusedAndFreeTextIsCut() throws {
        let longID = String(repeating: "i", count: 1025)
        let refused = try #require(Self.error(Array(String(decoding: Self.report(), as: UTF8.self)
            .replacingOccurrences(of: "<report_id>id-1</report_id>", with: "<report_id>\(longID)</report_id>").utf8)))
        #expect(refused.code == .impossibleValue && refused.message.contains("report_metadata/report_id")
                && refused.message.contains("1025 bytes"), "\(refused)")
        #expect(!refused.message.contains(longID), "the value is never echoed whole")
        let comment = String(repeating: "c", count: 5000)
        let cut = try ToleranceTests.parse(Array(String(decoding: Self.report(), as: UTF8.self)
            .replacingOccurrences(of: "</email>", with: "</email><extra_contact_info>\(comment)</extra_contact_info>").utf8))
        #expect(cut.summary.metadata.extraContactInfo?.utf8.count == ReportValues.maximumFreeTextBytes)
        #expect(cut.summary.warnings.contains { $0.code == .truncated })
    }

    /// Ten thousand distinct unknown elements (the trial's 100 MB of warnings): twenty warnings and a count.
    @Test func warningsAreCappedAndShort() throws {
        let junk = (0..<10_000).map { "<junk\($0)>\(String(repeating: "x", count: 10))</junk\($0)>" }.joined()
        let long = "<" + String(repeating: "n", count: 5000) + "/>"
        let report = try ToleranceTests.parse(Self.report(before: long + junk))
        let warnings = report.summary.warnings
        #expect(warnings.count <= WarningList.maximum + 2, "\(warnings.count)")
        #expect(warnings.allSatisfy { $0.message.utf8.count <= WarningList.maximumMessageBytes + 3 })
        #expect(warnings.contains { $0.message.contains("more warning(s) of this kind not shown") })
        #expect(report.records.count == 1)
    }

    @Test func repeatedElementsAreKeptUpToTheirCap() throws {
        let dkim = String(repeating: "<dkim><domain>example.com</domain><result>pass</result></dkim>", count: 40)
        let text = String(decoding: Self.report(), as: UTF8.self).replacingOccurrences(of: "<auth_results>", with: "<auth_results>\(dkim)")
        let report = try ToleranceTests.parse(Array(text.utf8))
        #expect(report.records[0].dkimResults.count == FeedbackHandler.maximumRepeated)
        #expect(report.summary.warnings.contains { $0.code == .truncated && $0.message.contains("<dkim>") })
    }

    @Test func aPercentageOutsideItsRangeIsIgnored() throws {
        let text = String(decoding: Self.report(), as: UTF8.self).replacingOccurrences(of: "<pct>100</pct>", with: "<pct>250</pct>")
        let report = try ToleranceTests.parse(Array(text.utf8))
        #expect(report.summary.policy.pct == nil)
        #expect(report.summary.warnings.contains { $0.code == .badNumber && $0.message.contains("'250'") })
    }

    @Test func valueReadersCheckEveryStep() {
        #expect(ReportValues.count(Array("1000000000000".utf8)) == .value(1_000_000_000_000))
        #expect(ReportValues.count(Array("1000000000001".utf8)) == .outOfRange)
        #expect(ReportValues.count(Array(String(repeating: "9", count: 400).utf8)) == .outOfRange)
        #expect(ReportValues.count(Array(String(repeating: "9", count: 400).utf8) + [0x41]) == .notANumber)
        #expect(ReportValues.date("nan") == .notANumber && ReportValues.date("inf") == .notANumber)
        #expect(ReportValues.addMessages(Int.max, 1) == nil)
        #expect(ReportValues.saturatingMessages(Int.max, Int.max) == ReportValues.maximumMessages)
        #expect(ReportValues.saturatingMessages(5, 7) == 12)
    }
}
