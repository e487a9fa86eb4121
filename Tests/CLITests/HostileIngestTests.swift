import CZlib
import Foundation
import GRDB
import Testing
import TestSupport

/// Issue 14's trial through the binary: one `ingest` of a folder of hostile files beside good ones stores
/// every good report, rejects each hostile one with a message naming the report, element and value or the
/// limit, and never traps; a stored extreme value breaks no later `observed`, `poll` or `snapshot`.
@Suite struct HostileIngestTests {
    typealias Workspace = ObservedCommandTests.Workspace
    static let day = 1_795_737_600   // 2026-11-27

    static func report(id: String, begin: String = String(day), end: String = String(day + 86399),
                       org: String = "test.receiver.example", before: String = "", counts: [String] = ["5"]) -> String {
        var text = ObservedCommandTests.report(id: id, begin: day, end: day + 86399,
                                               rows: counts.indices.map { ("192.0.2.\($0 + 1)", 1, "pass", "pass", "none") })
        for (index, count) in counts.enumerated() {
            text = text.replacingOccurrences(of: "<source_ip>192.0.2.\(index + 1)</source_ip><count>1</count>",
                                             with: "<source_ip>192.0.2.\(index + 1)</source_ip><count>\(count)</count>")
        }
        return text.replacingOccurrences(of: "<begin>\(day)</begin>", with: "<begin>\(begin)</begin>")
            .replacingOccurrences(of: "<end>\(day + 86399)</end>", with: "<end>\(end)</end>")
            .replacingOccurrences(of: "<org_name>test.receiver.example</org_name>", with: "<org_name>\(org)</org_name>")
            .replacingOccurrences(of: "</policy_published>", with: "</policy_published>\(before)")
    }

    /// `chunk` compressed once and repeated as gzip members (RFC 1952 allows any number): gigabytes inflated
    /// from a few megabytes, built in milliseconds.
    static func gzipMembers(head: String, chunk: [UInt8], times: Int, tail: String) -> Data {
        var out = Data(gzip(Array(head.utf8)))
        let member = Data(gzip(chunk))
        for _ in 0..<times { out.append(member) }
        out.append(Data(gzip(Array(tail.utf8))))
        return out
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        var input = bytes
        input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress; stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress; stream.avail_out = UInt32(outBuf.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            }
        }
        return Array(out[..<Int(stream.total_out)])
    }

    func write(_ ws: Workspace, _ name: String, _ data: Data) throws {
        let url = ws.root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    @Test func theTrialBatchStoresTheGoodReportsAndNamesEachHostileOne() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let max = "9223372036854775807"
        let files: [(String, String)] = [
            ("a-good.xml", Self.report(id: "good-1")),
            ("b-begin-1e19.xml", Self.report(id: "h-begin", begin: "1e19")),
            ("c-three-max-counts.xml", Self.report(id: "h-max3", counts: [max, max, max])),
            ("d-one-max-count.xml", Self.report(id: "h-max1", counts: [max])),
            ("e-nested-200k.xml", Self.report(id: "h-nest", before: String(repeating: "<x>", count: 200_000) + String(repeating: "</x>", count: 200_000))),
            ("f-count-1e23.xml", Self.report(id: "h-1e23", counts: ["100000000000000000000000"])),
            ("g-dated-2100.xml", Self.report(id: "h-2100", begin: "4102358400", end: "4102444799")),
            ("h-spread.xml", Self.report(id: "h-spread", begin: "1", end: "9999999999")),
            ("i-nested-10k.xml", Self.report(id: "h-n10k", before: (0..<10_000).map { "<n\($0)>" }.joined() + (0..<10_000).reversed().map { "</n\($0)>" }.joined())),
            ("j-org-50mb.xml", Self.report(id: "h-org", org: String(repeating: "B", count: 50_000_000))),
            ("z-good.xml", Self.report(id: "good-2", counts: ["7"])),
        ]
        for (name, text) in files { _ = try ws.write("in/\(name)", text) }
        // 2 GiB of junk elements and a 1 GB org_name, each in a gzip of about a megabyte.
        let junk = Array(String(repeating: "<junk>x</junk>", count: 1 << 20 / 14).utf8)
        let head = Self.report(id: "h-junk").components(separatedBy: "<record>")[0]
        try write(ws, "in/k-junk-2g.xml.gz", Self.gzipMembers(head: head, chunk: junk, times: 2048, tail: "</feedback>"))
        try write(ws, "in/l-org-1g.xml.gz", Self.gzipMembers(head: "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>",
                                                             chunk: [UInt8](repeating: 0x41, count: 1 << 20), times: 1024,
                                                             tail: "</org_name></report_metadata></feedback>"))
        let output = try ws.run(["ingest", "--json", ws.root.appendingPathComponent("in").path])
        #expect(output.status == 2, "\(output.stderr)")
        let lines = try ObservedCommandTests.lines(output)
        let byFile = Dictionary(uniqueKeysWithValues: lines.map { (URL(fileURLWithPath: $0["file"] as? String ?? "").lastPathComponent, $0) })
        #expect(byFile.count == 13)
        #expect(byFile["a-good.xml"]?["status"] as? String == "ingested")
        #expect(byFile["z-good.xml"]?["status"] as? String == "ingested")
        let expected: [(String, [String])] = [
            ("b-begin-1e19.xml", ["impossibleValue", "'h-begin'", "date_range/begin", "'1e19'"]),
            ("c-three-max-counts.xml", ["impossibleValue", "'h-max3'", "record 1", "<record/row/count>", max]),
            ("d-one-max-count.xml", ["impossibleValue", "'h-max1'", max]),
            ("e-nested-200k.xml", ["limitExceeded", "ingest_limits.element_depth"]),
            ("f-count-1e23.xml", ["impossibleValue", "100000000000000000000000"]),
            ("g-dated-2100.xml", ["'h-2100'", "4102444799"]),
            ("h-spread.xml", ["impossibleValue", "'h-spread'", "date_range/begin", "'1'"]),
            ("i-nested-10k.xml", ["limitExceeded", "ingest_limits.element_depth", "'h-n10k'"]),
            ("j-org-50mb.xml", ["limitExceeded", "ingest_limits.text_bytes", "report_metadata/org_name"]),
            ("k-junk-2g.xml.gz", ["limitExceeded", "ingest_limits.inflate_ratio"]),
            // The text limit stops it first, a megabyte in.
            ("l-org-1g.xml.gz", ["limitExceeded", "ingest_limits.text_bytes", "report_metadata/org_name"]),
        ]
        for (file, parts) in expected {
            let line = byFile[file]
            let error = line?["error"] as? String ?? ""
            #expect(line?["status"] as? String == "rejected", "\(file): \(String(describing: line))")
            for part in parts { #expect(error.contains(part), "\(file): '\(part)' not in \(error)") }
            #expect(error.utf8.count < 1000, "\(file): the message is short")
        }
        let observed = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"])
        #expect(try observed.json()["totals"].flatMap { ($0 as? [String: Any])?["messages"] as? Int } == 12)
    }

    @Test func storedExtremeValuesBreakNoLaterCommand() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        #expect(try ws.run(["apply", CLIRunner.demoMonitors]).status == 0)
        #expect(try ws.run(["ingest", ObservedCommandTests.demoReports]).status == 0)
        // As a database written before counts were bounded could hold them.
        try DatabaseQueue(path: ws.database).write { db in
            try db.execute(sql: "UPDATE observed_sender SET messages = 9223372036854775807")
            try db.execute(sql: "UPDATE report SET messages = 9223372036854775807")
        }
        let observed = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"])
        #expect(observed.status == 0 || observed.status == 1, "\(observed.stderr)")
        let totals = try observed.json()["totals"] as? [String: Any]
        #expect(totals?["messages"] as? Int == 1_000_000_000_000, "sums saturate at 10^12: \(String(describing: totals))")
        let poll = try ws.run(["poll", "--all", "--zone", CLIRunner.demoZones])
        #expect(poll.status == 0 || poll.status == 1, "\(poll.stdout)\(poll.stderr)")
        #expect(!poll.stdout.contains("integer overflow") && !poll.stderr.contains("integer overflow"))
        for format in ["json", "csv", "html"] {
            let out = ws.root.appendingPathComponent("snap.\(format)").path
            let snapshot = try ws.run(["snapshot", "--format", format, "--zone", CLIRunner.demoZones, "--out", out])
            #expect(snapshot.status == 0 || snapshot.status == 1, "\(format): \(snapshot.stderr)")
            #expect(FileManager.default.fileExists(atPath: out), "\(format)")
        }
        // A line already at the ceiling takes more without overflowing.
        let later = try ws.write("later.xml", Self.report(id: "more", counts: ["5"]))
        #expect(try ws.run(["ingest", later]).status == 0)
    }

    /// A FIFO below a directory would block the batch forever (nothing ever writes to it): only regular files
    /// are read there.
    @Test func aFIFOInAFolderIsNotRead() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        _ = try ws.write("in/report.xml", Self.report(id: "beside-fifo"))
        #expect(mkfifo(ws.root.appendingPathComponent("in/pipe.xml").path, 0o600) == 0)
        let output = try ws.run(["ingest", "--json", ws.root.appendingPathComponent("in").path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(try ObservedCommandTests.lines(output).map { $0["reportId"] as? String } == ["beside-fifo"])
    }

    @Test func aLimitFromTheSettingsFileApplies() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let settings = try ws.write("settings.yaml", "settings:\n  ingest_limits:\n    records: 1\n")
        let path = try ws.write("two.xml", Self.report(id: "two", counts: ["1", "2"]))
        let output = try ws.run(["ingest", "--json", "--config", settings, path])
        #expect(output.status == 2)
        let line = try #require(try ObservedCommandTests.lines(output).first)
        #expect((line["error"] as? String)?.contains("more than 1 records") == true, "\(line)")
        #expect((line["error"] as? String)?.contains("ingest_limits.records") == true)
    }
}
