import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `Scripts/lossy-dns-proxy` on loopback in front of a real server (NSD): a seeded share of the queries is
/// dropped and another answered SERVFAIL, for fault-injection tests that prove nothing opens, resolves or
/// drifts on unknown evidence.
public final class LossyDNSProxy: @unchecked Sendable {
    public static let script = SharedData.packageRoot.appendingPathComponent("Scripts/lossy-dns-proxy")

    private let child: ChildProcess
    private let directory: URL
    public let port: UInt16
    public var address: String { "127.0.0.1:\(port)" }

    /// The fault counts the proxy reports when it stops.
    public struct Counts: Sendable, Decodable {
        public var queries: Int
        public var dropped: Int
        public var servfail: Int
        public var forwarded: Int
    }

    /// Nil (after saying why) when python3 is missing, except under CI where that throws.
    public static func start(upstream: String, drop: Double, servfail: Double, seed: Int, delayMilliseconds: Int = 0) throws -> LossyDNSProxy? {
        guard let python = try ServerBinaries.locate("python3", package: "python3", candidates: ["/usr/bin/python3"]) else { return nil }
        return try LossyDNSProxy(python: python, upstream: upstream, drop: drop, servfail: servfail, seed: seed,
                                 delay: delayMilliseconds)
    }

    private init(python: String, upstream: String, drop: Double, servfail: Double, seed: Int, delay: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("senderwatch-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ready = directory.appendingPathComponent("port")
        child = try ChildProcess.launch(python, [Self.script.path, "--upstream", upstream, "--drop", String(drop),
                                                 "--servfail", String(servfail), "--seed", String(seed),
                                                 "--delay-ms", String(delay), "--ready", ready.path,
                                                 "--stats", directory.appendingPathComponent("stats.json").path],
                                        output: directory.appendingPathComponent("proxy.log"))
        let deadline = Date().addingTimeInterval(10)
        while true {
            if let text = try? String(contentsOf: ready, encoding: .utf8), let port = UInt16(text) {
                self.port = port
                return
            }
            guard child.isRunning, Date() < deadline else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("proxy.log"), encoding: .utf8)) ?? ""
                child.stop()
                throw NSDServer.LaunchError(message: "the lossy DNS proxy did not start: \(log.suffix(2000))")
            }
            usleep(20_000)
        }
    }

    /// Stops the proxy and returns what it did; nil when it wrote no counts.
    @discardableResult
    public func stop() -> Counts? {
        child.stop()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("stats.json").path) else { return nil }
        return try? JSONDecoder().decode(Counts.self, from: data)
    }

    deinit { child.stop() }
}
