import Foundation
import Testing
import TestSupport

/// The audit commands on the demo zones (offline): the stories in Monitors/demo/zones must come out as
/// the findings a postmaster needs.
@Suite struct CheckCommandTests {
    func domains(_ json: [String: Any]) -> [String: [String: Any]] {
        let list = json["domains"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["domain"] as? String ?? "", $0) })
    }

    func kinds(_ domain: [String: Any]?) -> [String] {
        ((domain?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
    }

    /// `--no-transport` keeps the audit to SPF and DMARC: the MX set, MTA-STS, TLS-RPT and BIMI are not read,
    /// none of their parts or findings appear, `notRead` says so, and SPF and DMARC say what they said before.
    @Test func noTransportReadsOnlySPFAndDMARC() throws {
        let arguments = ["check", "--zone", CLIRunner.demoZones, "--json", "harborline.example", "brightpath.example"]
        let full = domains(try CLIRunner.run(arguments).json())
        let narrow = domains(try CLIRunner.run(arguments + ["--no-transport"]).json())
        let transportPrefixes = ["mta-sts", "tlsrpt", "bimi", "mx."]
        #expect(kinds(full["harborline.example"]).contains("mta-sts.record-without-policy"))
        for name in ["harborline.example", "brightpath.example"] {
            let all = full[name], some = narrow[name]
            #expect(all?["notRead"] == nil, "a full check reads everything")
            #expect(some?["notRead"] as? [String] == ["bimi", "mta-sts", "mx", "tls-rpt"], "\(String(describing: some))")
            #expect(some?["mx"] == nil && all?["mx"] != nil)
            let parts = (some?["parts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(!parts.contains { id in transportPrefixes.contains { id.hasPrefix($0) } }, "\(parts)")
            #expect(!kinds(some).contains { kind in transportPrefixes.contains { kind.hasPrefix($0) } }, "\(kinds(some))")
            // What SPF and DMARC establish does not change.
            let spfAndDMARC = { (domain: [String: Any]?) in self.kinds(domain).filter { $0.hasPrefix("spf.") || $0.hasPrefix("dmarc.") } }
            #expect(spfAndDMARC(all) == spfAndDMARC(some))
            #expect((all?["spf"] as? [String: Any])?["record"] as? String == (some?["spf"] as? [String: Any])?["record"] as? String)
        }
        let text = try CLIRunner.run(["check", "--zone", CLIRunner.demoZones, "harborline.example", "--no-transport"])
        #expect(text.stdout.contains("not read: bimi, mta-sts, mx, tls-rpt (--no-transport)"), "\(text.stdout)")
    }

    @Test func demoDomainsTellTheirStories() throws {
        let output = try CLIRunner.run(["check", "--zone", CLIRunner.demoZones, "--json", "--ip", "60.130.71.223",
                                        "acme-widgets.example", "brightpath.example", "ledgerly.example", "harborline.example"])
        #expect(output.status == 1, "findings of warning or worse exit 1: \(output.stderr)")
        let json = try output.json()
        #expect(json["schemaVersion"] as? Int == 2)
        let byName = domains(json)
        #expect(Array(byName.keys).sorted() == ["acme-widgets.example", "brightpath.example", "harborline.example", "ledgerly.example"])

        let bright = byName["brightpath.example"]
        #expect(kinds(bright).contains("spf.sender-unauthorized"))
        let unauthorized = (bright?["findings"] as? [[String: Any]])?.first { $0["kind"] as? String == "spf.sender-unauthorized" }
        #expect((unauthorized?["message"] as? String)?.contains("softfail (domain of brightpath.example does not designate 60.130.71.223 as permitted sender)") == true)
        #expect((unauthorized?["fix"] as? String)?.contains("ip4:60.130.71.223") == true)

        let ledgerly = byName["ledgerly.example"]
        #expect(kinds(ledgerly).contains("spf.lookup-limit"))
        #expect((ledgerly?["spf"] as? [String: Any])?["dnsLookups"] as? Int == 11)

        #expect(kinds(byName["harborline.example"]).contains("dmarc.invalid"))
        // The healthy domain has no finding about its records; only the foreign --ip is unauthorized there.
        #expect(kinds(byName["acme-widgets.example"]).allSatisfy { $0 == "spf.sender-unauthorized" })
    }

    @Test func healthyDomainExitsZero() throws {
        let output = try CLIRunner.run(["check", "--zone", CLIRunner.demoZones, "acme-widgets.example"])
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("acme-widgets.example: OK"))
    }

    @Test func softfailStoryAsAReceiverSeesIt() throws {
        let output = try CLIRunner.run(["spf", "--zone", CLIRunner.demoZones, "brightpath.example", "--ip", "60.130.71.223",
                                        "--sender", "billing@brightpath.example", "--json"])
        #expect(output.status == 1)
        let json = try output.json()
        #expect(json["result"] as? String == "softfail")
        #expect(json["mechanism"] as? String == "~all")
        #expect(json["ip"] as? String == "60.130.71.223")
    }

    @Test func lookupTreeCountsEleven() throws {
        let output = try CLIRunner.run(["spf", "--zone", CLIRunner.demoZones, "ledgerly.example", "--json"])
        let json = try output.json()
        #expect(json["dnsLookups"] as? Int == 11)
        #expect((json["errors"] as? [[String: Any]])?.contains { $0["code"] as? String == "lookup-limit" } == true)
        #expect((json["networks"] as? [String])?.contains("205.201.128.0/20") == true)
    }

    @Test func batchEvaluatesLinesInOrderAndReportsBadOnes() throws {
        let input = """
        brightpath.example 203.0.113.10
        # a comment
        brightpath.example 60.130.71.223 billing@brightpath.example crm.example
        brightpath.example not-an-ip
        acme-widgets.example 2001:db8:25::9
        """
        let output = try CLIRunner.run(["spf", "--zone", CLIRunner.demoZones, "--batch", "-"], stdin: input)
        #expect(output.status == 2, "a malformed line makes the batch exit 2")
        let lines = output.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 4)
        #expect(lines[0]?["result"] as? String == "pass")
        #expect(lines[1]?["result"] as? String == "softfail")
        #expect(lines[1]?["helo"] as? String == "crm.example")
        #expect(lines[2]?["line"] as? Int == 4)
        #expect((lines[2]?["error"] as? String)?.contains("\"not-an-ip\" is not an IP address") == true)
        #expect(lines[3]?["result"] as? String == "pass")
    }

    /// A file written on Windows: CRLF line ends (one Character each, so the input must be split as bytes).
    @Test func batchReadsCRLFLines() throws {
        let input = "brightpath.example 203.0.113.10\r\n# a comment\r\n\r\nbrightpath.example 60.130.71.223\r\n"
        let output = try CLIRunner.run(["spf", "--zone", CLIRunner.demoZones, "--batch", "-"], stdin: input)
        let lines = output.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(lines.count == 2)
        #expect(lines.first??["result"] as? String == "pass" && lines.last??["result"] as? String == "softfail", "\(output.stdout)")
    }

    @Test func dmarcCommandExplainsTheBrokenRecord() throws {
        let output = try CLIRunner.run(["dmarc", "--zone", CLIRunner.demoZones, "harborline.example", "--json"])
        #expect(output.status == 1)
        let json = try output.json()
        #expect(json["status"] as? String == "invalid")
        #expect(((json["error"] as? [String: Any])?["message"] as? String)?.contains("rejected") == true)
    }

    @Test func externalReportDestinationAuthorized() throws {
        let output = try CLIRunner.run(["dmarc", "--zone", CLIRunner.demoZones, "acme-widgets.example", "--json"])
        let json = try output.json()
        let destinations = json["reportDestinations"] as? [[String: Any]] ?? []
        let vendor = destinations.first { ($0["uri"] as? String)?.contains("dmarcvendor") == true }
        #expect(vendor?["external"] as? Bool == true)
        #expect(vendor?["authorized"] as? Bool == true)
    }
}

/// Usage and input errors exit 2 with the exact problem.
@Suite struct UsageErrorTests {
    @Test(arguments: [
        (["check", "exa mple.com"], "invalid character U+0020"),
        (["check", "example.com", "--ip", "300.1.1.1"], "\"300.1.1.1\" is not an IP address"),
        (["spf", "example.com", "--resolver", "127.0.0.1:99999"], "--resolver 127.0.0.1:99999"),
        (["spf", "example..com"], "label 2 is empty"),
        (["check", "example.com", "--zone", "/nonexistent/zones"], "--zone /nonexistent/zones: no such file or directory"),
        (["spf", "--batch", "x", "example.com"], "give no DOMAIN or --ip with it"),
        (["check", "example.com", "--concurrency", "0"], "--concurrency must be 1...4096"),
        (["check", "example.com", "--timeout", "-1"], "--timeout must be between 0 and 120 seconds, got -1.0"),
        (["check", "example.com", "--retries", "-3"], "--retries must be 0...10, got -3"),
        (["nonsense"], "Unexpected argument"),
    ])
    func exitsTwoWithTheProblem(arguments: [String], message: String) throws {
        let output = try CLIRunner.run(arguments)
        #expect(output.status == 2, "\(arguments): \(output.stderr)")
        #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try CLIRunner.run(["--help"])
        #expect(help.status == 0)
        for command in ["check", "spf", "dmarc", "apply", "poll", "findings", "history", "senders", "domains"] {
            #expect(help.stdout.contains(command), "--help lists \(command)")
        }
        #expect(help.stdout.contains("Exit codes: 0 healthy; 1 findings"))
        let version = try CLIRunner.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        let spfHelp = try CLIRunner.run(["spf", "--help"])
        #expect(spfHelp.stdout.contains("--batch"))
        #expect(spfHelp.stdout.contains("senderwatch spf example.com --ip 60.130.71.223"))
    }
}

/// `--zone` with and without `--resolver`: the zone files answer for their zones, other names go to the
/// network when one is given and are an unknown part (named, with "outside the zone files") otherwise. An
/// auxiliary lookup that cannot be answered never blinds the domain: its SPF and DMARC findings stand.
@Suite struct MixedDNSTests {
    static var ownZone: String { SharedData.packageRoot.appendingPathComponent("Tests/Fixtures/zones/senderwatch.test.zone").path }

    func part(_ output: CLIRunner.Output, _ id: String) throws -> [String: Any]? {
        let domain = (try output.json()["domains"] as? [[String: Any]])?.first
        return (domain?["parts"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    @Test func offlineOutsideTheZonesIsAnUnknownPartNotABlindDomain() throws {
        let output = try CLIRunner.run(["check", "--zone", Self.ownZone, "senderwatch.test", "--json"])
        #expect(output.status == 0, "the own records answered and establish no warning: \(output.stdout)\(output.stderr)")
        let include = try #require(try part(output, "spf.include:_spf.provider.test"))
        #expect(include["verdict"] as? String == "unknown")
        #expect((include["cause"] as? String)?.contains("_spf.provider.test is outside the zone files given") == true)
        #expect(try part(output, "spf.record")?["verdict"] as? String == "known")
        #expect(try part(output, "dmarc.policy")?["verdict"] as? String == "known")
        let domain = try #require((try output.json()["domains"] as? [[String: Any]])?.first)
        #expect(domain["complete"] as? Bool == false)
        #expect((domain["spf"] as? [String: Any])?["dnsLookupsLowerBound"] as? Bool == true)
        let text = try CLIRunner.run(["check", "--zone", Self.ownZone, "senderwatch.test"])
        #expect(text.stdout.contains("unknown: the SPF record of _spf.provider.test"), "\(text.stdout)")
    }

    @Test func zoneFilesWithAResolverFollowTheRestLive() throws {
        let provider = NSDServer.Zone(origin: "provider.test", text: try String(
            contentsOf: SharedData.packageRoot.appendingPathComponent("Tests/Fixtures/zones/provider.test.zone"), encoding: .utf8))
        let parent = NSDServer.Zone(origin: "test", text: "$TTL 300\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 60\ntest. IN NS ns1.test.\n")
        guard let server = try NSDServer.start(zones: [provider, parent]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let output = try CLIRunner.run(["check", "--zone", Self.ownZone, "--resolver", server.address, "senderwatch.test",
                                        "--ip", "198.51.100.7", "--json"])
        let domain = try #require((try output.json()["domains"] as? [[String: Any]])?.first)
        #expect(domain["complete"] as? Bool == true, "\(output.stdout)")
        #expect(try part(output, "spf.include:_spf.provider.test")?["verdict"] as? String == "known")
        let senders = domain["senders"] as? [[String: Any]] ?? []
        #expect(senders.first?["result"] as? String == "pass", "the include was followed through NSD: \(senders)")
    }
}
