import Foundation
import GRDB
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13: SIGHUP with `run --prune` read a broken monitor file as empty and logged
/// `action=removed domain=brightpath.example`. Now the daemon logs the error and keeps the last good state.
@Suite struct DaemonReloadTests {
    @Test func brokenFileOnSighupRemovesNothing() async throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let monitors = root.appendingPathComponent("monitors")
        try FileManager.default.createDirectory(at: monitors, withIntermediateDirectories: true)
        for file in ["acme-widgets.yaml", "brightpath.yaml", "portfolio.yaml"] {
            try FileManager.default.copyItem(atPath: CLIRunner.demoMonitors + "/" + file, toPath: monitors.appendingPathComponent(file).path)
        }
        let database = root.appendingPathComponent("sw.sqlite").path
        let daemon = try DaemonProcess(["monitors", "--prune", "--db", database, "--zone", CLIRunner.demoZones], directory: root)
        defer { daemon.stop() }
        #expect(await daemon.wait { _ in daemon.polls().count >= 4 }, "\(daemon.tail)")

        func reloads() -> Int {
            daemon.lines().filter { ($0["message"] as? String)?.hasPrefix("monitor files not applied") == true }.count
        }
        // A syntax error in brightpath.yaml, then a prune of three of the four domains: both refused.
        try "domain: brightpath.example\nsenders: [ { ip: 203.0.113.10 }\n"
            .write(to: monitors.appendingPathComponent("brightpath.yaml"), atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(await daemon.wait { _ in reloads() == 1 }, "\(daemon.tail)")
        let refusal = daemon.lines().last { ($0["message"] as? String)?.hasPrefix("monitor files not applied") == true }
        #expect((refusal?["problems"] as? String)?.contains("brightpath.yaml:3:1: not valid YAML") == true, "\(refusal ?? [:])")

        try FileManager.default.copyItem(atPath: CLIRunner.demoMonitors + "/brightpath.yaml",
                                         toPath: monitors.appendingPathComponent("restored.yaml").path)
        try FileManager.default.removeItem(at: monitors.appendingPathComponent("brightpath.yaml"))
        try FileManager.default.removeItem(at: monitors.appendingPathComponent("portfolio.yaml"))
        daemon.signal(SIGHUP)
        #expect(await daemon.wait { _ in reloads() == 2 }, "\(daemon.tail)")
        let prune = daemon.lines().last { ($0["message"] as? String)?.hasPrefix("monitor files not applied") == true }
        #expect((prune?["problems"] as? String)?.contains("--prune would remove 2 of the 4 domains") == true, "\(prune ?? [:])")
        #expect(!daemon.lines().contains { $0["action"] as? String == "removed" })

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.tail)")
        let names = try await DatabaseQueue(path: database).read { try String.fetchAll($0, sql: "SELECT name FROM domain ORDER BY name") }
        #expect(names == ["acme-widgets.example", "brightpath.example", "harborline.example", "ledgerly.example"])
    }
}
