import Foundation
import TestSupport
import Testing

/// `generate` against NSD: the generated record (flattened, split into `_spf` sub-records), published and
/// served, passes every approved sender, fails others and stays within the budget; when a flattened
/// provider's zone changes, the next poll opens spf.flattened-stale with the new record, and publishing
/// the regenerated record resolves it.
@Suite struct GenerateNSDTests {
    static let monitor = """
    domain: gen.test
    expect: { spf_all: "-all", max_lookups: 8 }
    senders:
      - { name: Office, ip: 198.51.100.7 }
      - { name: Branch, cidr: 198.51.100.128/25 }
      - { name: Relay, host: relay.gen.test }
      - { name: Inbound, mx: gen.test }
      - { name: Wide suite, include: _spf.wide.prov.test }
      - { name: Mid suite, include: mid.prov.test }
      - { name: Small tool, include: small.prov.test }
    """

    /// Networks of the three parts of the wide provider: 10.N.0.0/16 for N in its range.
    static func wideParts(moved: Bool) -> [String: [Int]] {
        ["a": Array(0..<14), "b": moved ? Array(14..<20) + [21, 22, 23, 24, 25, 26, 99] : Array(14..<27), "c": Array(27..<40)]
    }

    static func txt(_ name: String, _ text: String) -> String {
        var strings: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty { strings.append(String(rest.prefix(200))); rest = rest.dropFirst(200) }
        return "\(name). IN TXT " + strings.map { "\"\($0)\"" }.joined(separator: " ")
    }

    static func providers(moved: Bool) -> String {
        var lines = ["$TTL 3600", "prov.test. IN SOA ns1.test. h.test. 1 3600 600 86400 300", "prov.test. IN NS ns1.test."]
        lines.append(txt("_spf.wide.prov.test", "v=spf1 include:a.wide.prov.test include:b.wide.prov.test include:c.wide.prov.test ~all"))
        for (part, networks) in wideParts(moved: moved).sorted(by: { $0.key < $1.key }) {
            lines.append(txt("\(part).wide.prov.test", "v=spf1 " + networks.map { "ip4:10.\($0).0.0/16" }.joined(separator: " ") + " ~all"))
        }
        lines.append(txt("mid.prov.test", "v=spf1 include:m1.prov.test include:m2.prov.test ~all"))
        lines.append(txt("m1.prov.test", "v=spf1 ip4:203.0.113.0/25 ~all"))
        lines.append(txt("m2.prov.test", "v=spf1 ip4:203.0.113.128/25 ~all"))
        lines.append(txt("small.prov.test", "v=spf1 ip4:192.0.2.128/26 ~all"))
        return lines.joined(separator: "\n") + "\n"
    }

    static func domain(spf: [String]) -> String {
        """
        $TTL 3600
        gen.test. IN SOA ns1.test. h.test. 1 3600 600 86400 300
        gen.test. IN NS ns1.test.
        gen.test. IN MX 10 mx1.gen.test.
        mx1.gen.test. IN A 192.0.2.26
        relay.gen.test. IN A 192.0.2.25
        _dmarc.gen.test. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@gen.test"
        \(spf.joined(separator: "\n"))

        """
    }

    static let parent = NSDServer.Zone(origin: "test", text: "$TTL 3600\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 300\ntest. IN NS ns1.test.\nns1.test. IN A 127.0.0.1\n")

    @Test func generatedRecordRoundTripsAndFlattenedDriftIsCaught() async throws {
        guard let server = try NSDServer.start(zones: [
            Self.parent, .init(origin: "prov.test", text: Self.providers(moved: false)),
            .init(origin: "gen.test", text: Self.domain(spf: ["gen.test. IN TXT \"v=spf1 -all\""])),
        ]) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("sw.sqlite").path
        let file = root.appendingPathComponent("gen.yaml").path
        try Self.monitor.write(toFile: file, atomically: true, encoding: .utf8)
        let dns = ["--resolver", server.address]
        func run(_ arguments: [String], stdin: String? = nil) throws -> CLIRunner.Output {
            try CLIRunner.run(arguments + ["--db", database], stdin: stdin)
        }
        #expect(try run(["apply", file]).status == 0)

        // Without flattening the inventory needs 10 lookups, over the budget of 8.
        let plain = try run(["generate", "gen.test", "--json"] + dns)
        #expect(plain.status == 1)
        #expect(try plain.json()["lookups"] as? Int == 10)

        let generated = try run(["generate", "gen.test", "--flatten", "--json"] + dns)
        #expect(generated.status == 0, "\(generated.stdout) \(generated.stderr)")
        let output = try generated.json()
        #expect(output["lookups"] as? Int == 8)
        #expect((output["flattened"] as? [[String: Any]])?.compactMap { $0["include"] as? String } == ["_spf.wide.prov.test"])
        let records = output["records"] as? [[String: Any]] ?? []
        #expect(records.compactMap { $0["name"] as? String } == ["gen.test", "_spf1.gen.test", "_spf2.gen.test"])
        #expect(records.first?["text"] as? String == "v=spf1 a:relay.gen.test mx include:mid.prov.test include:small.prov.test include:_spf1.gen.test -all")
        let zoneLines = output["zoneLines"] as? [String] ?? []
        #expect(zoneLines.count == 3)

        // Publish exactly the zone-file lines generate printed.
        try await publish(server, zoneLines, probe: "_spf1.gen.test")
        let spf = try CLIRunner.run(["spf", "gen.test", "--json"] + dns).json()
        #expect(spf["dnsLookups"] as? Int == 8)
        #expect((spf["errors"] as? [Any])?.isEmpty == true, "\(String(describing: spf["errors"]))")

        // Every approved sender passes; an address nobody approved fails.
        var approved = ["198.51.100.7", "198.51.100.128", "198.51.100.255", "192.0.2.25", "192.0.2.26",
                        "203.0.113.1", "203.0.113.200", "192.0.2.130"]
        approved += (0..<40).map { "10.\($0).0.1" }
        let batch = try CLIRunner.run(["spf", "--batch", "-"] + dns, stdin: (approved + ["198.18.0.1"]).map { "gen.test \($0)\n" }.joined())
        let results = batch.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(results.count == approved.count + 1)
        let failing = results.dropLast().filter { $0["result"] as? String != "pass" }.map { "\($0["ip"] ?? "?"): \($0["result"] ?? "?")" }
        #expect(failing.isEmpty, "approved senders that do not pass: \(failing)")
        #expect(results.last?["result"] as? String == "fail")
        #expect(results.allSatisfy { ($0["dnsLookups"] as? Int ?? 99) <= 10 })

        func openKinds() throws -> [String: String] {
            let items = try run(["findings", "--open", "--json"]).json()["items"] as? [[String: Any]] ?? []
            return Dictionary(items.map { ($0["kind"] as? String ?? "?", $0["subject"] as? String ?? "") }, uniquingKeysWith: { a, _ in a })
        }
        _ = try run(["poll", "--all"] + dns)
        let healthy = try openKinds()
        for kind in ["spf.sender-unauthorized", "spf.unapproved-authorization", "spf.lookup-limit", "spf.flattened-stale"] {
            #expect(healthy[kind] == nil, "\(kind) is open after publishing the generated record: \(healthy)")
        }

        // The wide provider moves: 10.20.0.0/16 goes, 10.99.0.0/16 comes.
        try server.write(zone: "prov.test", text: Self.providers(moved: true))
        try await server.reload {
            (try? CLIRunner.run(["spf", "b.wide.prov.test", "--json"] + dns))?.stdout.contains("10.99.0.0/16") == true
        }
        let drift = try run(["poll", "--all", "--json"] + dns)
        let opened = ((try drift.json()["domains"] as? [[String: Any]])?.first?["opened"] as? [[String: Any]]) ?? []
        let stale = opened.first { $0["kind"] as? String == "spf.flattened-stale" }
        #expect(stale?["subject"] as? String == "_spf.wide.prov.test", "\(opened)")
        #expect(stale?["severity"] as? String == "error")
        let message = stale?["message"] as? String ?? ""
        #expect(message.contains("now also sends from 10.99.0.0/16") && message.contains("no longer uses 10.20.0.0/16"), "\(message)")
        let fix = stale?["fix"] as? String ?? ""
        #expect(fix.contains("ip4:10.99.0.0/16") && !fix.contains("ip4:10.20.0.0/16") && fix.contains("_spf1.gen.test. 3600 IN TXT"), "\(fix)")
        #expect(try run(["poll", "--all", "--json"] + dns).json()["openFindings"] as? Int ?? 0 >= 1)
        #expect(try openKinds()["spf.flattened-stale"] == "_spf.wide.prov.test")

        // Publish the regenerated record and record the new copy: the next poll resolves the finding.
        let again = try run(["generate", "gen.test", "--flatten", "--json"] + dns)
        let newLines = try again.json()["zoneLines"] as? [String] ?? []
        #expect(newLines.joined().contains("ip4:10.99.0.0/16"))
        try await publish(server, newLines, probe: "10.99.0.0/16")
        let resolved = try run(["poll", "--all", "--json"] + dns)
        let gone = ((try resolved.json()["domains"] as? [[String: Any]])?.first?["resolved"] as? [[String: Any]]) ?? []
        #expect(gone.contains { $0["kind"] as? String == "spf.flattened-stale" }, "\(resolved.stdout)")
        #expect(try openKinds()["spf.flattened-stale"] == nil)
    }

    /// Serves `lines` as gen.test's SPF and waits until a query for gen.test's SPF shows `probe`.
    func publish(_ server: NSDServer, _ lines: [String], probe: String) async throws {
        try server.write(zone: "gen.test", text: Self.domain(spf: lines))
        let address = server.address
        try await server.reload {
            (try? CLIRunner.run(["spf", "gen.test", "--json", "--resolver", address]))?.stdout.contains(probe) == true
        }
    }
}
