import Foundation
import TestSupport
import Testing

/// The web dashboard served by the built binary over a database filled by real polls of NSD, loaded by
/// headless Chromium: the DOM of every page, hostile DNS text staying text, the security headers, the
/// read-only contract and authentication. Screenshots go to .build/test-artifacts/dashboard.
@Suite(.serialized) struct DashboardBrowserTests {
    static let hostileSPF = "v=spf1 ip4:192.0.2.20 x-note=<script>alert(1)</script> -all"
    static let hostileDMARC = "v=DMARC1; p=none; rua=mailto:\"><img src=x onerror=alert(2)>@hostile.dash.test"

    static func zone(crmSPF: String) -> String {
        """
        $TTL 3600
        dash.test. IN SOA ns1.dash.test. hostmaster.dash.test. 1 3600 600 86400 300
        dash.test. IN NS ns1.dash.test.
        ns1.dash.test. IN A 127.0.0.1
        good.dash.test. IN TXT "v=spf1 ip4:192.0.2.10 include:_spf.provider.dash.test -all"
        _dmarc.good.dash.test. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.dash.test"
        _spf.provider.dash.test. IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
        crm.dash.test. IN TXT "\(crmSPF)"
        _dmarc.crm.dash.test. IN TXT "v=DMARC1; p=quarantine"
        hostile.dash.test. IN TXT "\(hostileSPF.replacingOccurrences(of: "\"", with: "\\\""))"
        _dmarc.hostile.dash.test. IN TXT "\(hostileDMARC.replacingOccurrences(of: "\"", with: "\\\""))"

        """
    }

    static let monitor = """
    domains:
      - domain: good.dash.test
        senders: [ { name: Office, ip: 192.0.2.10 }, { name: Provider, include: _spf.provider.dash.test } ]
      - domain: crm.dash.test
        expect: { dmarc_policy: reject }
        senders: [ { ip: 192.0.2.10 }, { name: CRM, ip: 192.0.2.11 } ]
      - domain: hostile.dash.test
        senders:
          - { name: "<script>alert(3)</script>", ip: 192.0.2.20, owner: "\\"><img src=y onerror=alert(4)>" }
    """

    static func report(day: Int64, id: String, passing: Int, failing: Int) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <feedback><report_metadata><org_name>receiver.example</org_name><email>r@receiver.example</email>
        <report_id>\(id)</report_id><date_range><begin>\(day)</begin><end>\(day + 86399)</end></date_range></report_metadata>
        <policy_published><domain>good.dash.test</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct></policy_published>
        <record><row><source_ip>192.0.2.10</source_ip><count>\(passing)</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
        <identifiers><header_from>good.dash.test</header_from></identifiers>
        <auth_results><dkim><domain>good.dash.test</domain><selector>office</selector><result>pass</result></dkim><spf><domain>good.dash.test</domain><result>pass</result></spf></auth_results></record>
        <record><row><source_ip>203.0.113.66</source_ip><count>\(failing)</count><policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
        <identifiers><header_from>good.dash.test</header_from></identifiers>
        <auth_results><spf><domain>good.dash.test</domain><result>fail</result></spf></auth_results></record>
        </feedback>
        """
    }

    /// apply, ingest two days of reports, poll over NSD, change a record, poll again, take a snapshot.
    static func pollDatabase(_ root: URL, server: NSDServer) async throws -> String {
        let database = root.appendingPathComponent("sw.sqlite").path
        let file = root.appendingPathComponent("monitor.yaml").path
        try monitor.write(toFile: file, atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> CLIRunner.Output { try CLIRunner.run(arguments + ["--db", database]) }
        #expect(try run(["apply", file]).status == 0)
        for (index, day) in [Int64(1_795_737_600), 1_795_824_000].enumerated() {
            let path = root.appendingPathComponent("report-\(index).xml").path
            try report(day: day, id: "dash-\(index)", passing: 90 + index * 8, failing: 10 - index * 8).write(toFile: path, atomically: true, encoding: .utf8)
            let ingest = try run(["ingest", path])
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
        let first = try run(["poll", "--resolver", server.address])
        #expect(first.status == 1, "findings of warning or worse: \(first.stderr)")
        try server.write(zone: "dash.test", text: zone(crmSPF: "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all"))
        try await server.reload {
            let check = try? CLIRunner.run(["check", "crm.dash.test", "--resolver", server.address, "--json"])
            return check?.stdout.contains("192.0.2.11") == true
        }
        #expect(try run(["poll", "--all", "--resolver", server.address]).status == 1)
        let snapshot = try run(["snapshot", "--resolver", server.address, "--out", root.appendingPathComponent("snapshot-1.json").path])
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        return database
    }

    static func startNSD() throws -> NSDServer? {
        try NSDServer.start(zones: [PollNSDTests.parent, NSDServer.Zone(origin: "dash.test", text: zone(crmSPF: "v=spf1 ip4:192.0.2.10 -all"))])
    }

    @Test func everyPageRendersInChromiumOverARealPoll() async throws {
        guard let chromium = SnapshotCLITests.chromium() else {
            #expect(!SharedData.isCI, "chromium is not installed (Scripts/setup installs it); CI needs the browser check")
            return
        }
        guard let server = try Self.startNSD() else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = try await Self.pollDatabase(root, server: server)
        let serve = try DashboardProcess(["serve", "--db", database, "--http-listen", "127.0.0.1:0"], directory: root)
        defer { serve.stop() }
        guard let base = await serve.waitForURL() else { Issue.record("serve did not start: \(serve.log)"); return }

        // The overview: one row per domain, each a link, with its status, lookups and findings.
        let (overview, _) = try Browser.dom(chromium, base)
        let table = Browser.element(id: "domains", tag: "table", in: overview)
        #expect(Browser.count("tr", in: table) == 4, "a header row and three domains: \(table.prefix(600))")
        for name in ["good.dash.test", "crm.dash.test", "hostile.dash.test"] {
            #expect(table.contains("data-domain=\"\(name)\""), "\(name) has its row")
            #expect(table.contains("href=\"/domains/\(name)\""))
        }
        #expect(Browser.count("meter", in: table) == 3, "lookups against the limit as a meter per domain")
        #expect(overview.contains("1 / 10"), "good.dash.test: one include counts, ip4 does not (RFC 7208 section 4.6.4)")
        #expect(Browser.count("script", in: overview) == 0)

        // Filters and search by query string, without JavaScript.
        let (searched, _) = try Browser.dom(chromium, base + "?q=crm")
        let found = Browser.element(id: "domains", tag: "table", in: searched)
        #expect(found.contains("crm.dash.test") && !found.contains("good.dash.test"))
        #expect(searched.contains("value=\"crm\""), "the search box keeps the query")
        let (policy, _) = try Browser.dom(chromium, base + "?policy=reject")
        #expect(Browser.element(id: "domains", tag: "table", in: policy).contains("good.dash.test"))
        #expect(!Browser.element(id: "domains", tag: "table", in: policy).contains("crm.dash.test"))

        // One domain: records verbatim, the SPF terms with lookups, networks with their term, senders,
        // findings with fixes, history with the diff, observed sources and the pass-rate chart.
        let (good, _) = try Browser.dom(chromium, base + "domains/good.dash.test")
        #expect(Browser.element(id: "txt-records", tag: "ul", in: good).contains("v=spf1 ip4:192.0.2.10 include:_spf.provider.dash.test -all"))
        let tree = Browser.element(id: "spf-tree", tag: "table", in: good)
        #expect(tree.contains("include:_spf.provider.dash.test") && tree.contains("198.51.100.0/24"))
        let networks = Browser.element(id: "networks", tag: "table", in: good)
        #expect(networks.contains("198.51.100.0/24</code></td><td><code>include:_spf.provider.dash.test"), "\(networks)")
        let senders = Browser.element(id: "sender-table", tag: "table", in: good)
        #expect(senders.contains("sender-authorized") && !senders.contains("sender-not-authorized"))
        let chart = Browser.element(id: "pass-rate", tag: "figure", in: good)
        #expect(chart.contains("<svg") && Browser.count("rect", in: chart) == 2, "one bar per reported day: \(chart.prefix(300))")
        #expect(chart.contains("90.00 % of 100 messages") && chart.contains("98.00 % of 100 messages"))
        let sources = Browser.element(id: "sources", tag: "table", in: good)
        #expect(sources.contains("203.0.113.66") && sources.contains("Office"), "sources with the approved sender's name")

        let (crm, _) = try Browser.dom(chromium, base + "domains/crm.dash.test")
        let history = Browser.element(id: "history-list", tag: "ol", in: crm)
        #expect(history.contains("added ip4:192.0.2.11"), "the semantic diff of the change: \(history.prefix(800))")
        let resolved = Browser.element(id: "resolved-findings", tag: "ul", in: crm)
        #expect(resolved.contains("spf.sender-unauthorized"), "the finding the change resolved")
        #expect(Browser.element(id: "open-findings", tag: "ul", in: crm).contains("Fix:"), "open findings carry their fix")

        // Findings across domains, the outbox and the snapshot chain.
        let (findings, _) = try Browser.dom(chromium, base + "findings")
        #expect(Browser.element(id: "findings-table", tag: "table", in: findings).contains("dmarc.weaker-than-expected"))
        let (alerts, _) = try Browser.dom(chromium, base + "alerts")
        #expect(alerts.contains("id=\"outbox\""))
        let (snapshots, _) = try Browser.dom(chromium, base + "snapshots")
        #expect(Browser.element(id: "chain-status", tag: "p", in: snapshots).contains("<strong>ok</strong>"), "\(snapshots.prefix(900))")
        #expect(Browser.element(id: "snapshot-links", tag: "table", in: snapshots).contains("verified"))

        for (name, path) in [("overview", ""), ("domain-good", "domains/good.dash.test"), ("domain-crm", "domains/crm.dash.test"),
                             ("domain-hostile", "domains/hostile.dash.test"), ("findings", "findings"), ("alerts", "alerts"),
                             ("snapshots", "snapshots")] {
            let png = try Browser.screenshot(chromium, base + path, name: name)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(name): a rendered page, \(png.count) bytes")
        }
    }

    @Test func hostileTextInTXTRecordsAndTheInventoryStaysInert() async throws {
        guard let chromium = SnapshotCLITests.chromium() else {
            #expect(!SharedData.isCI, "chromium is not installed (Scripts/setup installs it); CI needs the browser check")
            return
        }
        guard let server = try Self.startNSD() else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = try await Self.pollDatabase(root, server: server)
        let serve = try DashboardProcess(["serve", "--db", database, "--http-listen", "127.0.0.1:0"], directory: root)
        defer { serve.stop() }
        guard let base = await serve.waitForURL() else { Issue.record("serve did not start: \(serve.log)"); return }

        for path in ["domains/hostile.dash.test", "", "findings?domain=hostile", "alerts"] {
            let (dom, _) = try Browser.dom(chromium, base + path)
            let lower = dom.lowercased()
            #expect(lower.contains("</html>"), "\(path): a whole page")
            #expect(Browser.count("script", in: dom) == 0, "\(path): a record became a script element")
            #expect(Browser.count("img", in: dom) == 0, "\(path): a record became an image element")
            #expect(lower.range(of: #"<[a-z][^>]*\son[a-z]+="#, options: .regularExpression) == nil,
                    "\(path): an event handler attribute got into an element")
        }
        let (dom, _) = try Browser.dom(chromium, base + "domains/hostile.dash.test")
        #expect(dom.contains("x-note=&lt;script&gt;alert(1)&lt;/script&gt;"), "the SPF record, as text")
        #expect(dom.contains("rua=mailto:\"&gt;&lt;img src=x onerror=alert(2)&gt;@hostile.dash.test"), "the DMARC record, as text")
        #expect(Browser.element(id: "sender-table", tag: "table", in: dom).contains("&lt;script&gt;alert(3)&lt;/script&gt;"))
        #expect(Browser.element(id: "sender-table", tag: "table", in: dom).contains("\"&gt;&lt;img src=y onerror=alert(4)&gt;"))
        // The JSON carries the same text unchanged, served as JSON (never sniffed as HTML).
        let json = try await HTTPExchange.send(base + "api/domains/hostile.dash.test")
        #expect(json.headers["content-type"]?.hasPrefix("application/json") == true)
        #expect(json.headers["x-content-type-options"] == "nosniff")
        let records = (try json.json()["records"] as? [String: Any])?["txt"] as? [String]
        #expect(records?.contains(Self.hostileSPF) == true)
    }

    @Test func theDashboardIsReadOnlyWithStrictHeadersAndOptionalAuthentication() async throws {
        guard let server = try Self.startNSD() else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = try await Self.pollDatabase(root, server: server)
        let serve = try DashboardProcess(["serve", "--db", database, "--http-listen", "127.0.0.1:0"], directory: root)
        defer { serve.stop() }
        guard let base = await serve.waitForURL() else { Issue.record("serve did not start: \(serve.log)"); return }

        let page = try await HTTPExchange.send(base)
        #expect(page.status == 200)
        let csp = page.headers["content-security-policy"] ?? ""
        #expect(csp.contains("default-src 'none'") && csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"))
        #expect(!csp.contains("script-src"), "no script source at all: default-src 'none' covers scripts")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(page.headers["x-frame-options"] == "DENY")
        #expect(!page.text.lowercased().contains("style=\""), "no inline style: the CSP would block it")
        #expect(try await HTTPExchange.send(base + "dashboard.css").headers["content-type"]?.hasPrefix("text/css") == true)
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let refused = try await HTTPExchange.send(base + "api/domains", method: method)
            #expect(refused.status == 405, "\(method)")
            #expect(refused.headers["allow"] == "GET, HEAD")
        }
        #expect(try await HTTPExchange.send(base, method: "HEAD").status == 200)
        #expect(try await HTTPExchange.send(base + "?page=0").status == 400)
        #expect(try await HTTPExchange.send(base + "?status=evil").status == 400)
        #expect(try await HTTPExchange.send(base + "?q=" + String(repeating: "a", count: 3000)).status == 414)
        #expect(try await HTTPExchange.send(base + "domains/unknown.dash.test").status == 404)
        let api = try await HTTPExchange.send(base + "api/domains?per=2")
        let document = try api.json()
        #expect(document["schemaVersion"] as? Int == 2)
        #expect((document["items"] as? [[String: Any]])?.count == 2 && document["total"] as? Int == 3 && document["pages"] as? Int == 2)
        let metrics = try await HTTPExchange.send(base + "metrics")
        #expect(metrics.text.contains("senderwatch_domains_monitored 3"), "\(metrics.text.prefix(300))")

        // With a bearer token from a secret reference: nothing without it, everything with it.
        let token = "dashboard-token-0123456789"
        let guarded = try DashboardProcess(["serve", "--db", database, "--http-listen", "127.0.0.1:0", "--http-token", "env:SW_DASH_TOKEN"],
                                           directory: root, environment: ["SW_DASH_TOKEN": token])
        defer { guarded.stop() }
        guard let secured = await guarded.waitForURL() else { Issue.record("serve did not start: \(guarded.log)"); return }
        let anonymous = try await HTTPExchange.send(secured + "api/domains")
        #expect(anonymous.status == 401 && anonymous.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try await HTTPExchange.send(secured + "metrics", headers: ["Authorization": "Bearer wrong-token-0123456789"]).status == 401)
        #expect(try await HTTPExchange.send(secured + "api/domains", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        #expect(!guarded.log.contains(token), "the token is never printed")

        // Basic authentication from a file.
        let secret = root.appendingPathComponent("basic.secret")
        try "auditor:correct horse battery\n".write(to: secret, atomically: true, encoding: .utf8)
        let basic = try DashboardProcess(["serve", "--db", database, "--http-listen", "127.0.0.1:0", "--http-basic", "file:\(secret.path)"], directory: root)
        defer { basic.stop() }
        guard let basicURL = await basic.waitForURL() else { Issue.record("serve did not start: \(basic.log)"); return }
        let credentials = Data("auditor:correct horse battery".utf8).base64EncodedString()
        #expect(try await HTTPExchange.send(basicURL).status == 401)
        #expect(try await HTTPExchange.send(basicURL, headers: ["Authorization": "Basic \(credentials)"]).status == 200)

        // A non-loopback address without credentials is refused before anything listens.
        let open = try CLIRunner.run(["serve", "--db", database, "--http-listen", "0.0.0.0:0"])
        #expect(open.status == 2 && open.stderr.contains("not a loopback address"), "\(open.stderr)")
        let missing = try CLIRunner.run(["serve", "--db", database, "--http-listen", "127.0.0.1:0", "--http-token", "env:SW_DASH_UNSET"])
        #expect(missing.status == 2 && missing.stderr.contains("SW_DASH_UNSET"), "\(missing.stderr)")
    }
}
