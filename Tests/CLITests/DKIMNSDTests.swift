import _CryptoExtras
import Crypto
import Foundation
import TestSupport
import Testing

/// DKIM keys watched through the binary against NSD: selectors from the monitor file and from ingested
/// reports, keys generated here (RSA 1024 and 2048, Ed25519), a revoked, a CNAME-delegated and a missing key;
/// every dkim.* kind opens on the first poll, and a replaced key is drift on the next.
@Suite struct DKIMNSDTests {
    static let day: Int64 = 1_795_737_600 // 2026-11-27
    static let now = day + 2 * 86400
    /// A 512-bit RSA key (SubjectPublicKeyInfo, base64), generated once for this test: swift-crypto will not
    /// make keys under 1024 bits, and receivers must not accept them either.
    static let key512 = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAN8XSYcXUlOpZ8+QvvGSTsykhp+ycd2RfRRE2so7DrhY2aPCXmdXyNWV1IIEWik2YZmYl11aC1P+sQpLP6l2FcUCAwEAAQ=="

    static let monitor = """
    domains:
      - domain: brand.dkim.test
        dkim_selectors: [orphan]
        senders:
          - { name: Mailer, ip: 192.0.2.10, dkim: [s2048, ed] }
          - { name: Newsletter, ip: 192.0.2.20, dkim: prov }
          - { name: Legacy, ip: 192.0.2.30, dkim: [s1024, small, sha1] }
    """

    /// TXT character-strings of at most 255 octets, as a zone file needs them.
    static func txt(_ text: String) -> String {
        var strings: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty { strings.append("\"\(rest.prefix(200))\""); rest = rest.dropFirst(200) }
        return strings.joined(separator: " ")
    }

    struct Keys {
        let rsa2048 = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let rsa1024 = try! _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        let provider = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let ed = Curve25519.Signing.PrivateKey()
        func spki(_ key: _RSA.Signing.PrivateKey) -> String { key.publicKey.derRepresentation.base64EncodedString() }
    }

    static func zone(_ keys: Keys, s2048: String) -> String {
        """
        $TTL 300
        dkim.test. IN SOA ns1.dkim.test. hostmaster.dkim.test. 1 3600 600 86400 300
        dkim.test. IN NS ns1.dkim.test.
        ns1.dkim.test. IN A 127.0.0.1
        brand.dkim.test. IN TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 -all"
        _dmarc.brand.dkim.test. IN TXT "v=DMARC1; p=reject"
        s2048._domainkey.brand.dkim.test. IN TXT \(txt("v=DKIM1; k=rsa; p=" + s2048))
        ed._domainkey.brand.dkim.test. IN TXT "v=DKIM1; k=ed25519; p=\(keys.ed.publicKey.rawRepresentation.base64EncodedString())"
        prov._domainkey.brand.dkim.test. IN CNAME prov.keys.vendor.test.
        s1024._domainkey.brand.dkim.test. IN TXT \(txt("v=DKIM1; k=rsa; t=y; p=" + keys.spki(keys.rsa1024)))
        small._domainkey.brand.dkim.test. IN TXT "v=DKIM1; k=rsa; p=\(key512)"
        sha1._domainkey.brand.dkim.test. IN TXT \(txt("v=DKIM1; k=rsa; h=sha1; p=" + keys.spki(keys.provider)))
        orphan._domainkey.brand.dkim.test. IN TXT \(txt("v=DKIM1; k=rsa; p=" + keys.spki(keys.provider)))
        old._domainkey.brand.dkim.test. IN TXT "v=DKIM1; k=rsa; p="
        badsyn._domainkey.brand.dkim.test. IN TXT "v=DKIM1; k=rsa; p=not*base64"

        """
    }

    static func vendor(_ keys: Keys) -> String {
        """
        $TTL 300
        vendor.test. IN SOA ns1.vendor.test. hostmaster.vendor.test. 1 3600 600 86400 300
        vendor.test. IN NS ns1.vendor.test.
        ns1.vendor.test. IN A 127.0.0.1
        prov.keys.vendor.test. IN TXT \(txt("v=DKIM1; k=rsa; p=" + keys.spki(keys.provider)))

        """
    }

    static let parent = NSDServer.Zone(origin: "test", text: "$TTL 3600\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 300\ntest. IN NS ns1.test.\nns1.test. IN A 127.0.0.1\n")

    /// A report for brand.dkim.test: (source, messages, aligned DKIM verdict, [(d=, s=, result)]).
    static func report(id: String, begin: Int64, rows: [(String, Int, String, [(String, String, String)])]) -> String {
        let records = rows.map { row -> String in
            let (ip, messages, aligned, signatures) = row
            let dkim = signatures.map { sig -> String in "<dkim><domain>\(sig.0)</domain><selector>\(sig.1)</selector><result>\(sig.2)</result></dkim>" }.joined()
            return """
                <record><row><source_ip>\(ip)</source_ip><count>\(messages)</count><policy_evaluated><disposition>none</disposition>\
                <dkim>\(aligned)</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>brand.dkim.test</header_from>\
                </identifiers><auth_results>\(dkim)<spf><domain>brand.dkim.test</domain><result>pass</result></spf></auth_results></record>
                """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0"?><feedback><report_metadata><org_name>receiver.example</org_name><email>r@receiver.example</email>\
            <report_id>\(id)</report_id><date_range><begin>\(begin)</begin><end>\(begin + 86399)</end></date_range></report_metadata>\
            <policy_published><domain>brand.dkim.test</domain><p>reject</p></policy_published>
            \(records)
            </feedback>
            """
    }

    static let brand = "brand.dkim.test"

    @Test func everyDKIMKindOverNSDAndAReplacedKeyIsDrift() async throws {
        let keys = Keys()
        guard let server = try NSDServer.start(zones: [Self.parent,
                                                       NSDServer.Zone(origin: "dkim.test", text: Self.zone(keys, s2048: keys.spki(keys.rsa2048))),
                                                       NSDServer.Zone(origin: "vendor.test", text: Self.vendor(keys))]) else {
            try Test.cancel("NSD is not installed")
        }
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

        let brand = Self.brand
        let early = Self.report(id: "early", begin: Self.day - 40 * 86400,
                                rows: [("192.0.2.10", 12, "pass", [(brand, "s2048", "pass")])])
        let recent = Self.report(id: "recent", begin: Self.day, rows: [
            ("192.0.2.10", 50, "pass", [(brand, "s2048", "pass"), (brand, "ed", "pass")]),
            ("192.0.2.20", 15, "pass", [(brand, "prov", "pass")]),
            ("192.0.2.30", 11, "pass", [(brand, "s1024", "pass"), (brand, "small", "fail"), (brand, "sha1", "fail")]),
            ("192.0.2.40", 30, "fail", [(brand, "old", "fail")]),
            ("192.0.2.41", 20, "fail", [(brand, "gone", "fail")]),
            ("192.0.2.42", 15, "fail", [(brand, "badsyn", "permerror")]),
            ("198.51.100.7", 25, "fail", [("esp.vendor.test", "esp1", "pass")]),
        ])
        let reports = root.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        try early.write(to: reports.appendingPathComponent("early.xml"), atomically: true, encoding: .utf8)
        try recent.write(to: reports.appendingPathComponent("recent.xml"), atomically: true, encoding: .utf8)
        let ingest = try run(["ingest", reports.path])
        #expect(ingest.status == 0, "\(ingest.stdout) \(ingest.stderr)")

        let poll = try run(["poll", "--resolver", server.address, "--json"])
        #expect(poll.status == 1, "\(poll.stderr)")
        let open = try Self.openDKIM(run)
        let key = { (s: String) in "\(s)._domainkey.\(brand)" }
        #expect(open["dkim.key-missing"] == [key("gone")])
        #expect(open["dkim.key-revoked"] == [key("old")])
        #expect(open["dkim.key-too-small"] == [key("small")])
        #expect(open["dkim.weak-key"] == [key("s1024")])
        #expect(open["dkim.testing"] == [key("s1024")])
        #expect(open["dkim.sha1-only"] == [key("sha1")])
        #expect(open["dkim.syntax"] == [key("badsyn")])
        #expect(open["dkim.orphaned-key"] == [key("orphan")])
        #expect(open["dkim.unaligned"] == ["198.51.100.7"])
        #expect(Set(open.keys).subtracting(["dkim.key-missing", "dkim.key-revoked", "dkim.key-too-small", "dkim.weak-key",
                                            "dkim.testing", "dkim.sha1-only", "dkim.syntax", "dkim.orphaned-key",
                                            "dkim.unaligned"]).isEmpty, "\(open)")

        // The command shows every selector with where it was learned; the provider's key behind its CNAME.
        let shown = try run(["dkim", brand, "--resolver", server.address, "--json"])
        #expect(shown.status == 1)
        let selectors = (try shown.json()["selectors"] as? [[String: Any]] ?? [])
        let byName = Dictionary(uniqueKeysWithValues: selectors.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName[key("prov")]?["cnameTarget"] as? String == "prov.keys.vendor.test")
        #expect(byName[key("prov")]?["keyBits"] as? Int == 2048)
        #expect(byName[key("ed")]?["keyType"] as? String == "ed25519")
        #expect(byName[key("s2048")]?["learnedFrom"] as? [String] == ["monitor file", "reports"])
        #expect((byName[key("s2048")]?["reported"] as? [String: Any])?["messages"] as? Int == 62)
        #expect((byName[key("s2048")]?["reported"] as? [String: Any])?["firstDay"] as? String == "2026-10-18")
        #expect(byName[key("orphan")]?["learnedFrom"] as? [String] == ["monitor file"])
        #expect(byName[key("gone")]?["status"] as? String == "absent")
        #expect(byName["esp1._domainkey.esp.vendor.test"]?["learnedFrom"] as? [String] == ["reports"])

        // The snapshot carries the keys in JSON, CSV and HTML.
        let snapshotPath = root.appendingPathComponent("snapshot.json").path
        let take = try run(["snapshot", "--resolver", server.address, "--out", snapshotPath])
        #expect(take.status == 0, "\(take.stderr)")
        let document = try CLIRunner.Output(status: 0, stdout: String(contentsOfFile: snapshotPath, encoding: .utf8), stderr: "").json()
        let keysInSnapshot = ((document["domains"] as? [[String: Any]])?.first?["dkim"] as? [[String: Any]]) ?? []
        let snapshotByName = Dictionary(uniqueKeysWithValues: keysInSnapshot.map { ($0["name"] as? String ?? "", $0) })
        #expect(snapshotByName[key("small")]?["keyBits"] as? Int == 512)
        #expect(snapshotByName[key("old")]?["status"] as? String == "revoked")
        #expect(snapshotByName[key("prov")]?["cnameTarget"] as? String == "prov.keys.vendor.test")
        let csv = try run(["snapshot", "--format", "csv", "--from", snapshotPath])
        #expect(csv.stdout.contains("dkim_weakest_rsa_bits"))
        #expect(csv.stdout.contains("\(key("gone"))=absent"))
        let html = try run(["snapshot", "--format", "html", "--from", snapshotPath])
        #expect(html.stdout.contains("<h3>DKIM keys</h3>"))
        #expect(html.stdout.contains("<code>\(key("ed"))</code>"))

        // A new key at s2048: the next poll says the key changed, with both sizes and fingerprints.
        let replacement = try _RSA.Signing.PrivateKey(keySize: .init(bitCount: 3072))
        try server.write(zone: "dkim.test", text: Self.zone(keys, s2048: keys.spki(replacement)))
        try await server.reload {
            let check = try? CLIRunner.run(["dkim", brand, "--selector", "s2048", "--resolver", server.address, "--json",
                                            "--db", root.appendingPathComponent("none.sqlite").path])
            return check?.stdout.contains("3072") == true
        }
        let second = try run(["poll", "--all", "--resolver", server.address, "--json"])
        let domain = (try second.json()["domains"] as? [[String: Any]] ?? []).first
        let drift = (domain?["opened"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "record.changed" }
        #expect(drift.count == 1, "\(drift)")
        #expect((drift.first?["subject"] as? String)?.hasPrefix("dkim:\(key("s2048"))@") == true)
        let evidence = drift.first?["evidence"] as? [String: String] ?? [:]
        #expect(evidence["beforeBits"] == "2048" && evidence["afterBits"] == "3072", "\(evidence)")
        #expect(evidence["beforeFingerprint"] != evidence["afterFingerprint"])
        #expect((domain?["resolved"] as? [[String: Any]] ?? []).isEmpty, "nothing else moved")
    }

    /// Open dkim.* findings: kind to subjects.
    static func openDKIM(_ run: ([String]) throws -> CLIRunner.Output) throws -> [String: [String]] {
        let items = try run(["findings", "--open", "--json"]).json()["items"] as? [[String: Any]] ?? []
        var found: [String: [String]] = [:]
        for item in items {
            guard let kind = item["kind"] as? String, kind.hasPrefix("dkim.") else { continue }
            found[kind, default: []].append(item["subject"] as? String ?? "")
        }
        return found.mapValues { $0.sorted() }
    }
}
