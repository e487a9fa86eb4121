import Foundation
import Testing

/// Issue 13, the smaller defects: one domain-name rule for every command, the same answer from `findings`
/// and `history` for an unmonitored domain, and `generate` that never offers an unpublishable record.
@Suite struct DomainArgumentTests {
    /// Each was accepted before (as a domain to audit), or answered `none` instead of an error.
    @Test(arguments: [
        (["check", "brightpath.example.."], "\"brightpath.example..\" is not a domain name: label 3 is empty"),
        (["check", "1.2.3.4"], "\"1.2.3.4\" is an IP address, not a domain name"),
        (["check", "*.example"], "\"*.example\" is a wildcard"),
        (["spf", "bücher.example"], "write it as the IDNA A-label xn--bcher-kva.example"),
        (["dmarc", "1.2.3.4"], "is an IP address"),
        (["check", "bücher.example"], "xn--bcher-kva.example"),
    ])
    func refusedEverywhere(arguments: [String], message: String) async throws {
        let out = try await CLIRunner.launch(arguments + ["--zone", CLIRunner.demoZones])
        #expect(out.status == 2, "\(out.stdout)")
        #expect(out.stderr.contains(message), "\(out.stderr)")
    }

    @Test func domainListsAndBatchLinesFollowTheRule() async throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let list = root.appendingPathComponent("domains.txt")
        try "acme-widgets.example\n1.2.3.4\n".write(to: list, atomically: true, encoding: .utf8)
        let check = try await CLIRunner.launch(["check", "--domains-from", list.path, "--zone", CLIRunner.demoZones])
        #expect(check.status == 2 && check.stderr.contains("domains.txt:2: \"1.2.3.4\" is an IP address"), "\(check.stderr)")

        // Issue 13: a U-label line answered "none" in the batch while `check` exited 2.
        let batch = try await CLIRunner.launch(["spf", "--batch", "-", "--zone", CLIRunner.demoZones],
                                      stdin: "acme-widgets.example 192.0.2.1\nbücher.example 192.0.2.1\n*.example 192.0.2.1\n")
        #expect(batch.status == 2)
        let lines = batch.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 3)
        #expect(lines[0]["result"] as? String == "pass")
        #expect(lines[1]["line"] as? Int == 2 && (lines[1]["error"] as? String)?.contains("xn--bcher-kva.example") == true, "\(lines)")
        #expect((lines[2]["error"] as? String)?.contains("is a wildcard") == true)
        #expect(!batch.stdout.contains("\"none\""))
    }

    /// Issue 13: `findings --domain unknown.example` exited 0 where `history` exits 2.
    @Test func unmonitoredDomainIsAnErrorForFindingsAndHistory() async throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("sw.sqlite").path
        #expect(try await CLIRunner.launch(["apply", CLIRunner.demoMonitors, "--db", database]).status == 0)
        for command in [["findings", "--domain", "unknown.example"], ["history", "unknown.example"],
                        ["senders", "list", "unknown.example"], ["senders", "add", "unknown.example", "ip", "192.0.2.1"],
                        ["senders", "remove", "unknown.example", "ip", "192.0.2.1"]] {
            let out = try await CLIRunner.launch(command + ["--db", database])
            #expect(out.status == 2, "\(command)")
            #expect(out.stderr.contains("unknown.example is not monitored"), "\(command): \(out.stderr)")
        }
        let known = try await CLIRunner.launch(["findings", "--domain", "acme-widgets.example", "--db", database])
        #expect(known.status == 0 && known.stdout.contains("no findings recorded"))
        let bad = try await CLIRunner.launch(["findings", "--domain", "1.2.3.4", "--db", database])
        #expect(bad.status == 2 && bad.stderr.contains("is an IP address"))
    }

    /// Issue 13: generate printed "To publish" steps for a record of 11 lookups. ledgerly.example needs 11.
    @Test func generateOffersNoUnpublishableRecord() async throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("sw.sqlite").path
        let monitor = root.appendingPathComponent("ledgerly.yaml")
        // No max_lookups: the budget is RFC 7208's 10.
        try """
        domain: ledgerly.example
        senders:
          - { host: ledgerly.example }
          - { mx: ledgerly.example }
          - { include: _spf.suite.example }
          - { include: spf.office.example }
          - { include: servers.newsletter.example }
          - { include: mailgun.transact.example }
        ---
        domain: acme-widgets.example
        senders: [ { cidr: 192.0.2.0/28 }, { include: spf.office.example } ]
        """.write(to: monitor, atomically: true, encoding: .utf8)
        #expect(try await CLIRunner.launch(["apply", monitor.path, "--db", database]).status == 0)
        let text = try await CLIRunner.launch(["generate", "ledgerly.example", "--zone", CLIRunner.demoZones, "--db", database])
        #expect(text.status == 1, "\(text.stdout)")
        #expect(text.stdout.contains("11 DNS lookup(s)"))
        #expect(!text.stdout.contains("To publish") && text.stdout.contains("Not ready to publish"), "\(text.stdout)")
        let json = try await CLIRunner.launch(["generate", "ledgerly.example", "--zone", CLIRunner.demoZones, "--db", database, "--json"])
        #expect(json.status == 1)
        #expect(try json.json()["publishable"] as? Bool == false)
        // A record that fits is still offered, and --flatten makes ledgerly's fit.
        let fits = try await CLIRunner.launch(["generate", "acme-widgets.example", "--zone", CLIRunner.demoZones, "--db", database])
        #expect(fits.status == 0 && fits.stdout.contains("To publish"), "\(fits.stdout)\(fits.stderr)")
        let flattened = try await CLIRunner.launch(["generate", "ledgerly.example", "--flatten", "--zone", CLIRunner.demoZones, "--db", database])
        #expect(flattened.status == 0 && flattened.stdout.contains("To publish"), "\(flattened.stdout)")
    }

    /// The rule holds in monitor files as well; a CIDR with host bits set is refused with the network meant.
    @Test func monitorFilesFollowTheRule() async throws {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let monitor = root.appendingPathComponent("m.yaml")
        try "domain: 1.2.3.4\n---\ndomain: ok.example\nsenders: [ { cidr: 192.0.2.1/24 } ]\n".write(to: monitor, atomically: true, encoding: .utf8)
        let out = try await CLIRunner.launch(["apply", monitor.path, "--db", root.appendingPathComponent("sw.sqlite").path])
        #expect(out.status == 2)
        #expect(out.stderr.contains("m.yaml:1:9: domain: \"1.2.3.4\" is an IP address"), "\(out.stderr)")
        #expect(out.stderr.contains("m.yaml:4:20: senders[0].cidr: \"192.0.2.1/24\" has host bits set: the network is 192.0.2.0/24"),
                "\(out.stderr)")
    }
}
