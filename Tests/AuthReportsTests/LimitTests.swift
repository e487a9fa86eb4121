import Foundation
import Testing
@testable import AuthReports

/// Every `ReportLimits` limit, at the limit (read) and one past it (refused with `limitExceeded`, the
/// message naming the settings key). Small limits keep the inputs small; the code paths are the defaults'.
struct LimitTests {
    static func report(records: Int = 1, orgName: String = "Reporter", before: String = "") -> [UInt8] {
        var bytes = ToleranceTests.report(before, records: String(repeating: ToleranceTests.record(), count: records))
        if orgName != "Reporter" {
            bytes = Array(String(decoding: bytes, as: UTF8.self)
                .replacingOccurrences(of: "<org_name>Reporter<", with: "<org_name>\(orgName)<").utf8)
        }
        return bytes
    }

    static func read(_ bytes: [UInt8], _ configure: (inout ReportLimits) -> Void) -> [Result<ReportSummary, ReportError>] {
        var limits = ReportLimits()
        configure(&limits)
        return ReportReader(limits: limits).read(DataByteSource(bytes)) { _, _ in }.map(\.result)
    }

    /// One outcome, and it read the report.
    static func accepted(_ results: [Result<ReportSummary, ReportError>]) -> Bool {
        results.count == 1 && (try? results[0].get()) != nil
    }

    /// The last outcome is a refusal for passing the limit `key`.
    static func refused(_ results: [Result<ReportSummary, ReportError>], _ key: String) -> Bool {
        guard case .failure(let error)? = results.last else { return false }
        return error.code == .limitExceeded && error.message.contains("ingest_limits.\(key)")
    }

    @Test func reportBytes() {
        let xml = Self.report()
        #expect(Self.accepted(Self.read(xml) { $0.reportBytes = xml.count }))
        #expect(Self.refused(Self.read(xml) { $0.reportBytes = xml.count - 1 }, "report_bytes"))
    }

    @Test func inflatedBytes() {
        let xml = Self.report(records: 20)
        let gz = Containers.gzip(xml)
        #expect(Self.accepted(Self.read(gz) { $0.inflatedBytes = xml.count }))
        #expect(Self.refused(Self.read(gz) { $0.inflatedBytes = xml.count - 1 }, "inflated_bytes"))
    }

    /// A bomb: a report padded with 6 MiB of white space (cheap to scan) compresses about a thousand times.
    /// The ratio is checked as the bytes come out, so the smallest limit that lets it through is at least its
    /// overall ratio, and one less refuses it.
    @Test func inflateRatio() {
        let padding = String(repeating: String(repeating: " ", count: 512 << 10) + "<!---->", count: 12)
        let xml = Self.report(before: padding)
        let gz = Containers.gzip(xml)
        let overall = xml.count / gz.count
        #expect(overall > 200, "the default refuses it: \(overall)")
        #expect(Self.refused(Self.read(gz) { _ in }, "inflate_ratio"))
        var low = 1, high = 2_000
        #expect(Self.accepted(Self.read(gz) { $0.inflateRatio = high }))
        while low < high {
            let middle = (low + high) / 2
            if Self.accepted(Self.read(gz) { $0.inflateRatio = middle }) { high = middle } else { low = middle + 1 }
        }
        #expect(low >= overall, "accepted at \(low), below the overall ratio \(overall)")
        #expect(Self.accepted(Self.read(gz) { $0.inflateRatio = low }))
        #expect(Self.refused(Self.read(gz) { $0.inflateRatio = low - 1 }, "inflate_ratio"))
    }

    /// The schema nests five deep (feedback/record/auth_results/dkim/domain).
    @Test func elementDepth() {
        let xml = Self.report()
        #expect(Self.accepted(Self.read(xml) { $0.elementDepth = 5 }))
        #expect(Self.refused(Self.read(xml) { $0.elementDepth = 4 }, "element_depth"))
        // 200,000 nested unknown elements stop at the default depth, whatever follows.
        let deep = Self.report(before: String(repeating: "<x>", count: 200_000) + String(repeating: "</x>", count: 200_000))
        #expect(Self.refused(Self.read(deep) { _ in }, "element_depth"))
    }

    /// A tag's bytes are those between its angle brackets; comments and declarations count the same way.
    @Test func elementBytes() {
        let tag = "stray a=\"" + String(repeating: "v", count: 200 - 10) + "\""
        #expect(tag.utf8.count == 200)
        let xml = Self.report(before: "<\(tag)/>")
        #expect(Self.accepted(Self.read(xml) { $0.elementBytes = 201 }), "the / of an empty tag counts")
        #expect(Self.refused(Self.read(xml) { $0.elementBytes = 200 }, "element_bytes"))
        let comment = Self.report(before: "<!--" + String(repeating: "c", count: 300) + "-->")
        #expect(Self.accepted(Self.read(comment) { $0.elementBytes = 300 }))
        #expect(Self.refused(Self.read(comment) { $0.elementBytes = 299 }, "element_bytes"))
    }

    @Test func textBytes() {
        let xml = Self.report(orgName: String(repeating: "R", count: 300))
        #expect(Self.accepted(Self.read(xml) { $0.textBytes = 300 }))
        let refused = Self.read(xml) { $0.textBytes = 299 }
        #expect(Self.refused(refused, "text_bytes"))
        if case .failure(let error)? = refused.last {
            #expect(error.message.contains("report_metadata/org_name"), "names the element: \(error)")
        }
        // Split over CDATA and text, the element's text is counted whole.
        let split = Self.report(orgName: String(repeating: "R", count: 150) + "<![CDATA[" + String(repeating: "S", count: 150) + "]]>")
        #expect(Self.accepted(Self.read(split) { $0.textBytes = 300 }))
        #expect(Self.refused(Self.read(split) { $0.textBytes = 299 }, "text_bytes"))
    }

    @Test func records() {
        let xml = Self.report(records: 7)
        #expect(Self.accepted(Self.read(xml) { $0.records = 7 }))
        #expect(Self.refused(Self.read(xml) { $0.records = 6 }, "records"))
    }

    static func message(_ attachment: [UInt8]) -> [UInt8] {
        let body = Data(attachment).base64EncodedString(options: .lineLength76Characters)
        return Array(ContainerTests().message(body, encoding: "base64").utf8)
    }

    @Test func messageBytes() {
        let mail = Self.message(Self.report())
        #expect(Self.accepted(Self.read(mail) { $0.messageBytes = mail.count }))
        #expect(Self.refused(Self.read(mail) { $0.messageBytes = mail.count - 1 }, "message_bytes"))
    }

    /// `depth` multiparts, each inside the one before, the report at the bottom.
    static func nested(depth: Int, extraParts: Int = 0) -> [UInt8] {
        var body = "Content-Type: application/xml\r\n\r\n" + String(decoding: Self.report(), as: UTF8.self) + "\r\n"
        for level in (0..<depth).reversed() {
            let extra = String(repeating: "--b\(level)\r\nContent-Type: text/plain\r\n\r\nnote\r\n", count: level == 0 ? extraParts : 0)
            body = "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n\(extra)--b\(level)\r\n\(body)--b\(level)--\r\n"
        }
        return Array(("From: r@reporter.example\r\nSubject: report\r\nMIME-Version: 1.0\r\n" + body).utf8)
    }

    @Test func mimeDepth() {
        let mail = Self.nested(depth: 4)
        #expect(Self.accepted(Self.read(mail) { $0.mimeDepth = 4 }))
        #expect(Self.refused(Self.read(mail) { $0.mimeDepth = 3 }, "mime_depth"))
    }

    /// The message itself, its one multipart level and its leaves all count.
    @Test func mimeParts() {
        let mail = Self.nested(depth: 1, extraParts: 5)
        #expect(Self.accepted(Self.read(mail) { $0.mimeParts = 7 }))
        #expect(Self.refused(Self.read(mail) { $0.mimeParts = 6 }, "mime_parts"))
    }

    @Test func mboxMessages() {
        let one = String(decoding: Self.message(Self.report()), as: UTF8.self)
        let mbox = Array((0..<3).map { "From r@reporter.example Mon Jan  \($0 + 1) 00:00:00 2024\n" + one }.joined(separator: "\n").utf8)
        let read = Self.read(mbox) { $0.mboxMessages = 3 }
        #expect(read.count == 3 && read.allSatisfy { (try? $0.get()) != nil })
        let refused = Self.read(mbox) { $0.mboxMessages = 2 }
        #expect(refused.count == 3 && refused.prefix(2).allSatisfy { (try? $0.get()) != nil }, "the first two are read")
        #expect(Self.refused(refused, "mbox_messages"))
    }

    /// The header section counts up to and including its empty line.
    @Test func headerBytes() {
        let mail = Self.message(Self.report())
        let section = String(decoding: mail, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0].utf8.count + 4
        #expect(Self.accepted(Self.read(mail) { $0.headerBytes = section }))
        #expect(Self.refused(Self.read(mail) { $0.headerBytes = section - 1 }, "header_bytes"))
    }

    @Test func zipEntries() {
        let entries = (0..<4).map { Containers.ZipEntry(name: "r\($0).xml", data: ToleranceTests.report("")) }
        let archive = Containers.zip(entries)
        let read = Self.read(archive) { $0.zipEntries = 4 }
        #expect(read.count == 4 && read.allSatisfy { (try? $0.get()) != nil })
        let refused = Self.read(archive) { $0.zipEntries = 3 }
        #expect(refused.count == 4 && refused.prefix(3).allSatisfy { (try? $0.get()) != nil })
        #expect(Self.refused(refused, "zip_entries"))
    }

    /// Checked against the size the header declares, and as the bytes stream by when it declares none.
    @Test func zipEntryBytes() {
        let xml = Self.report()
        for descriptor in [false, true] {
            let archive = Containers.zip([.init(name: "r.xml", data: xml, descriptor: descriptor)])
            #expect(Self.accepted(Self.read(archive) { $0.zipEntryBytes = xml.count }), "descriptor \(descriptor)")
            #expect(Self.refused(Self.read(archive) { $0.zipEntryBytes = xml.count - 1 }, "zip_entry_bytes"), "descriptor \(descriptor)")
        }
        // A header that understates its size is caught as the bytes stream by.
        let lying = Containers.zip([.init(name: "r.xml", data: xml, declaredSize: 10)])
        #expect(Self.refused(Self.read(lying) { $0.zipEntryBytes = xml.count - 1 }, "zip_entry_bytes"))
    }

    @Test func everyLimitHasASettingsKeyAndADefaultAboveRealReports() {
        let limits = ReportLimits()
        #expect(ReportLimits.keys.count == 15)
        #expect(Set(ReportLimits.keys.map(\.key)).count == 15)
        // The benchmark's one-million-record report (683 MB of XML) must pass.
        #expect(limits.reportBytes > 683_000_000 && limits.records >= 1_000_000)
        for (key, path) in ReportLimits.keys { #expect(limits[keyPath: path] > 0, "\(key)") }
    }
}
