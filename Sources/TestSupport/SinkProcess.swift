import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One loopback receiver of the delivery tests (Tests/AlertingTests/Sinks/*.py), started per test and stopped
/// by pid: its port, and its JSON-lines log of what it received.
public final class SinkProcess: @unchecked Sendable {
    /// Where the receivers live, from the package root.
    public static let directory = SharedData.packageRoot.appendingPathComponent("Tests/AlertingTests/Sinks")
    public static let python = "/usr/bin/python3"

    let process = Process()
    public let port: Int
    public let log: URL

    /// Starts `script` (a file in `directory`) with `--log`, `--ready` and `--port` plus `arguments`, writing
    /// its files in `workDirectory`; returns once it listens (port 0 lets it choose one).
    public init(script: String, arguments: [String], workDirectory: URL, port: Int = 0) throws {
        log = workDirectory.appendingPathComponent("\(script).\(UUID().uuidString).jsonl")
        let ready = workDirectory.appendingPathComponent("\(script).\(UUID().uuidString).ready")
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.directory.appendingPathComponent(script).path, "--log", log.path, "--ready", ready.path,
                             "--port", String(port)] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOf: ready, encoding: .utf8), let port = Int(text) {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        kill(process.processIdentifier, SIGKILL)
        throw SinkError(message: "\(script) did not start (exit \(process.isRunning ? "-" : String(process.terminationStatus)))")
    }

    /// The recorded requests or messages, oldest first.
    public func records() -> [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    public func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        // A watchdog in case the sink ignores SIGTERM; waitUntilExit returns as soon as it is gone.
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 5, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
    }

    deinit { stop() }
}

public struct SinkError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
