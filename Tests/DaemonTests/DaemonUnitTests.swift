import Daemon
import Foundation
import Logging
import Synchronization
import Testing

/// The daemon's small parts in process: JSON log lines and the textfile written atomically.
@Suite struct DaemonUnitTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func jsonLogLinesAreOneSortedObjectEach() throws {
        let captured = Lines()
        var handler = JSONLogHandler(label: "senderwatch") { captured.append($0) }
        handler.logLevel = .info
        handler[metadataKey: "run"] = "7"
        let configured = handler
        let logger = Logger(label: "senderwatch", factory: { _ in configured })
        let metadata: Logger.Metadata = ["domain": "example.com", "count": .stringConvertible(3), "tags": ["a", "b"]]
        logger.info("poll", metadata: metadata)
        logger.debug("hidden below the level")
        let lines = captured.all
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "poll")
        #expect(object["level"] as? String == "info")
        #expect(object["domain"] as? String == "example.com")
        #expect(object["count"] as? Int == 3)
        #expect(object["tags"] as? [String] == ["a", "b"])
        #expect(object["run"] as? String == "7")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        // Keys sorted, so two runs produce byte-identical lines for identical events (time aside).
        let keys = ["count", "domain", "level", "logger", "message", "run", "tags", "time"]
        let positions = keys.map { line.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test func textfileIsReplacedAtomically() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-textfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("senderwatch.prom").path
        try MetricsExport.writeTextfile(target, text: "a 1\n")
        try MetricsExport.writeTextfile(target, text: "a 2\n")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "a 2\n")
        // No temporary file left behind for the collector to pick up.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["senderwatch.prom"])
        #expect(throws: MetricsFileError.self) {
            try MetricsExport.writeTextfile(directory.appendingPathComponent("missing/dir/x.prom").path, text: "")
        }
    }
}
