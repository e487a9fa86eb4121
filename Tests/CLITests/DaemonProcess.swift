import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `senderwatch run` started from the built binary with JSON logs at debug level, read back line by line;
/// stopped by pid. Every wait is bounded by a generous deadline.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    init(_ arguments: [String], directory: URL, environment: [String: String] = [:]) throws {
        log = directory.appendingPathComponent("daemon-\(UUID().uuidString.prefix(8)).jsonl")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = CLIRunner.binary
        process.arguments = ["run"] + arguments + ["--log-format", "json", "--log-level", "debug"]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SENDERWATCH_DB")
        env.removeValue(forKey: "SENDERWATCH_CONFIG")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Every JSON log line so far, in order.
    func lines() -> [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Poll log lines (`message == "poll"`), optionally of one domain.
    func polls(of domain: String? = nil) -> [[String: Any]] {
        lines().filter { $0["message"] as? String == "poll" && (domain == nil || $0["domain"] as? String == domain) }
    }

    /// Waits until `condition` holds over the log lines; false after `timeout` seconds (the log read once more
    /// past the deadline, `Polling`) or if the daemon died.
    @discardableResult
    func wait(timeout: Double = 90, until condition: ([[String: Any]]) -> Bool) async -> Bool {
        await Polling.until(timeout: timeout, every: 0.1) { () -> Bool? in
            if condition(lines()) { return true }
            // A daemon that died writes no more: what it wrote is the answer.
            return process.isRunning ? nil : condition(lines())
        } ?? false
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit; nil if it did not exit within `timeout` (then it is killed).
    func waitForExit(timeout: Double = 90) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Text of the log, for failure messages: its start (how the daemon came up) and its end.
    var tail: String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard text.count > 6000 else { return text }
        return String(text.prefix(3000)) + "\n[...]\n" + String(text.suffix(3000))
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// The webhook receiver of the alerting tests (Tests/AlertingTests/Sinks/http_sink.py), checking signatures.
enum HTTPSink {
    static func start(directory: URL, secret: String) throws -> SinkProcess {
        try SinkProcess(script: "http_sink.py", arguments: ["--secret", secret], workDirectory: directory)
    }
}

/// Parses Prometheus text with the reference parser (python3-prometheus-client); returns the families as
/// {name: {type, samples: [{name, labels, value}]}} or throws with the parser's complaint.
enum PrometheusText {
    static let script = """
    import json, sys
    from prometheus_client.parser import text_string_to_metric_families
    out = {}
    for family in text_string_to_metric_families(sys.stdin.read()):
        out[family.name] = {"type": family.type, "samples": [
            {"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]}
    print(json.dumps(out, sort_keys=True))
    """

    static var available: Bool {
        CLIRunner.pythonHas("prometheus_client")
    }

    static func parse(_ text: String) throws -> [String: [String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] else {
            throw CLIRunner.CLIError("not valid Prometheus text: \(complaint)")
        }
        return object
    }
}

extension CLIRunner {
    static func pythonHas(_ module: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

}
