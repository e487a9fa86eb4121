import Foundation
import Testing
import TestSupport

/// ingest, observed, headers and the observed-sender findings through the binary, offline from the demo zones.
@Suite struct ObservedCommandTests {
    struct Workspace {
        let root: URL
        var database: String { root.appendingPathComponent("sw.sqlite").path }
        init() throws { root = try CLIRunner.temporaryDirectory() }
        func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> CLIRunner.Output {
            try CLIRunner.run(arguments + ["--db", database], stdin: stdin, environment: environment)
        }
        func write(_ name: String, _ text: String) throws -> String {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        func cleanup() { try? FileManager.default.removeItem(at: root) }
    }

    static var demoReports: String { SharedData.packageRoot.appendingPathComponent("Monitors/demo/reports").path }
    static func header(_ name: String) -> String { SharedData.packageRoot.appendingPathComponent("Tests/Fixtures/headers/\(name)").path }

    static func lines(_ output: CLIRunner.Output) throws -> [[String: Any]] {
        try output.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// A minimal RFC 7489 report: (ip, count, dkim aligned, spf aligned, disposition).
    static func report(id: String, begin: Int, end: Int, rows: [(String, Int, String, String, String)]) -> String {
        let records = rows.map { ip, count, dkim, spf, disposition in
            """
            <record><row><source_ip>\(ip)</source_ip><count>\(count)</count><policy_evaluated><disposition>\(disposition)</disposition>\
            <dkim>\(dkim)</dkim><spf>\(spf)</spf></policy_evaluated></row><identifiers><header_from>brightpath.example</header_from></identifiers>\
            <auth_results><dkim><domain>brightpath.example</domain><result>\(dkim)</result></dkim><spf><domain>brightpath.example</domain>\
            <result>\(spf == "pass" ? "pass" : "softfail")</result></spf></auth_results></record>
            """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0"?><feedback><report_metadata><org_name>test.receiver.example</org_name><email>r@test.receiver.example</email>\
            <report_id>\(id)</report_id><date_range><begin>\(begin)</begin><end>\(end)</end></date_range></report_metadata>\
            <policy_published><domain>brightpath.example</domain><p>reject</p></policy_published>
            \(records)
            </feedback>
            """
    }

    @Test func ingestStoresOnceAndSaysDuplicateAfter() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let first = try ws.run(["ingest", "--json", Self.demoReports])
        #expect(first.status == 0, "\(first.stderr)")
        let line = try #require(try Self.lines(first).first)
        #expect(line["status"] as? String == "ingested")
        #expect(line["orgName"] as? String == "mail.receiver.example")
        #expect(line["reportId"] as? String == "brightpath-20261127-0001")
        #expect(line["domain"] as? String == "brightpath.example")
        #expect(line["records"] as? Int == 4)
        #expect(line["messages"] as? Int == 241)
        #expect(line["schemaVersion"] as? Int == 2)
        #expect(line["kind"] as? String == "aggregate")
        // The demo's SMTP TLS report: one policy, 1,242 sessions.
        let tls = try #require(try Self.lines(first).last)
        #expect(tls["kind"] as? String == "tlsrpt" && tls["status"] as? String == "ingested", "\(tls)")
        #expect(tls["domain"] as? String == "brightpath.example" && tls["records"] as? Int == 1 && tls["messages"] as? Int == 1242)
        let again = try ws.run(["ingest", "--json", Self.demoReports])
        #expect(again.status == 0)
        #expect(try Self.lines(again).map { $0["status"] as? String } == ["duplicate", "duplicate"])
        let observed = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"])
        let totals = try observed.json()["totals"] as? [String: Any] ?? [:]
        #expect(totals["messages"] as? Int == 241, "a duplicate adds nothing")
    }

    /// `tls-reports` lists the demo's SMTP TLS report day by day; a domain without reports has nothing to say.
    @Test func tlsReportsListTheDaysAndTheFailingMX() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        #expect(try ws.run(["ingest", Self.demoReports]).status == 0)
        let json = try ws.run(["tls-reports", "brightpath.example", "--json"])
        #expect(json.status == 1, "failed sessions make exit 1: \(json.stderr)")
        let document = try json.json()
        #expect(document["totals"] as? [String: Int] == ["reports": 1, "sessions": 1242, "failed": 62], "\(document)")
        #expect(document["reporters"] as? [String] == ["TLS Receiver Example"])
        let day = try #require((document["days"] as? [[String: Any]])?.first)
        #expect(day["day"] as? String == "2026-11-28" && day["successful"] as? Int == 1180)
        let failures = day["failures"] as? [[String: Any]] ?? []
        #expect(failures.count == 1 && failures.first?["resultType"] as? String == "certificate-expired"
                && failures.first?["receivingMX"] as? String == "mx.office.example" && failures.first?["sessions"] as? Int == 62)
        let text = try ws.run(["tls-reports", "brightpath.example"])
        #expect(text.stdout.contains("2026-11-28      1242        62  5%     certificate-expired at mx.office.example (62)"), "\(text.stdout)")
        let none = try ws.run(["tls-reports", "acme-widgets.example"])
        #expect(none.status == 0 && none.stdout.contains("no SMTP TLS reports stored"), "\(none.stdout)")
        let later = try ws.run(["tls-reports", "brightpath.example", "--since", "2026-11-29", "--json"])
        let laterDays = try later.json()["days"] as? [Any]
        #expect(later.status == 0 && laterDays?.isEmpty == true)
    }

    @Test func brokenFilesAreRejectedWithTheirReasonAndTheBatchGoesOn() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let good = Self.report(id: "t-1", begin: 1_795_737_600, end: 1_795_823_999, rows: [("192.0.2.1", 5, "pass", "pass", "none")])
        let truncated = String(Self.report(id: "t-2", begin: 1_795_737_600, end: 1_795_823_999,
                                           rows: [("192.0.2.2", 7, "pass", "pass", "none"), ("192.0.2.3", 9, "fail", "fail", "reject")]).prefix(900))
        _ = try ws.write("batch/a-good.xml", good)
        _ = try ws.write("batch/b-truncated.xml", truncated)
        _ = try ws.write("batch/c-notes.txt", "not a report\n")
        let output = try ws.run(["ingest", "--json", ws.root.appendingPathComponent("batch").path, ws.root.appendingPathComponent("missing").path])
        #expect(output.status == 2, "a rejected file makes the exit code 2")
        let lines = try Self.lines(output)
        #expect(lines.map { $0["status"] as? String } == ["ingested", "rejected", "rejected", "rejected"])
        #expect((lines[1]["error"] as? String)?.contains("malformedXML") == true, "\(lines[1])")
        #expect((lines[2]["error"] as? String)?.contains("unknownFormat") == true, "\(lines[2])")
        #expect(lines[3]["error"] as? String == "no such file or directory")
        // The truncated report's first record was parsed before the damage: it must not be stored.
        let observed = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"])
        let sources = try observed.json()["sources"] as? [[String: Any]] ?? []
        #expect(sources.map { $0["sourceIP"] as? String } == ["192.0.2.1"])
    }

    @Test func everySharedSampleIsIngestedOrRejected() throws {
        guard let folder = try SharedData.url("conformance/dmarc-reports") else { try Test.cancel("shared data absent (set SENDERWATCH_SHARED)") }
        let ws = try Workspace()
        defer { ws.cleanup() }
        let output = try ws.run(["ingest", "--json", folder.path])
        #expect(output.status == 2)
        let lines = try Self.lines(output)
        #expect(lines.count == 29)
        // The empty and the malformed XML samples, the failure report without its ARF part, and the RFC 9990
        // example dated 1979.
        #expect(lines.filter { $0["status"] as? String == "rejected" }.count == 4)
        // Four failure reports, the two LinkedIn ones the same report (one with CR LF line ends).
        let failures = lines.filter { $0["kind"] as? String == "failure" && $0["status"] as? String != "rejected" }
        #expect(failures.compactMap { $0["status"] as? String }.sorted() == ["duplicate", "ingested", "ingested", "ingested"])
        // nice-input.xml and its .gz and .zip are one report (google.com's): stored once. changed-input.xml has
        // the same report id from another org (fred.com), so it is a report of its own.
        let nice = lines.filter { $0["reportId"] as? String == "11038226378739404135" }
        #expect(nice.filter { $0["orgName"] as? String == "google.com" }.compactMap { $0["status"] as? String }.sorted()
                == ["duplicate", "duplicate", "ingested"])
        #expect(nice.filter { $0["orgName"] as? String == "fred.com" }.compactMap { $0["status"] as? String } == ["ingested"])
        #expect(nice.allSatisfy { $0["records"] as? Int == 20 && $0["messages"] as? Int == 3047 })
    }

    @Test func aReportOverSeveralDaysIsSpreadOverThem() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        // 2026-11-27 00:00 to 2026-11-30 00:00 UTC: three days, 10 messages -> 4 + 3 + 3.
        let path = try ws.write("long.xml", Self.report(id: "long-1", begin: 1_795_737_600, end: 1_795_737_600 + 3 * 86400,
                                                          rows: [("192.0.2.9", 10, "pass", "pass", "none")]))
        #expect(try ws.run(["ingest", path]).status == 0)
        let all = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"])
        let source = try #require((try all.json()["sources"] as? [[String: Any]])?.first)
        #expect(source["messages"] as? Int == 10)
        #expect(source["firstDay"] as? String == "2026-11-27")
        #expect(source["lastDay"] as? String == "2026-11-29")
        let late = try ws.run(["observed", "brightpath.example", "--since", "2026-11-28", "--zone", CLIRunner.demoZones, "--json"])
        let lateSource = try #require((try late.json()["sources"] as? [[String: Any]])?.first)
        #expect(lateSource["messages"] as? Int == 6)
    }

    @Test func observedShowsTheSoftfailSenderAndPollOpensTheFindings() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        #expect(try ws.run(["apply", CLIRunner.demoMonitors]).status == 0)
        #expect(try ws.run(["ingest", Self.demoReports]).status == 0)
        let observed = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"])
        #expect(observed.status == 1, "DKIM-aligned mail that SPF does not authorize: exit 1")
        let sources = try observed.json()["sources"] as? [[String: Any]] ?? []
        #expect(sources.map { $0["sourceIP"] as? String } == ["203.0.113.10", "209.85.220.41", "60.130.71.223", "198.51.100.77"])
        let crm = try #require(sources.first { $0["sourceIP"] as? String == "60.130.71.223" })
        #expect(crm["dkimAlignedPass"] as? Int == 42)
        #expect(crm["spfAlignedPass"] as? Int == 0)
        #expect((crm["spfNow"] as? [String: Any])?["result"] as? String == "softfail")
        #expect((sources[0]["spfNow"] as? [String: Any])?["result"] as? String == "pass")
        // Every source of the demo has a name, and says how it was learned.
        let named = Dictionary(uniqueKeysWithValues: sources.map { ($0["sourceIP"] as? String ?? "", $0["name"] as? [String: Any] ?? [:]) })
        #expect(named["203.0.113.10"]?["name"] as? String == "Office relay")
        #expect(named["209.85.220.41"]?["name"] as? String == "Productivity suite")
        #expect(named["60.130.71.223"]?["name"] as? String == "CRM invoices")
        for ip in ["203.0.113.10", "209.85.220.41", "60.130.71.223"] {
            #expect(named[ip]?["method"] as? String == "approved-sender", "\(ip): \(named[ip] ?? [:])")
        }
        #expect(named["198.51.100.77"]?["name"] as? String == "cheap-bulk-mailer.example", "\(named["198.51.100.77"] ?? [:])")
        #expect(named["198.51.100.77"]?["method"] as? String == "reverse-dns")
        #expect((named["198.51.100.77"]?["detail"] as? String)?.contains("bulk7.cheap-bulk-mailer.example") == true)
        let text = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones]).stdout
        #expect(text.contains("named by reverse-dns: forward-confirmed reverse DNS bulk7.cheap-bulk-mailer.example"), "\(text)")

        #expect(try ws.run(["poll", "--all", "--zone", CLIRunner.demoZones]).status == 1)
        let findings = try ws.run(["findings", "--open", "--domain", "brightpath.example", "--json"]).json()["items"] as? [[String: Any]] ?? []
        let unauthorized = try #require(findings.first { $0["kind"] as? String == "spf.observed-unauthorized" })
        #expect(unauthorized["subject"] as? String == "60.130.71.223")
        #expect(unauthorized["severity"] as? String == "error")
        #expect((unauthorized["fix"] as? String)?.contains("a:crm-mailer.crmcloud.example") == true, "\(unauthorized)")
        #expect((unauthorized["message"] as? String)?.contains("softfail (domain of brightpath.example does not designate 60.130.71.223") == true)
        let spoofing = try #require(findings.first { $0["kind"] as? String == "dmarc.spoofing" })
        #expect(spoofing["severity"] as? String == "info")
        #expect((spoofing["message"] as? String)?.contains("17 rejected") == true, "\(spoofing)")
        let spoofingEvidence = spoofing["evidence"] as? [String: Any] ?? [:]
        #expect(spoofingEvidence["topSources"] as? String == "198.51.100.77 (17, cheap-bulk-mailer.example)", "\(spoofing)")
        #expect((unauthorized["message"] as? String)?.contains("60.130.71.223 (CRM invoices, by approved-sender)") == true, "\(unauthorized)")
        #expect((unauthorized["evidence"] as? [String: Any])?["sourceNamedBy"] as? String == "approved-sender")
        #expect(!findings.contains { $0["kind"] as? String == "spf.observed-unauthorized" && $0["subject"] as? String != "60.130.71.223" })
        #expect(!findings.contains { $0["kind"] as? String == "inventory.stale" }, "one day of reports proves nothing stale")

        // Forty days later only the CRM is seen: the office relay and the suite are stale, the CRM is not.
        let later = 1_795_737_600 + 40 * 86400
        let path = try ws.write("later.xml", Self.report(id: "later-1", begin: later, end: later + 86399,
                                                           rows: [("60.130.71.223", 30, "pass", "fail", "none")]))
        // That day is after today's clock: judge the report's dates and the poll as if it were the day after.
        #expect(try ws.run(["ingest", path], environment: ["SENDERWATCH_NOW": String(later + 86400)]).status == 0)
        _ = try ws.run(["poll", "--all", "--zone", CLIRunner.demoZones], environment: ["SENDERWATCH_NOW": String(later + 86400)])
        let after = try ws.run(["findings", "--open", "--domain", "brightpath.example", "--json"]).json()["items"] as? [[String: Any]] ?? []
        let stale = after.filter { $0["kind"] as? String == "inventory.stale" }.compactMap { $0["subject"] as? String }.sorted()
        #expect(stale == ["include:_spf.suite.example", "ip:203.0.113.10"], "\(stale)")
        #expect(!after.contains { $0["kind"] as? String == "dmarc.spoofing" }, "the forger fell out of the 30-day window: resolved")
    }

    @Test func headersSayWhetherTheDomainDesignatesTheIP() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        for file in ["gmail.eml", "microsoft.eml", "yahoo.eml"] {
            let output = try ws.run(["headers", Self.header(file), "--zone", CLIRunner.demoZones, "--json"])
            #expect(output.status == 1, "\(file): \(output.stderr)")
            let json = try output.json()
            #expect(json["connectingIP"] as? String == "60.130.71.223")
            #expect(json["designated"] as? Bool == false)
            #expect((json["spfNow"] as? [String: Any])?["result"] as? String == "softfail")
            #expect((json["fix"] as? String)?.contains("ip4:60.130.71.223") == true)
        }
        let text = try ws.run(["headers", Self.header("gmail.eml"), "--zone", CLIRunner.demoZones])
        #expect(text.stdout.contains("brightpath.example does NOT designate 60.130.71.223 as a permitted sender"), "\(text.stdout)")
        let relay = "Received-SPF: pass (domain of brightpath.example designates 203.0.113.10 as permitted sender) client-ip=203.0.113.10;\n"
            + "Authentication-Results: mx.example; spf=pass smtp.mailfrom=brightpath.example; dkim=pass header.d=brightpath.example\n"
            + "Return-Path: <office@brightpath.example>\nFrom: office@brightpath.example\n\nhello\n"
        let pass = try ws.run(["headers", "-", "--record", "--zone", CLIRunner.demoZones, "--json"], stdin: relay)
        #expect(pass.status == 0, "\(pass.stderr)")
        #expect(try pass.json()["designated"] as? Bool == true)
        let observed = try ws.run(["observed", "brightpath.example", "--zone", CLIRunner.demoZones, "--json"])
        let source = try #require((try observed.json()["sources"] as? [[String: Any]])?.first)
        #expect(source["sourceIP"] as? String == "203.0.113.10")
        #expect(source["reporters"] as? [String] == ["message headers"])
        #expect(source["dkimAlignedPass"] as? Int == 1)
        let nothing = try ws.run(["headers", "-", "--zone", CLIRunner.demoZones], stdin: "Subject: no hops\n\n")
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("no connecting IP found"))
    }
}
