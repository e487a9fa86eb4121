import Foundation
import Testing
@testable import AuthReports

/// Containers built in the test: MIME messages with base64 and quoted-printable parts, an mbox of two messages,
/// a truncated gzip, and a streamed report far larger than any buffer.
struct ContainerTests {
    let xml = ToleranceTests.report("")

    func message(_ part: String, encoding: String, subject: String = "Report domain: example.com") -> String {
        """
        From: dmarc@reporter.example\r
        Subject: \(subject)\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r
        --b1\r
        Content-Type: text/plain\r
        \r
        This is an aggregate report.\r
        --b1\r
        Content-Type: application/xml; name="report.xml"\r
        Content-Transfer-Encoding: \(encoding)\r
        \r
        \(part)\r
        --b1--\r

        """
    }

    @Test func base64AttachmentInAMessage() {
        let body = Data(xml).base64EncodedString(options: .lineLength76Characters)
        let outcomes = ReportReader().readAll(DataByteSource(Array(message(body, encoding: "base64").utf8)))
        #expect(outcomes.count == 1)
        #expect(outcomes.first?.records.count == 1)
        #expect(outcomes.first?.outcome.location == "attachment report.xml")
    }

    @Test func quotedPrintableAttachmentsInAnMbox() {
        let qp = String(decoding: xml, as: UTF8.self).replacingOccurrences(of: "=", with: "=3D")
            .replacingOccurrences(of: "<record>", with: "<rec=\r\nord>")
        let one = message(qp, encoding: "quoted-printable")
        let mbox = "From dmarc@reporter.example Mon Jan  1 00:00:00 2024\n" + one + "\nFrom x@y Tue Jan  2 00:00:00 2024\n" + one
        let outcomes = ReportReader().readAll(DataByteSource(Array(mbox.utf8)))
        #expect(outcomes.count == 2)
        #expect(outcomes.allSatisfy { $0.records.count == 1 })
        #expect(outcomes.map(\.outcome.location) == ["message 1, attachment report.xml", "message 2, attachment report.xml"])
    }

    @Test func truncatedGzipIsRefused() throws {
        guard let url = try SharedDataShim.nice("nice-input.xml.gz") else { try Test.cancel("shared data absent (set SENDERWATCH_SHARED)") }
        let bytes = Array(try Data(contentsOf: url))
        let outcomes = ReportReader().read(DataByteSource(Array(bytes.prefix(bytes.count / 2)))) { _, _ in }
        guard case .failure(let error)? = outcomes.first?.result else { Issue.record("accepted"); return }
        #expect(error.code == .decompression || error.code == .malformedXML, "\(error)")
    }

    /// 50,000 records generated on the fly: the parser must see them all without holding the document.
    @Test func largeReportStreams() throws {
        let source = GeneratedReport(records: 50_000)
        var records = 0
        var messages = 0
        let summary = try AggregateReportParser().parse(source) { records += 1; messages += $0.count }
        #expect(summary.recordCount == 50_000 && records == 50_000 && messages == 100_000)
        #expect(source.peakChunk <= 64 * 1024)
    }
}

enum SharedDataShim {
    static func nice(_ name: String) throws -> URL? {
        try TestSupportBridge.url("conformance/dmarc-reports/aggregate/parsedmarc/extract_report/\(name)")
    }
}

import TestSupport
enum TestSupportBridge {
    static func url(_ relative: String) throws -> URL? { try SharedData.url(relative) }
}

/// Emits a report record by record; it never holds more than one record's text.
final class GeneratedReport: ByteSource {
    private let total: Int
    private var produced = 0
    private var pending: [UInt8] = Array(String(decoding: ToleranceTests.report("", records: ""), as: UTF8.self)
        .replacingOccurrences(of: "</feedback>", with: "").utf8)
    private var closed = false
    private(set) var peakChunk = 0

    init(records: Int) { total = records }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if pending.isEmpty {
            if produced < total {
                let octet = produced % 250 + 1
                pending = Array(ToleranceTests.record(ip: "198.51.\(produced / 250 % 250).\(octet)", count: 2).utf8)
                produced += 1
            } else if !closed {
                pending = Array("</feedback>\n".utf8)
                closed = true
            } else { return 0 }
        }
        let n = min(buffer.count, pending.count)
        pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
        pending.removeFirst(n)
        peakChunk = max(peakChunk, buffer.count)
        return n
    }
}
