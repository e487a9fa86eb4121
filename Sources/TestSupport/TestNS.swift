import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `ldns-testns` (Debian `ldnsutils`) on 127.0.0.1, serving canned answers from a data file: the
/// failures a real authoritative server will not produce on demand (SERVFAIL, REFUSED, a late answer, a
/// truncated UDP answer whose full form comes only over TCP). See `man ldns-testns` for the format and
/// `Tests/Fixtures/zones/testns/failures.testns` for the entries the tests use.
///
/// ldns-testns is one process answering one query at a time: an entry with `ADJUST sleep=N` holds up
/// every query behind it for N seconds, which a test that times out on purpose must wait out.
public final class TestNS: @unchecked Sendable {
    public let port: UInt16
    private let child: ChildProcess
    private let logFile: URL

    public var pid: Int32 { child.pid }
    /// For `Nameserver(parsing:)`.
    public var address: String { "127.0.0.1:\(port)" }

    /// Starts ldns-testns on a free port and waits until it answers `probeName` (any RCODE counts, so
    /// the probe name should have an entry). Returns nil (after printing why) when ldns-testns is not
    /// installed, except under CI, where that throws.
    public static func start(dataFile: URL, probeName: String) throws -> TestNS? {
        guard let program = try ServerBinaries.locate("ldns-testns", package: "ldnsutils",
                                                      candidates: ["/usr/bin/ldns-testns", "/usr/local/bin/ldns-testns"]) else { return nil }
        var lastError: Error = NSDServer.LaunchError(message: "ldns-testns did not start")
        for _ in 0..<3 {
            do { return try TestNS(program: program, dataFile: dataFile, probeName: probeName) } catch { lastError = error }
        }
        throw lastError
    }

    private init(program: String, dataFile: URL, probeName: String) throws {
        guard FileManager.default.fileExists(atPath: dataFile.path) else {
            throw NSDServer.LaunchError(message: "ldns-testns data file not found: \(dataFile.path)")
        }
        guard let port = LoopbackPorts.freePort() else { throw NSDServer.LaunchError(message: "no free loopback port") }
        self.port = port
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("senderwatch-testns-\(UUID().uuidString).log")
        child = try ChildProcess.launch(program, ["-p", String(port), dataFile.path], output: logFile)
        let deadline = Date().addingTimeInterval(5)
        while LoopbackPorts.probe(port: port, name: probeName, type: 16) == nil {
            guard child.isRunning, Date() < deadline else {
                let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
                child.stop()
                throw NSDServer.LaunchError(message: "ldns-testns on port \(port) did not answer within 5 s: \(log.suffix(2000))")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    /// Stops ldns-testns by pid. Safe to call twice.
    public func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: logFile)
    }
}
