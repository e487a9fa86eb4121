import Foundation
import GRDB
import TestSupport
import Testing

/// Fault injection: 40 monitored domains with provider includes (nested), MX and host terms, external report
/// destinations, approved senders and observed report sources, served by NSD. One clean poll, then polls
/// through a proxy that drops 15% of the queries and answers 8% with SERVFAIL, then a clean poll again; the
/// zones never change. Nothing may move on unknown evidence: the findings, the alert outbox, the webhooks
/// delivered and the history must stay exactly as the clean poll left them.
@Suite(.serialized) struct FaultInjectionTests {
    static let count = 40
    static func label(_ i: Int) -> String { String(format: "d%02d", i) }
    static func name(_ i: Int) -> String { "\(label(i)).chaos.test" }

    /// Which provider a domain includes, and whether it also includes the large one (over the lookup limit).
    static func provider(_ i: Int) -> String { "_spf.p\(i % 4).prov.test" }
    static func overLimit(_ i: Int) -> Bool { i % 7 == 3 }

    static var chaosZone: String {
        var lines = ["$TTL 3600", "chaos.test. IN SOA ns1.chaos.test. h.chaos.test. 1 3600 600 86400 300",
                     "chaos.test. IN NS ns1.chaos.test.", "ns1.chaos.test. IN A 127.0.0.1"]
        for i in 0..<count {
            let domain = name(i)
            var terms = ["ip4:192.0.2.\(i + 1)", "include:\(provider(i))", "mx"]
            if i % 5 == 0 { terms.append("a:relay.\(domain)") }
            if overLimit(i) { terms.append("include:_spf.big.prov.test") }
            lines.append("\(domain). IN TXT \"v=spf1 \(terms.joined(separator: " ")) ~all\"")
            lines.append("\(domain). IN MX 10 mx.\(domain).")
            lines.append("mx.\(domain). IN A 192.0.2.\(100 + i)")
            lines.append("relay.\(domain). IN A 192.0.2.200")
            lines.append("_dmarc.\(domain). IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@\(domain),mailto:agg@vendor.test\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static var providerZone: String {
        var lines = ["$TTL 3600", "prov.test. IN SOA ns1.prov.test. h.prov.test. 1 3600 600 86400 300",
                     "prov.test. IN NS ns1.prov.test.",
                     "_spf.p0.prov.test. IN TXT \"v=spf1 ip4:198.19.0.0/24 include:_n0.prov.test -all\"",
                     "_n0.prov.test. IN TXT \"v=spf1 ip4:198.19.100.0/24 -all\"",
                     "_spf.p1.prov.test. IN TXT \"v=spf1 ip4:198.19.1.0/24 -all\"",
                     "_spf.p2.prov.test. IN TXT \"v=spf1 a:out.prov.test include:_n2.prov.test -all\"",
                     "out.prov.test. IN A 198.19.2.10",
                     "_n2.prov.test. IN TXT \"v=spf1 ip4:198.19.102.0/24 -all\"",
                     "_spf.p3.prov.test. IN TXT \"v=spf1 ip4:198.19.3.0/24 include:_n3a.prov.test include:_n3b.prov.test -all\"",
                     "_n3a.prov.test. IN TXT \"v=spf1 ip4:198.19.103.0/24 -all\"",
                     "_n3b.prov.test. IN TXT \"v=spf1 ip6:2001:db8:103::/48 -all\"",
                     "_spf.big.prov.test. IN TXT \"v=spf1 " + (1...7).map { "include:_b\($0).prov.test" }.joined(separator: " ") + " -all\""]
        for b in 1...7 { lines.append("_b\(b).prov.test. IN TXT \"v=spf1 ip4:198.18.\(b).0/24 -all\"") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Even domains are authorized at the external report destination; odd ones are not.
    static var vendorZone: String {
        var lines = ["$TTL 3600", "vendor.test. IN SOA ns1.vendor.test. h.vendor.test. 1 3600 600 86400 300",
                     "vendor.test. IN NS ns1.vendor.test."]
        for i in stride(from: 0, to: count, by: 2) { lines.append("\(name(i))._report._dmarc.vendor.test. IN TXT \"v=DMARC1\"") }
        return lines.joined(separator: "\n") + "\n"
    }

    static var parentZone: String {
        "$TTL 3600\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 300\ntest. IN NS ns1.test.\nns1.test. IN A 127.0.0.1\n"
    }

    static var monitorFile: String {
        var text = "domains:\n"
        for i in 0..<count {
            text += "  - domain: \(name(i))\n    senders:\n"
            text += "      - { ip: 192.0.2.\(i + 1) }\n      - { include: \(provider(i)) }\n"
            if i % 3 != 0 { text += "      - { mx: \(name(i)) }\n" }
            if i % 6 == 1 { text += "      - { name: Billing, ip: 192.0.2.250 }\n" }
        }
        return text
    }

    /// An aggregate report for the domain: a DKIM-aligned source that SPF does not authorize (real mail SPF
    /// leaves out) and a forger failing both.
    static func report(_ i: Int, day: Int) -> String {
        let domain = name(i)
        func record(_ ip: String, _ count: Int, dkim: String) -> String {
            """
            <record><row><source_ip>\(ip)</source_ip><count>\(count)</count><policy_evaluated><disposition>none</disposition>\
            <dkim>\(dkim)</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>\(domain)</header_from></identifiers>\
            <auth_results><dkim><domain>\(domain)</domain><result>\(dkim)</result></dkim><spf><domain>\(domain)</domain>\
            <result>softfail</result></spf></auth_results></record>
            """
        }
        return """
            <?xml version="1.0"?><feedback><report_metadata><org_name>chaos.receiver.example</org_name>\
            <email>r@chaos.receiver.example</email><report_id>chaos-\(i)</report_id><date_range><begin>\(day)</begin>\
            <end>\(day + 86399)</end></date_range></report_metadata><policy_published><domain>\(domain)</domain><p>reject</p>\
            </policy_published>
            \(record("60.130.71.\(i)", 25, dkim: "pass"))
            \(record("203.0.113.\(i)", 9, dkim: "fail"))
            </feedback>
            """
    }

    /// What must not move: every finding row, every outbox row, every observation row (but its counters).
    struct State: Equatable, CustomStringConvertible {
        var findings: [String]
        var outbox: [String]
        var observations: [String]
        var description: String {
            "findings:\n  " + findings.joined(separator: "\n  ") + "\noutbox: \(outbox.count)\nobservations:\n  "
                + observations.joined(separator: "\n  ")
        }

        static func read(_ path: String) throws -> State {
            let db = try DatabaseQueue(path: path)
            return try db.read { db in
                State(findings: try String.fetchAll(db, sql: """
                          SELECT id || ' ' || fingerprint || ' ' || state || ' ' || firstSeenAt FROM finding ORDER BY id
                          """),
                      outbox: try String.fetchAll(db, sql: "SELECT eventId FROM outbox ORDER BY id"),
                      observations: try String.fetchAll(db, sql: """
                          SELECT o.id || ' ' || d.name || ' ' || o.contentHash || ' ' || o.status
                          FROM observation o JOIN domain d ON d.id = o.domainId ORDER BY o.id
                          """))
            }
        }
    }

    @Test func noFalseTransitionsAlertsOrDriftUnderDNSFaults() async throws {
        guard let server = try NSDServer.start(zones: [
            NSDServer.Zone(origin: "test", text: Self.parentZone), NSDServer.Zone(origin: "chaos.test", text: Self.chaosZone),
            NSDServer.Zone(origin: "prov.test", text: Self.providerZone), NSDServer.Zone(origin: "vendor.test", text: Self.vendorZone),
        ]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let sink = try SinkProcess(script: "http_sink.py", arguments: ["--secret", "fault-secret"], workDirectory: root)
        defer { sink.stop() }
        let database = root.appendingPathComponent("sw.sqlite").path
        try Self.monitorFile.write(to: root.appendingPathComponent("monitor.yaml"), atomically: true, encoding: .utf8)
        try """
        alerts:
          - name: hook
            type: webhook
            url: http://127.0.0.1:\(sink.port)/hook
            secret: { env: FAULT_SECRET }
            severities: [info, warning, error, critical]
        """.write(to: root.appendingPathComponent("settings.yaml"), atomically: true, encoding: .utf8)
        let environment = ["FAULT_SECRET": "fault-secret"]
        let config = root.appendingPathComponent("settings.yaml").path
        func run(_ arguments: [String]) async throws -> CLIRunner.Output {
            try await CLIRunner.launch(arguments + ["--db", database, "--config", config], environment: environment)
        }
        #expect(try await run(["apply", root.appendingPathComponent("monitor.yaml").path]).status == 0)
        let yesterday = (Int(Date().timeIntervalSince1970) / 86400 - 1) * 86400
        let reports = root.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        for i in stride(from: 2, to: Self.count, by: 8) {
            try Self.report(i, day: yesterday).write(to: reports.appendingPathComponent("r\(i).xml"), atomically: true, encoding: .utf8)
        }
        let ingest = try await run(["ingest", reports.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let clean = try await run(["poll", "--all", "--resolver", server.address, "--json"])
        #expect(clean.status == 1, "\(clean.stderr)")
        let cleanStatuses = (try clean.json()["domains"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
        #expect(cleanStatuses == Array(repeating: "ok", count: Self.count), "the clean poll answers every part")
        let baseline = try State.read(database)
        let kinds = Set(baseline.findings.map { String($0.split(separator: " ")[1].split(separator: "|")[0]) })
        #expect(kinds.isSuperset(of: ["spf.lookup-limit", "spf.unapproved-authorization", "dmarc.rua-unauthorized",
                                      "spf.sender-unauthorized", "spf.observed-unauthorized", "dmarc.spoofing"]), "\(kinds)")
        let delivered = sink.records().count
        #expect(delivered == baseline.outbox.count, "every alert of the clean poll was delivered")

        let seed = ProcessInfo.processInfo.environment["SENDERWATCH_FAULT_SEED"].flatMap(Int.init) ?? 7
        guard let proxy = try LossyDNSProxy.start(upstream: server.address, drop: 0.15, servfail: 0.08, seed: seed) else {
            try Test.cancel("python3 is not installed")
        }
        var partial = 0, unknown = 0
        for round in 1...6 {
            let lossy = try await run(["poll", "--all", "--resolver", proxy.address, "--timeout", "1", "--retries", "1", "--json"])
            #expect([0, 1, 3].contains(lossy.status), "round \(round): \(lossy.stderr)")
            for domain in try lossy.json()["domains"] as? [[String: Any]] ?? [] {
                #expect((domain["opened"] as? [Any])?.isEmpty == true, "round \(round) opened: \(domain)")
                #expect((domain["resolved"] as? [Any])?.isEmpty == true, "round \(round) resolved: \(domain)")
                if domain["status"] as? String == "partial" { partial += 1 }
                if domain["status"] as? String == "unknown" { unknown += 1 }
            }
            #expect(try State.read(database) == baseline, "round \(round) changed the database")
        }
        let counts = try #require(proxy.stop())
        #expect(counts.dropped > 0 && counts.servfail > 0, "\(counts)")
        #expect(partial > 0, "the faults left parts unknown in some polls (partial \(partial), unknown \(unknown))")

        let recovered = try await run(["poll", "--all", "--resolver", server.address, "--json"])
        for domain in try recovered.json()["domains"] as? [[String: Any]] ?? [] {
            #expect(domain["status"] as? String == "ok")
            #expect((domain["opened"] as? [Any])?.isEmpty == true, "recovery opened: \(domain)")
            #expect((domain["resolved"] as? [Any])?.isEmpty == true, "recovery resolved: \(domain)")
        }
        #expect(try State.read(database) == baseline)
        #expect(sink.records().count == delivered, "no alert was sent for anything the faults did")
        for i in [0, 3, 10] {
            let history = try await run(["history", Self.name(i), "--json"]).json()["observations"] as? [[String: Any]] ?? []
            #expect(history.count == 1, "\(Self.name(i)): one observation, no drift: \(history)")
            #expect((history.first?["changes"] as? [Any])?.isEmpty == true)
        }
        print("fault injection: \(counts.queries) queries through the proxy, \(counts.dropped) dropped, "
              + "\(counts.servfail) SERVFAIL; \(partial) partial and \(unknown) unknown domain polls; no transition")
    }
}
