import Foundation
import TestSupport
import Testing

/// apply and poll through the binary against NSD: apply is idempotent, poll over the network opens the
/// findings, and a zone change after an NSD reload shows up as record.changed in the next poll.
@Suite struct PollNSDTests {
    static let monitor = """
    domains:
      - domain: good.cli.test
        senders: [ { ip: 192.0.2.10 } ]
      - domain: crm.cli.test
        expect: { dmarc_policy: reject }
        senders: [ { ip: 192.0.2.10 }, { name: CRM, ip: 192.0.2.11 } ]
    """

    static func zone(crmSPF: String) -> String {
        """
        $TTL 3600
        cli.test. IN SOA ns1.cli.test. hostmaster.cli.test. 1 3600 600 86400 300
        cli.test. IN NS ns1.cli.test.
        ns1.cli.test. IN A 127.0.0.1
        good.cli.test. IN TXT "v=spf1 ip4:192.0.2.10 -all"
        _dmarc.good.cli.test. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.cli.test"
        crm.cli.test. IN TXT "\(crmSPF)"
        _dmarc.crm.cli.test. IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@crm.cli.test"

        """
    }

    static let parent = NSDServer.Zone(origin: "test", text: "$TTL 3600\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 300\ntest. IN NS ns1.test.\nns1.test. IN A 127.0.0.1\n")

    @Test func applyTwiceThenPollOverNSD() async throws {
        guard let server = try NSDServer.start(zones: [Self.parent, NSDServer.Zone(origin: "cli.test", text: Self.zone(crmSPF: "v=spf1 ip4:192.0.2.10 -all"))]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("sw.sqlite").path
        let file = root.appendingPathComponent("monitor.yaml").path
        try Self.monitor.write(toFile: file, atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> CLIRunner.Output { try CLIRunner.run(arguments + ["--db", database]) }
        func openKinds() throws -> [String: Set<String>] {
            let items = try run(["findings", "--open", "--json"]).json()["items"] as? [[String: Any]] ?? []
            return Dictionary(grouping: items, by: { $0["domain"] as? String ?? "?" }).mapValues { Set($0.compactMap { $0["kind"] as? String }) }
        }

        let first = try run(["apply", file, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect((try first.json()["entries"] as? [[String: Any]])?.map { $0["action"] as? String } == ["added", "added"])
        let second = try run(["apply", file, "--json"])
        #expect((try second.json()["entries"] as? [[String: Any]])?.map { $0["action"] as? String } == ["unchanged", "unchanged"])

        let poll = try run(["poll", "--resolver", server.address, "--json"])
        #expect(poll.status == 1, "open findings of warning or worse: \(poll.stderr)")
        #expect(try openKinds() == ["crm.cli.test": ["spf.sender-unauthorized", "dmarc.weaker-than-expected"]])

        // Authorize the CRM in DNS, reload NSD: the next poll resolves the finding and reports the change.
        try server.write(zone: "cli.test", text: Self.zone(crmSPF: "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 -all"))
        try await server.reload {
            let check = try? CLIRunner.run(["check", "crm.cli.test", "--resolver", server.address, "--json"])
            return check?.stdout.contains("192.0.2.11") == true
        }
        let after = try run(["poll", "--all", "--resolver", server.address, "--json"])
        let crm = (try after.json()["domains"] as? [[String: Any]] ?? []).first { $0["domain"] as? String == "crm.cli.test" }
        #expect((crm?["resolved"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } == ["spf.sender-unauthorized"])
        let drift = (crm?["opened"] as? [[String: Any]])?.first { $0["kind"] as? String == "record.changed" }
        #expect((drift?["message"] as? String)?.contains("added ip4:192.0.2.11") == true, "\(String(describing: drift))")
        #expect(try openKinds() == ["crm.cli.test": ["record.changed", "dmarc.weaker-than-expected"]])

        let history = try run(["history", "crm.cli.test", "--json"])
        #expect((try history.json()["observations"] as? [[String: Any]])?.count == 2)
    }
}
