import Foundation
import Testing
import TestSupport
@testable import AuthReports

/// Every file in ../shared/conformance/dmarc-reports (parsedmarc's and dmarc-report-viewer's samples).
/// Expected counts were computed independently with Python's ElementTree, gzip, zipfile and email modules
/// (records = number of <record>, messages = sum of <row><count>; ikea.com, which ElementTree refuses, by
/// counting `<record>` and `<count>` with a regular expression); failures are the deliberately broken
/// samples, the RFC 9990 example, whose date is impossible, and the one failure report without its
/// machine-readable part. The four failure reports in ARF (RFC 6591) are read for their source, domain and
/// verdicts, the values read off the files by hand.
struct ConformanceReportTests {
    enum Expected {
        case report(records: Int, messages: Int, reportID: String)
        case rejected(ReportError.Code)
        case failure(source: String, domain: String, reporter: String, delivery: String?, authFailure: [String])
    }


    static let table: [(file: String, expected: Expected)] = [
        ("aggregate/dmarc-report-viewer/acme.xml", .report(records: 1, messages: 2, reportID: "9391651994964116463")),
        ("aggregate/dmarc-report-viewer/gmxnet.xml", .report(records: 1, messages: 1, reportID: "6d2be94cbabf4e838a3cf58fb4a42ab5")),
        ("aggregate/dmarc-report-viewer/google.xml", .report(records: 1, messages: 1, reportID: "3166094538684628578")),
        ("aggregate/dmarc-report-viewer/hardfail.xml", .report(records: 1, messages: 1, reportID: "abcdef")),
        ("aggregate/dmarc-report-viewer/mailru.xml", .report(records: 1, messages: 1, reportID: "28327321193681154911721360800")),
        ("aggregate/dmarc-report-viewer/solamora.xml", .report(records: 1, messages: 2, reportID: "9391651994964116463")),
        ("aggregate/parsedmarc/!example.com!1538204542!1538463818.xml", .report(records: 1, messages: 1, reportID: "example.com:1538463741")),
        ("aggregate/parsedmarc/!large-example.com!1711897200!1711983600.xml", .report(records: 2286, messages: 2286, reportID: "example.com:1711897200")),
        ("aggregate/parsedmarc/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml", .report(records: 1, messages: 1, reportID: "949348866075514174")),
        ("aggregate/parsedmarc/addisonfoods.com!example.com!1536105600!1536191999.xml", .report(records: 1, messages: 1, reportID: "3ceb5548498640beaeb47327e202b0b9")),
        ("aggregate/parsedmarc/empty.xml", .rejected(.empty)),
        ("aggregate/parsedmarc/empty_reason.xml", .report(records: 1, messages: 2, reportID: "20240125141224705995")),
        ("aggregate/parsedmarc/example.net!example.com!1529366400!1529452799.xml", .report(records: 1, messages: 1, reportID: "b043f0e264cf4ea995e93765242f6dfb")),
        // ElementTree refuses it (an unclosed <xs:schema> wraps <feedback>); tolerated here with a warning.
        ("aggregate/parsedmarc/ikea.com!example.de!1538690400!1538776800.xml", .report(records: 1, messages: 1, reportID: "aggr_report_2018_10_05_5bc7e9b4f3e8a")),
        ("aggregate/parsedmarc/invalid_xml.xml", .rejected(.malformedXML)),
        ("aggregate/parsedmarc/old_draft_from_wiki.xml", .report(records: 1, messages: 2, reportID: "9391651994964116463")),
        ("aggregate/parsedmarc/protection.outlook.com!example.com!1711756800!1711843200.xml", .report(records: 1, messages: 1, reportID: "cfeafefe4129445e8c81018bd9177197")),
        // The RFC's own example is dated 1979-08-07, before any aggregate report could exist (ReportValues).
        ("aggregate/parsedmarc/rfc9990-sample.xml", .rejected(.impossibleValue)),
        ("aggregate/parsedmarc/veeam.com!example.com!1530133200!1530219600.xml", .report(records: 1, messages: 1, reportID: "sonexushealth.com:1530233361")),
        ("aggregate/parsedmarc/aggregate_invalid/report_with_upper_cased_pass.xml", .report(records: 1, messages: 1, reportID: "aggr_report_example.com_20191202_1638")),
        ("aggregate/parsedmarc/extract_report/changed-input.xml", .report(records: 20, messages: 3047, reportID: "11038226378739404135")),
        ("aggregate/parsedmarc/extract_report/nice-input.xml", .report(records: 20, messages: 3047, reportID: "11038226378739404135")),
        ("aggregate/parsedmarc/extract_report/nice-input.xml.gz", .report(records: 20, messages: 3047, reportID: "11038226378739404135")),
        ("aggregate/parsedmarc/extract_report/nice-input.xml.zip", .report(records: 20, messages: 3047, reportID: "11038226378739404135")),
        // Delivery-Result smg-policy-action is no registered value: read as other, with a warning.
        ("forensic/parsedmarc/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml",
         .failure(source: "10.10.10.10", domain: "domain.de", reporter: "domain.de", delivery: "other", authFailure: ["dmarc"])),
        // The feedback part is base64; it names no Auth-Failure.
        ("forensic/parsedmarc/[Netease DMARC Failure Report] Rent Reminder.eml",
         .failure(source: "167.89.69.24", domain: "cardinal.com", reporter: "163.com", delivery: "delivered", authFailure: [])),
        ("forensic/parsedmarc/dmarc_ruf_report_linkedin.crlf.eml",
         .failure(source: "10.10.10.10", domain: "example.com", reporter: "linkedin.com", delivery: "delivered", authFailure: ["dmarc"])),
        ("forensic/parsedmarc/dmarc_ruf_report_linkedin.eml",
         .failure(source: "10.10.10.10", domain: "example.com", reporter: "linkedin.com", delivery: "delivered", authFailure: ["dmarc"])),
        ("forensic/parsedmarc/exim_plain_text_only_no_arf_part.eml", .rejected(.failureReport)),
    ]

    @Test func everySampleParsesOrIsRejectedWithAReason() throws {
        guard let folder = try SharedData.url("conformance/dmarc-reports") else { try Test.cancel("shared data absent (set SENDERWATCH_SHARED)") }
        let onDisk = Set((FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
            .filter { !(try! folder.appendingPathComponent($0).resourceValues(forKeys: [.isDirectoryKey]).isDirectory ?? false) })
        #expect(onDisk == Set(Self.table.map(\.file)), "the table must list every sample file")
        var parsed = 0, rejected = 0, unexpected = 0
        for (file, expected) in Self.table {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            if case let .failure(source, domain, reporter, delivery, authFailure) = expected {
                let collector = FailureCollector()
                let outcomes = ReportReader().read(DataByteSource(data), into: collector)
                let report = collector.reports.first
                let ok = outcomes.count == 1 && outcomes.first?.kind == .failure && collector.reports.count == 1
                    && report?.sourceIP == source && report?.reportedDomain == domain && report?.reporter == reporter
                    && report?.deliveryResult == delivery && report?.authFailure == authFailure
                    && report?.originalHeaders == nil
                #expect(ok, "\(file): \(outcomes.map(\.result)) \(String(describing: report))")
                if ok { parsed += 1 } else { unexpected += 1 }
                continue
            }
            let outcomes = ReportReader().readAll(DataByteSource(data))
            #expect(outcomes.count == 1, "\(file): one report expected, got \(outcomes.count)")
            guard let (outcome, records) = outcomes.first else { unexpected += 1; continue }
            switch (expected, outcome.result) {
            case let (.report(count, messages, reportID), .success(summary)):
                let ok = summary.recordCount == count && records.count == count && summary.messageCount == messages
                    && records.reduce(0) { $0 + $1.count } == messages
                    && summary.metadata.reportID == reportID
                #expect(ok, "\(file): \(summary.recordCount) records, \(summary.messageCount) messages, id \(summary.metadata.reportID)")
                if ok { parsed += 1 } else { unexpected += 1 }
            case let (.rejected(code), .failure(error)):
                #expect(error.code == code, "\(file): \(error)")
                #expect(!error.message.isEmpty)
                if error.code == code { rejected += 1 } else { unexpected += 1 }
            case let (_, result):
                Issue.record("\(file): expected \(expected), got \(result)")
                unexpected += 1
            }
        }
        print("dmarc-reports: \(parsed) parsed, \(rejected) rejected as expected, \(unexpected) unexpected")
        #expect(unexpected == 0)
    }
}
