import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `senderwatch run` against NSD with intervals of seconds: drift and its webhook after an NSD reload,
/// SIGTERM in the middle of polls, SIGHUP with a new monitor, and /metrics read by the reference parser.
@Suite struct DaemonNSDTests {
    static let parent = PollNSDTests.parent

    static func zone(origin: String, records: [(String, String)]) -> NSDServer.Zone {
        var text = "$TTL 60\n\(origin). IN SOA ns1.\(origin). hostmaster.\(origin). 1 3600 600 86400 60\n"
        text += "\(origin). IN NS ns1.\(origin).\nns1.\(origin). IN A 127.0.0.1\n"
        for (owner, value) in records { text += "\(owner). IN TXT \"\(value)\"\n" }
        return NSDServer.Zone(origin: origin, text: text)
    }

    static func driftZone(crmSPF: String) -> NSDServer.Zone {
        zone(origin: "daemon.test", records: [
            ("good.daemon.test", "v=spf1 ip4:192.0.2.10 -all"),
            ("_dmarc.good.daemon.test", "v=DMARC1; p=reject"),
            ("crm.daemon.test", crmSPF),
            ("_dmarc.crm.daemon.test", "v=DMARC1; p=reject"),
        ])
    }

    static func metricsAddress(_ daemon: DaemonProcess) async -> String? {
        var address: String?
        await daemon.wait(timeout: 60) { lines in
            address = lines.first { $0["message"] as? String == "metrics endpoint listening" }?["address"] as? String
            return address != nil
        }
        return address
    }

    static func get(_ url: String) async throws -> String {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return String(decoding: data, as: UTF8.self)
    }

    /// A zone change after an NSD reload is seen by the first poll of the domain that starts after it: the
    /// drift finding opens and its signed webhook arrives; /metrics parses and carries the promised names.
    @Test func driftFindingAndWebhookAfterReload() async throws {
        guard let server = try NSDServer.start(zones: [Self.parent, Self.driftZone(crmSPF: "v=spf1 ip4:192.0.2.10 -all")]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let secret = "daemon-secret-\(UUID().uuidString.prefix(6))"
        let sink = try HTTPSink.start(directory: root, secret: secret)
        defer { sink.stop() }
        try """
        domains:
          - domain: good.daemon.test
            interval: 3s
            senders: [ { ip: 192.0.2.10 } ]
          - domain: crm.daemon.test
            interval: 3s
            senders: [ { ip: 192.0.2.10 } ]
        """.write(to: root.appendingPathComponent("monitor.yaml"), atomically: true, encoding: .utf8)
        try """
        settings:
          database: sw.sqlite
        alerts:
          - name: hook
            type: webhook
            url: http://127.0.0.1:\(sink.port)/hooks/senderwatch
            secret: { env: SW_DAEMON_TEST_SECRET }
            severities: [info, warning, error, critical]
            events: [opened, resolved]
        """.write(to: root.appendingPathComponent("settings.yaml"), atomically: true, encoding: .utf8)

        let daemon = try DaemonProcess(["monitor.yaml", "--config", "settings.yaml", "--resolver", server.address,
                                        "--outbox-interval", "0.5", "--metrics-listen", "127.0.0.1:0"],
                                       directory: root, environment: ["SW_DAEMON_TEST_SECRET": secret])
        defer { daemon.stop() }
        let address = await Self.metricsAddress(daemon)
        #expect(address != nil, "\(daemon.tail)")
        #expect(await daemon.wait { _ in daemon.polls(of: "crm.daemon.test").count >= 2 }, "\(daemon.tail)")

        // Change the record, reload NSD, and note when NSD serves the new text.
        try server.write(zone: "daemon.test", text: Self.driftZone(crmSPF: "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all").text)
        try await server.reload {
            let check = try? CLIRunner.run(["check", "crm.daemon.test", "--resolver", server.address, "--json"])
            return check?.stdout.contains("192.0.2.11") == true
        }
        let served = Date().timeIntervalSince1970
        let opened = await daemon.wait { lines in
            lines.contains { $0["message"] as? String == "finding opened" && $0["kind"] as? String == "record.changed" }
        }
        #expect(opened, "\(daemon.tail)")
        // Found by the first poll of crm that started after NSD served the change: within one interval.
        let lines = daemon.lines()
        let firstAfter = lines.firstIndex { $0["message"] as? String == "poll" && $0["domain"] as? String == "crm.daemon.test"
            && ($0["started"] as? Double ?? 0) > served }
        let finding = lines.firstIndex { $0["message"] as? String == "finding opened" && $0["kind"] as? String == "record.changed" }
        let nextAfter = firstAfter.flatMap { first in
            lines[(first + 1)...].firstIndex { $0["message"] as? String == "poll" && $0["domain"] as? String == "crm.daemon.test" }
        }
        // A poll that started just before the test saw NSD serve the change may have read the new record
        // already; the change must be found no later than by the first poll that started after it.
        #expect(finding != nil && (firstAfter == nil || nextAfter == nil || finding! < nextAfter!),
                "the drift was not found by the first poll after the change:\n\(daemon.tail)")

        // The webhook for it arrives, signed.
        // Opened events for record.changed (the next poll, seeing no new change, may resolve it: another event).
        let hooks = await Polling.until(timeout: 60, every: 0.1) { () -> [[String: Any]]? in
            let opened = sink.records().filter { record in
                guard let body = record["body"] as? String,
                      let payload = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return false }
                return payload["event"] as? String == "opened"
                    && (payload["finding"] as? [String: Any])?["kind"] as? String == "record.changed"
            }
            return opened.isEmpty ? nil : opened
        } ?? []
        #expect(hooks.count == 1, "\(sink.records())")
        #expect(hooks.first?["signatureValid"] as? Bool == true)
        #expect((hooks.first?["headers"] as? [String: String])?["x-senderwatch-event"] == "opened")

        // /metrics, read by the reference parser, has every promised family.
        if let address, PrometheusText.available || !SharedData.isCI {
            let text = try await Self.get("http://\(address)/metrics")
            let families = try PrometheusText.parse(text)
            for name in ["senderwatch_domains_polled", "senderwatch_poll_duration_seconds", "senderwatch_dns_queries",
                         "senderwatch_findings_open", "senderwatch_outbox_backlog", "senderwatch_outbox_dead",
                         "senderwatch_last_successful_poll_timestamp_seconds", "senderwatch_domains_monitored"] {
                #expect(families[name] != nil, "missing \(name) in:\n\(text)")
            }
            #expect(families["senderwatch_poll_duration_seconds"]?["type"] as? String == "histogram")
            let open = families["senderwatch_findings_open"]?["samples"] as? [[String: Any]] ?? []
            // good.daemon.test's DMARC record has no rua: that warning stays open while the daemon runs.
            #expect(open.contains { ($0["labels"] as? [String: String])?["kind"] == "dmarc.record-warning"
                        && ($0["labels"] as? [String: String])?["severity"] != nil && ($0["value"] as? Double ?? 0) >= 1 },
                    "\(open)")
            let opened = families["senderwatch_findings_opened"]?["samples"] as? [[String: Any]] ?? []
            #expect(opened.contains { ($0["value"] as? Double ?? 0) >= 2 }, "\(opened)")
            let polled = families["senderwatch_domains_polled"]?["samples"] as? [[String: Any]] ?? []
            #expect(polled.contains { ($0["labels"] as? [String: String])?["status"] == "ok" && ($0["value"] as? Double ?? 0) >= 4 })
            let notFound = try? await URLSession.shared.data(from: URL(string: "http://\(address)/other")!)
            #expect((notFound?.1 as? HTTPURLResponse)?.statusCode == 404)
        }

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.tail)")
        #expect(daemon.lines().contains { $0["message"] as? String == "outbox flushed" })

        // The cron path writes the same names to a textfile, parseable the same way.
        let textfile = root.appendingPathComponent("senderwatch.prom").path
        let poll = try CLIRunner.run(["poll", "--all", "--db", root.appendingPathComponent("sw.sqlite").path,
                                      "--resolver", server.address, "--metrics-file", textfile])
        #expect([0, 1].contains(poll.status), "\(poll.stderr)")
        if PrometheusText.available || !SharedData.isCI {
            let families = try PrometheusText.parse(try String(contentsOfFile: textfile, encoding: .utf8))
            #expect(families["senderwatch_domains_polled"] != nil && families["senderwatch_findings_open"] != nil
                    && families["senderwatch_last_successful_poll_timestamp_seconds"] != nil, "\(families.keys.sorted())")
        }
    }

    /// SIGTERM while polls run: exit 0, the run row closed, the lock released, the database sound, and every
    /// domain either fully polled (observation recorded at its last poll) or untouched.
    @Test func sigtermDuringPollsExitsCleanly() async throws {
        let names = (0..<400).map { "d\($0).term.test" }
        var records: [(String, String)] = []
        for name in names {
            records.append((name, "v=spf1 ip4:192.0.2.10 -all"))
            records.append(("_dmarc.\(name)", "v=DMARC1; p=reject"))
        }
        guard let server = try NSDServer.start(zones: [Self.parent, Self.zone(origin: "term.test", records: records)]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        // Every answer held back 50 ms, so that polls are always under way when the signal lands.
        guard let slow = try LossyDNSProxy.start(upstream: server.address, drop: 0, servfail: 0, seed: 1, delayMilliseconds: 50)
        else { try Test.cancel("python3 is not installed") }
        defer { slow.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try ("domains:\n" + names.map { "  - domain: \($0)\n    interval: 2s\n" }.joined())
            .write(to: root.appendingPathComponent("monitor.yaml"), atomically: true, encoding: .utf8)
        let database = root.appendingPathComponent("sw.sqlite").path
        let daemon = try DaemonProcess(["monitor.yaml", "--db", database, "--resolver", slow.address, "--max-in-flight", "4"],
                                       directory: root)
        defer { daemon.stop() }
        #expect(await daemon.wait { _ in daemon.polls().count >= 30 }, "\(daemon.tail)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.tail)")
        let lines = daemon.lines()
        let shutdown = lines.first { $0["message"] as? String == "shutting down: no new polls" }
        #expect((shutdown?["in_flight"] as? Int ?? 0) > 0, "the signal landed between polls:\n\(daemon.tail)")
        #expect(lines.contains { $0["message"] as? String == "senderwatch run stopped" })

        let db = try DatabaseQueue(path: database)
        try await db.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try String.fetchAll(db, sql: "SELECT status FROM run WHERE mode = 'daemon'") == ["ok"])
            // A polled domain has its observation seen at exactly its last poll; an unpolled one has none.
            let mismatched = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM domain d WHERE
                  (d.lastPollAt IS NULL) <> (NOT EXISTS (SELECT 1 FROM observation o WHERE o.domainId = d.id))
                  OR (d.lastPollAt IS NOT NULL AND d.lastPollAt <> (SELECT MAX(o.lastSeenAt) FROM observation o WHERE o.domainId = d.id))
                """)
            #expect(mismatched == 0)
            let polled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM domain WHERE lastPollAt IS NOT NULL") ?? 0
            #expect(polled >= 30)
        }
        // The lock is free: a cron poll runs at once instead of reporting another poll.
        let poll = try CLIRunner.run(["poll", "--db", database, "--resolver", server.address, "--json"])
        #expect(!poll.stdout.contains("skipped"), "\(poll.stdout)")
    }

    /// SIGHUP after a new monitor file appears: the daemon applies it, logs the plan, and polls the new domain;
    /// a broken file on a later SIGHUP is reported and changes nothing.
    @Test func sighupStartsPollingAnAddedMonitor() async throws {
        let zone = Self.zone(origin: "hup.test", records: [
            ("first.hup.test", "v=spf1 -all"), ("_dmarc.first.hup.test", "v=DMARC1; p=reject"),
            ("added.hup.test", "v=spf1 -all"), ("_dmarc.added.hup.test", "v=DMARC1; p=reject"),
        ])
        guard let server = try NSDServer.start(zones: [Self.parent, zone]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let monitors = root.appendingPathComponent("monitors")
        try FileManager.default.createDirectory(at: monitors, withIntermediateDirectories: true)
        try "domain: first.hup.test\ninterval: 2s\n".write(to: monitors.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let database = root.appendingPathComponent("sw.sqlite").path
        let daemon = try DaemonProcess(["monitors", "--db", database, "--resolver", server.address], directory: root)
        defer { daemon.stop() }
        #expect(await daemon.wait { _ in !daemon.polls(of: "first.hup.test").isEmpty }, "\(daemon.tail)")
        #expect(daemon.polls(of: "added.hup.test").isEmpty)

        try "domain: added.hup.test\ninterval: 2s\n".write(to: monitors.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(await daemon.wait { _ in !daemon.polls(of: "added.hup.test").isEmpty }, "\(daemon.tail)")
        let plan = daemon.lines().first { $0["message"] as? String == "plan" && $0["domain"] as? String == "added.hup.test" }
        #expect(plan?["action"] as? String == "added")

        try "domain: broken.hup.test\ninterval: soon\n".write(to: monitors.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(await daemon.wait { lines in lines.contains { ($0["message"] as? String)?.hasPrefix("monitor files not applied") == true } },
                "\(daemon.tail)")
        let before = daemon.polls(of: "first.hup.test").count
        #expect(await daemon.wait { _ in daemon.polls(of: "first.hup.test").count > before }, "still polling:\n\(daemon.tail)")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.tail)")
    }

    /// Reads (and never answers) the queries that reach `socket` until one names each of `names` (as the name
    /// or below it, e.g. `_dmarc.NAME`); false after 20 s.
    static func queried(_ socket: Int32, names: Set<String>) async -> Bool {
        var seen: Set<String> = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Each attempt drains what has arrived; the queries wait in the socket's buffer meanwhile.
        return await Polling.until(timeout: 20, every: 0.02) { () -> Bool? in
            while true {
                let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                guard count > 12 else { break }
                var labels: [String] = []
                var index = 12
                while index < count, buffer[index] != 0, index + Int(buffer[index]) < count {
                    let length = Int(buffer[index])
                    labels.append(String(decoding: buffer[(index + 1)...(index + length)], as: UTF8.self))
                    index += length + 1
                }
                let name = labels.joined(separator: ".").lowercased()
                for wanted in names where name == wanted || name.hasSuffix("." + wanted) { seen.insert(wanted) }
                if seen == names { return true }
            }
            return nil
        } ?? false
    }

    /// SIGTERM while polls wait on a server that never answers: after --drain-timeout they are abandoned,
    /// write nothing, the domains stay due, and the daemon still exits 0 with its run closed.
    @Test func pollsStuckOnDNSAreAbandonedAtShutdown() async throws {
        // A UDP socket that is never read: every query to it waits for the full timeout.
        let silent = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(silent, $0, &length) } }
        let port = UInt16(bigEndian: address.sin_port)

        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try "domains:\n  - domain: a.silent.test\n  - domain: b.silent.test\n"
            .write(to: root.appendingPathComponent("monitor.yaml"), atomically: true, encoding: .utf8)
        let database = root.appendingPathComponent("sw.sqlite").path
        let daemon = try DaemonProcess(["monitor.yaml", "--db", database, "--resolver", "127.0.0.1:\(port)",
                                        "--timeout", "120", "--retries", "0", "--drain-timeout", "1"], directory: root)
        defer { daemon.stop() }
        // The scheduler starts both (never-polled, so due) polls as soon as the service group starts it.
        #expect(await daemon.wait { lines in
            lines.contains { $0["message"] as? String == "Starting service" && $0["sl-service"] as? String == "scheduler" }
        }, "\(daemon.tail)")
        // Both polls are waiting on the silent server once it has received a query for each domain.
        #expect(await Self.queried(silent, names: ["a.silent.test", "b.silent.test"]), "both polls sent their queries")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit() == 0, "\(daemon.tail)")
        let abandoned = daemon.lines().first { ($0["message"] as? String)?.hasPrefix("abandoning polls") == true }
        #expect(abandoned?["domains"] as? [String] == ["a.silent.test", "b.silent.test"], "\(daemon.tail)")
        let db = try DatabaseQueue(path: database)
        try await db.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT status FROM run WHERE mode = 'daemon'") == ["ok"])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observation") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM domain WHERE nextPollAt IS NULL AND lastPollAt IS NULL") == 2)
        }
    }

}
