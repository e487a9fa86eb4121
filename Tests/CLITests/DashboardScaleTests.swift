import Foundation
import GRDB
import TestSupport
import Testing

/// The dashboard over 10,000 domains: a database written by `apply` and then filled through SQL (an
/// observation per domain, findings for a third of them), served by the built binary. Each page's time and
/// size are printed; the bounds asserted are generous (a debug build on a shared machine), the numbers
/// measured are in the output.
@Suite(.serialized) struct DashboardScaleTests {
    static let domains = 10_000

    static func fill(_ database: String) throws {
        let queue = try DatabaseQueue(path: database)
        try queue.write { db in
            let now: Int64 = 1_796_000_000
            let summary = #"{"dmarcPolicy":"reject","dmarcRecord":"v=DMARC1; p=reject","dmarcStatus":"found","dnsLookups":4,"includes":["_spf.provider.example"],"networks":["192.0.2.0/24","198.51.100.0/24"],"ownTerms":["ip4:192.0.2.0/24","include:_spf.provider.example","a","mx","-all"],"providerNetworks":{"_spf.provider.example":["198.51.100.0/24"]},"spfRecord":"v=spf1 ip4:192.0.2.0/24 include:_spf.provider.example a mx -all","status":"ok","voidLookups":0,"allQualifier":"-","dkimKeys":{"s1._domainkey":"rsa 2048"}}"#
            let domain = try db.makeStatement(sql: """
                INSERT INTO domain (name, intervalSeconds, createdAt, updatedAt, lastPollAt, nextPollAt) VALUES (?, 3600, ?, ?, ?, ?)
                """)
            let observation = try db.makeStatement(sql: """
                INSERT INTO observation (domainId, firstSeenAt, lastSeenAt, status, contentHash, spfRecord, spfRecordsJSON,
                    dmarcRecord, dmarcRecordsJSON, summaryJSON, spfLookups, dmarcStatus, dmarcPolicy)
                VALUES (?, ?, ?, 'ok', ?, ?, ?, 'v=DMARC1; p=reject', '["v=DMARC1; p=reject"]', ?, ?, 'found', ?)
                """)
            let finding = try db.makeStatement(sql: """
                INSERT INTO finding (domainId, fingerprint, kind, severity, subject, message, fix, state, firstSeenAt, lastSeenAt)
                VALUES (?, ?, ?, ?, ?, ?, 'Remove an include or flatten it', 'open', ?, ?)
                """)
            for index in 0..<domains {
                let name = "client\(String(format: "%05d", index)).scale.example"
                try domain.execute(arguments: [name, now, now, now - Int64(index % 3600), now + Int64(index % 3600)])
                let id = db.lastInsertedRowID
                let lookups = 2 + index % 11
                let record = "v=spf1 ip4:192.0.2.0/24 include:_spf.provider.example a mx -all"
                try observation.execute(arguments: [id, now - 86_400, now, "hash\(index)", record, "[\"\(record)\"]", summary,
                                                    lookups, index % 7 == 0 ? "none" : "reject"])
                if index % 3 == 0 {
                    try finding.execute(arguments: [id, "fp-\(index)-a", "spf.lookup-limit", lookups > 10 ? "critical" : "warning", nil,
                                                    "\(name): \(lookups) DNS lookups", now, now])
                    try finding.execute(arguments: [id, "fp-\(index)-b", "dmarc.weaker-than-expected", "error", "p=none",
                                                    "\(name): policy none, reject expected", now, now])
                }
            }
        }
    }

    @Test func tenThousandDomainsRenderFastAndSmall() async throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("scale.sqlite").path
        let monitor = root.appendingPathComponent("one.yaml").path
        try "domain: seed.scale.example\n".write(toFile: monitor, atomically: true, encoding: .utf8)
        #expect(try CLIRunner.run(["apply", monitor, "--db", database]).status == 0)
        let started = Date()
        try Self.fill(database)
        print("dashboard scale: filled \(Self.domains) domains in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")

        let serve = try DashboardProcess(["serve", "--db", database, "--http-listen", "127.0.0.1:0"], directory: root)
        defer { serve.stop() }
        guard let base = await serve.waitForURL() else { Issue.record("serve did not start: \(serve.log)"); return }
        _ = try await HTTPExchange.send(base + "api/domains?per=1")

        var report: [String] = []
        for path in ["", "?page=150", "?sort=findings", "?sort=lookups&per=200", "?q=client0999", "?severity=critical",
                     "domains/client04242.scale.example", "findings", "findings?per=200", "alerts", "snapshots",
                     "api/domains", "api/domains?per=200", "api/findings?per=200"] {
            var best = Double.infinity
            var size = 0
            for _ in 0..<3 {
                let exchange = try await HTTPExchange.send(base + path)
                #expect(exchange.status == 200, "\(path)")
                best = min(best, exchange.seconds)
                size = exchange.body.count
            }
            report.append("/\(path): \(size) bytes, \(String(format: "%.0f", best * 1000)) ms")
            #expect(size < 1_000_000, "/\(path) is \(size) bytes: no page over 1 MB")
            #expect(best < 5, "/\(path) took \(best) s")
        }
        let overview = try await HTTPExchange.send(base)
        #expect(overview.text.contains("<strong>10001</strong> domains"), "every domain counted")
        #expect(overview.text.contains("1-50 of 10001"))
        for line in report { print("dashboard scale: " + line) }

        // In the browser: the overview's DOM, against Chromium's own start-up on an empty page.
        guard let chromium = SnapshotCLITests.chromium() else {
            #expect(!SharedData.isCI, "chromium is not installed (Scripts/setup installs it)")
            return
        }
        var blank = Double.infinity, page = Double.infinity
        var dom = ""
        for _ in 0..<3 {
            blank = min(blank, try Browser.dom(chromium, "about:blank").seconds)
            let loaded = try Browser.dom(chromium, base)
            page = min(page, loaded.seconds)
            dom = loaded.dom
        }
        #expect(Browser.count("tr", in: Browser.element(id: "domains", tag: "table", in: dom)) == 51)
        print("dashboard scale: chromium --dump-dom of / took \(String(format: "%.0f", page * 1000)) ms, of about:blank "
              + "\(String(format: "%.0f", blank * 1000)) ms: the page itself about \(String(format: "%.0f", max(0, page - blank) * 1000)) ms")
        #expect(page - blank < 3, "the overview of 10,000 domains renders in the browser well under a few seconds")
        _ = try Browser.screenshot(chromium, base, name: "overview-10000")
    }
}
