import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `run --http-listen`: the dashboard beside the scheduler, with clients that open connections and never
/// finish a request. The poller goes on polling (a domain added on SIGHUP is polled at once) while they hang,
/// and the server closes them after its idle timeout.
@Suite struct DashboardDaemonTests {
    @Test func slowClientsDoNotStallThePoller() async throws {
        guard let server = try DashboardBrowserTests.startNSD() else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("sw.sqlite").path
        let monitor = root.appendingPathComponent("monitor.yaml")
        try "domains:\n  - domain: good.dash.test\n".write(to: monitor, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess([monitor.path, "--db", database, "--resolver", server.address, "--http-listen", "127.0.0.1:0"],
                                       directory: root)
        defer { daemon.signal(SIGTERM); _ = daemon.process.isRunning ? nil : 0 }
        let listening = await daemon.wait { lines in lines.contains { $0["message"] as? String == "dashboard listening" } }
        #expect(listening, "the dashboard started beside the scheduler")
        guard let url = daemon.lines().first(where: { $0["message"] as? String == "dashboard listening" })?["url"] as? String,
              let port = URLComponents(string: url)?.port else { Issue.record("no dashboard URL in the log"); return }
        #expect(await daemon.wait { _ in !daemon.polls(of: "good.dash.test").isEmpty })

        // Eighty connections (more than the server admits at once), each with half a request line.
        var sockets: [Int32] = []
        for _ in 0..<80 {
            guard let socket = try? HTTPExchange.connect(port: UInt16(port)) else { continue }
            _ = Glibc.send(socket, Array("GET / HT".utf8), 8, Int32(MSG_NOSIGNAL))
            sockets.append(socket)
        }
        defer { for socket in sockets { close(socket) } }
        #expect(sockets.count >= 64)

        let added = Date()
        try "domains:\n  - domain: good.dash.test\n  - domain: crm.dash.test\n".write(to: monitor, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(await daemon.wait(timeout: 30) { _ in !daemon.polls(of: "crm.dash.test").isEmpty },
                "a domain added while the dashboard's connections hang is polled")
        print("dashboard beside the daemon: the new domain was polled \(String(format: "%.2f", Date().timeIntervalSince(added))) s after SIGHUP with \(sockets.count) stalled connections")

        // The idle timeout (15 s) closes the stalled connections; the dashboard answers again.
        let answered = await Polling.until(timeout: 40, every: 0.5) { () -> Bool? in
            guard let exchange = try? await HTTPExchange.send(url + "api/domains"), exchange.status == 200,
                  (try? exchange.json()["total"] as? Int) == 2 else { return nil }
            return true
        } ?? false
        #expect(answered, "the dashboard serves again once the stalled connections are closed")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "a clean stop with the dashboard in the service group")
    }
}
