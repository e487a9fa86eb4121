import Foundation
import TestSupport
import Testing

/// Every source of a report named over NSD: the approved sender, the include of the domain's SPF (Google's
/// record served here), a catalogue provider's include the domain lacks (SendGrid's), and forward-confirmed
/// reverse DNS; the finding's fix adds the provider's include; the snapshot carries the names.
@Suite struct SourceNamingNSDTests {
    static let day: Int64 = 1_795_737_600 // 2026-11-27
    static let now = day + 2 * 86400

    static func zone(_ origin: String, _ records: String) -> NSDServer.Zone {
        NSDServer.Zone(origin: origin, text: """
            $TTL 3600
            \(origin). IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300
            \(origin). IN NS ns1.test.
            \(records)

            """)
    }

    static let zones = [
        zone("test", "ns1.test. IN A 127.0.0.1"),
        zone("names.test", """
            brand.names.test. IN TXT "v=spf1 ip4:192.0.2.10 include:_spf.google.com -all"
            _dmarc.brand.names.test. IN TXT "v=DMARC1; p=reject"
            """),
        zone("google.com", """
            _spf.google.com. IN TXT "v=spf1 include:_netblocks.google.com ~all"
            _netblocks.google.com. IN TXT "v=spf1 ip4:209.85.128.0/17 ~all"
            """),
        zone("sendgrid.net", "sendgrid.net. IN TXT \"v=spf1 ip4:167.89.0.0/17 ~all\""),
        zone("198.in-addr.arpa", "77.100.51.198.in-addr.arpa. IN PTR bulk7.mailer.test."),
        zone("mailer.test", """
            bulk7.mailer.test. IN A 198.51.100.77
            _dmarc.mailer.test. IN TXT "v=DMARC1; p=none"
            """),
    ]

    static let monitor = """
        domains:
          - domain: brand.names.test
            senders: [ { name: Office relay, ip: 192.0.2.10 } ]
        """

    /// (ip, messages, DKIM aligned result)
    static func report(_ rows: [(String, Int, String)]) -> String {
        let records = rows.map { ip, count, dkim in
            """
            <record><row><source_ip>\(ip)</source_ip><count>\(count)</count><policy_evaluated><disposition>none</disposition>\
            <dkim>\(dkim)</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>brand.names.test</header_from></identifiers>\
            <auth_results><dkim><domain>brand.names.test</domain><result>\(dkim)</result></dkim><spf><domain>brand.names.test</domain>\
            <result>softfail</result></spf></auth_results></record>
            """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0"?><feedback><report_metadata><org_name>receiver.example</org_name><email>r@receiver.example</email>\
            <report_id>names-1</report_id><date_range><begin>\(day)</begin><end>\(day + 86399)</end></date_range></report_metadata>\
            <policy_published><domain>brand.names.test</domain><p>reject</p></policy_published>
            \(records)
            </feedback>
            """
    }

    @Test func everySourceIsNamedWithItsProvenance() throws {
        guard let server = try NSDServer.start(zones: Self.zones) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("sw.sqlite").path
        func run(_ arguments: [String]) throws -> CLIRunner.Output {
            try CLIRunner.run(arguments + ["--db", database], environment: ["SENDERWATCH_NOW": String(Self.now)])
        }
        let monitor = root.appendingPathComponent("monitor.yaml").path
        try Self.monitor.write(toFile: monitor, atomically: true, encoding: .utf8)
        #expect(try run(["apply", monitor]).status == 0)
        let report = root.appendingPathComponent("report.xml")
        try Self.report([("192.0.2.10", 50, "pass"), ("209.85.200.1", 30, "pass"), ("167.89.1.1", 40, "pass"),
                         ("198.51.100.77", 12, "fail"), ("203.0.113.99", 5, "fail")])
            .write(to: report, atomically: true, encoding: .utf8)
        #expect(try run(["ingest", report.path]).status == 0)

        let observed = try run(["observed", "brand.names.test", "--resolver", server.address, "--json"])
        let sources = try observed.json()["sources"] as? [[String: Any]] ?? []
        let names = Dictionary(uniqueKeysWithValues: sources.map { ($0["sourceIP"] as? String ?? "", $0["name"] as? [String: Any]) })
        func name(_ ip: String) -> (String?, String?) { (names[ip]??["name"] as? String, names[ip]??["method"] as? String) }
        #expect(name("192.0.2.10") == ("Office relay", "approved-sender"))
        #expect(name("209.85.200.1") == ("Google Workspace", "spf-include"))
        #expect(name("167.89.1.1") == ("SendGrid (Twilio)", "provider-catalogue"))
        #expect(name("198.51.100.77") == ("mailer.test", "reverse-dns"))
        // Nothing names the last one: its reverse zone is not served, and it signs with nothing.
        #expect(names["203.0.113.99"] ?? nil == nil, "\(sources)")

        let poll = try run(["poll", "--resolver", server.address, "--json"])
        #expect(poll.status == 1, "\(poll.stderr)")
        let items = try run(["findings", "--open", "--json"]).json()["items"] as? [[String: Any]] ?? []
        let sendgrid = try #require(items.first { $0["kind"] as? String == "spf.observed-unauthorized" && $0["subject"] as? String == "167.89.1.1" })
        #expect((sendgrid["fix"] as? String)?.hasPrefix("Add include:sendgrid.net (SendGrid (Twilio)) to the SPF record: \"v=spf1 ip4:192.0.2.10 include:_spf.google.com include:sendgrid.net -all\"") == true,
                "\(sendgrid)")
        #expect((sendgrid["message"] as? String)?.contains("167.89.1.1 (SendGrid (Twilio), by provider-catalogue)") == true, "\(sendgrid)")

        let out = root.appendingPathComponent("snapshot.json").path
        let snapshot = try run(["snapshot", "--resolver", server.address, "--out", out])
        #expect(snapshot.status == 0 || snapshot.status == 1, "\(snapshot.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any] ?? [:]
        let snapshotSources = (document["observedSenders"] as? [String: Any])?["sources"] as? [[String: Any]] ?? []
        let byIP = Dictionary(uniqueKeysWithValues: snapshotSources.map { ($0["source"] as? String ?? "", $0) })
        #expect(byIP["167.89.1.1"]?["sourceName"] as? String == "SendGrid (Twilio)", "\(snapshotSources)")
        #expect(byIP["198.51.100.77"]?["sourceNamedBy"] as? String == "reverse-dns")
        #expect(byIP["203.0.113.99"]?["sourceName"] == nil)
    }
}
