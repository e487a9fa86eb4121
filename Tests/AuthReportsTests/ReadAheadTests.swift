import Foundation
import Synchronization
import Testing
import TestSupport
@testable import AuthReports

/// Reading ahead (`RecordedInput`, `ReadAhead`): a recorded input replayed into a consumer makes exactly the
/// calls, with exactly the outcomes, that reading the input directly into that consumer makes, including
/// when the consumer refuses a header, a record or a whole TLS or failure report; recordings past their bounds
/// are given up; `ReadAhead` hands results over in order and never works more than its window ahead.
@Suite struct ReadAheadTests {
    /// Writes down every call; refuses what `refuse` says, with a `ReportError` or another error.
    final class Log: ReportConsumer {
        enum Refusal: Sendable { case none, header(Int), record(Int), tls, failure, everyHeader }
        struct Other: Error, CustomStringConvertible { var description: String { "the store is full" } }
        let refuse: Refusal
        var lines: [String] = []
        var records = 0
        init(_ refuse: Refusal = .none) { self.refuse = refuse }

        func reportBegins(part: Int, header: ReportSummary) throws {
            lines.append("begin \(part) \(header.metadata.reportID) \(header.metadata.begin) \(header.recordCount)")
            switch refuse {
            case .header(let p) where p == part: throw ReportError(.impossibleValue, "header of part \(part) refused")
            case .everyHeader: throw Other()
            default: break
            }
        }

        func record(part: Int, _ record: AggregateRecord) throws {
            records += 1
            lines.append("record \(part) \(record.sourceIP) \(record.count) \(record.dkimResults.map(\.domain)) \(record.spf)")
            if case .record(let n) = refuse, n == records { throw Other() }
        }

        func reportEnds(_ outcome: ReportOutcome) {
            let result: String
            switch outcome.result {
            case .success(let summary): result = "ok \(summary.recordCount) \(summary.messageCount) \(summary.warnings)"
            case .failure(let error): result = "error \(error)"
            }
            lines.append("end \(outcome.part) \(outcome.location ?? "-") \(outcome.container) \(outcome.kind) \(result)")
        }

        func tlsReport(part: Int, _ report: TLSReport) throws {
            lines.append("tls \(part) \(report.summary.metadata.reportID)")
            if case .tls = refuse { throw Other() }
        }

        func failureReport(part: Int, _ report: FailureReport) throws {
            lines.append("failure \(part) \(report.sourceIP) \(report.reportedDomain)")
            if case .failure = refuse { throw ReportError(.rejectedByConsumer, "failure reports are refused here") }
        }
    }

    static func inputs() throws -> [(name: String, bytes: [UInt8])] {
        var inputs: [(String, [UInt8])] = []
        if let folder = try SharedData.url("conformance/dmarc-reports") {
            for file in ConformanceReportTests.table.map(\.file) {
                inputs.append((file, [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))))
            }
        }
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Monitors/demo/reports")
        for file in try FileManager.default.contentsOfDirectory(atPath: demo.path).sorted() {
            inputs.append((file, [UInt8](try Data(contentsOf: demo.appendingPathComponent(file)))))
        }
        // An mbox of three reports, the middle one broken, and a zip of two.
        let report = { (id: String) in Array("""
            <?xml version="1.0"?>
            <feedback><report_metadata><org_name>r.example</org_name><email>a@r.example</email><report_id>\(id)</report_id>
            <date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>
            <policy_published><domain>example.com</domain><p>none</p></policy_published>
            <record><row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated><disposition>none</disposition>
            <dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>
            <auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
            <spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>
            <record><row><source_ip>2001:DB8::1</source_ip><count>1</count><policy_evaluated><disposition>none</disposition>
            <dkim>fail</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>
            <auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>
            </feedback>
            """.utf8) }
        func message(_ body: [UInt8]) -> [UInt8] {
            Array("From r@r.example Tue Nov 14 00:00:00 2023\nFrom: r@r.example\nSubject: Report\nContent-Type: application/xml\n\n".utf8)
                + body + Array("\n\n".utf8)
        }
        inputs.append(("mbox", message(report("m1")) + message(Array(report("m2").prefix(300))) + message(report("m3"))))
        inputs.append(("zip", Containers.zip([Containers.ZipEntry(name: "a.xml", data: report("z1")),
                                              Containers.ZipEntry(name: "b.xml.gz", data: Containers.gzip(report("z2")), deflated: false)])))
        return inputs
    }

    static func direct(_ bytes: [UInt8], _ refuse: Log.Refusal) -> [String] {
        let log = Log(refuse)
        _ = ReportReader().read(DataByteSource(bytes), into: log)
        return log.lines
    }

    static func replayed(_ bytes: [UInt8], _ refuse: Log.Refusal) throws -> [String] {
        let recorded = try #require(RecordedInput.record(DataByteSource(bytes), reader: ReportReader()))
        let log = Log(refuse)
        _ = recorded.replay(into: log)
        return log.lines
    }

    @Test(arguments: [Log.Refusal.none, .header(0), .header(1), .record(1), .record(2), .tls, .failure, .everyHeader])
    func aReplayIsTheDirectRead(_ refuse: Log.Refusal) throws {
        let inputs = try Self.inputs()
        #expect(inputs.count >= 5)
        var differing: [String] = []
        for (name, bytes) in inputs {
            let direct = Self.direct(bytes, refuse)
            if try Self.replayed(bytes, refuse) != direct { differing.append(name) }
            #expect(!direct.isEmpty, "\(name)")
        }
        #expect(differing.isEmpty, "replay differs from the direct read for \(differing)")
    }

    @Test func refusalsBecomeTheOutcome() throws {
        let mbox = try #require(try Self.inputs().first { $0.name == "mbox" }).bytes
        let lines = try Self.replayed(mbox, .header(0))
        #expect(lines.contains { $0.hasPrefix("end 0 message 1") && $0.contains("error impossibleValue: header of part 0 refused") },
                "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("record 0") })
        #expect(lines.contains { $0.hasPrefix("record 2 192.0.2.1") }, "the reports after the refused one go on: \(lines)")
        let other = try Self.replayed(mbox, .everyHeader)
        #expect(other.filter { $0.contains("error rejectedByConsumer: the store is full") }.count == 2, "\(other)")
    }

    @Test func recordingsPastTheirBoundsAreGivenUp() throws {
        let mbox = try #require(try Self.inputs().first { $0.name == "mbox" }).bytes
        #expect(RecordedInput.record(DataByteSource(mbox), reader: ReportReader(), maximumRecords: 3) == nil)
        #expect(RecordedInput.record(DataByteSource(mbox), reader: ReportReader(), maximumRecords: 4)?.recordCount == 4)
        #expect(RecordedInput.record(DataByteSource(mbox), reader: ReportReader(), maximumEvents: 5) == nil)
        // Given up early: the source is not read to its end.
        let big = Array("<feedback><report_metadata><org_name>r</org_name><report_id>x</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata><policy_published><domain>example.com</domain></policy_published>".utf8)
            + Array(repeating: Array("<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record>".utf8), count: 50_000).flatMap { $0 }
            + Array("</feedback>".utf8)
        let source = CountingSource(big)
        #expect(RecordedInput.record(source, reader: ReportReader(), maximumRecords: 100) == nil)
        #expect(source.served < big.count / 4, "\(source.served) of \(big.count) bytes read")
    }

    final class CountingSource: ByteSource {
        let inner: DataByteSource
        var served = 0
        init(_ bytes: [UInt8]) { inner = DataByteSource(bytes) }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(4096)))
            served += n
            return n
        }
    }

    @Test func readAheadHandsResultsOverInOrderWithinItsWindow() {
        let started = Mutex<[Int]>([])
        let taken = Mutex(0)
        let furthest = Mutex(0)
        let ahead = ReadAhead(count: 300, threads: 3, window: 5) { index in
            let lead = index - taken.withLock { $0 }
            furthest.withLock { $0 = max($0, lead) }
            started.withLock { $0.append(index) }
            usleep(UInt32.random(in: 0...300))
            return index * index
        }
        defer { ahead.close() }
        for index in 0..<300 {
            #expect(ahead.take(index) == index * index)
            taken.withLock { $0 = index + 1 }
        }
        #expect(Set(started.withLock { $0 }) == Set(0..<300))
        // `taken` here trails the pool's own count by at most one item, hence the window plus one.
        #expect(furthest.withLock { $0 } <= 6, "worked \(furthest.withLock { $0 }) items ahead with a window of 5")
    }

    @Test func closingEarlyJoinsTheThreads() {
        let done = Mutex(0)
        let ahead = ReadAhead(count: 1000, threads: 2, window: 4) { index in
            usleep(1000)
            done.withLock { $0 += 1 }
            return index
        }
        #expect(ahead.take(0) == 0)
        ahead.close()
        let after = done.withLock { $0 }
        usleep(20_000)
        #expect(done.withLock { $0 } == after, "no work after close")
        #expect(after <= 6)
    }
}
