import Foundation
import TestSupport
import Testing

/// The MX sanity checks through the binary, over NSD: each MX shape of RFC 5321 section 5.1 and RFC 7505 gives
/// its kinds from real answers (the null MX's root exchange read off the wire, an alias, an address written
/// as a name, a host without addresses), and the JSON names the MX part of every domain.
@Suite(.serialized) struct MXNSDTests {
    static let zone = """
    $TTL 300
    mx.test. IN SOA ns1.mx.test. hostmaster.mx.test. 1 3600 600 86400 300
    mx.test. IN NS ns1.mx.test.
    ns1.mx.test. IN A 127.0.0.1
    host.mx.test. IN A 192.0.2.25
    host.mx.test. IN AAAA 2001:db8::25
    alias.mx.test. IN CNAME host.mx.test.
    good.mx.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"
    good.mx.test. IN MX 10 host.mx.test.
    nullsend.mx.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"
    nullsend.mx.test. IN MX 0 .
    nullquiet.mx.test. IN TXT "v=spf1 -all"
    nullquiet.mx.test. IN MX 0 .
    nullmixed.mx.test. IN TXT "v=spf1 -all"
    nullmixed.mx.test. IN MX 0 .
    nullmixed.mx.test. IN MX 10 host.mx.test.
    cname.mx.test. IN TXT "v=spf1 -all"
    cname.mx.test. IN MX 10 alias.mx.test.
    literal.mx.test. IN TXT "v=spf1 -all"
    literal.mx.test. IN MX 10 192.0.2.25.
    literal.mx.test. IN MX 20 host.mx.test.
    noaddr.mx.test. IN TXT "v=spf1 -all"
    noaddr.mx.test. IN MX 10 missing.mx.test.
    implicit.mx.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"
    implicit.mx.test. IN A 192.0.2.30
    nowhere.mx.test. IN TXT "v=spf1 ip4:192.0.2.1 -all"

    """

    static let parent = NSDServer.Zone(origin: "test", text: "$TTL 3600\ntest. IN SOA ns1.test. h.test. 1 3600 600 86400 300\ntest. IN NS ns1.test.\nns1.test. IN A 127.0.0.1\n")

    static let expected: [String: [String]] = [
        "good": [], "nullsend": ["mx.null-on-sending-domain error"], "nullquiet": [], "nullmixed": ["mx.null-mixed error"],
        "cname": ["mx.cname warning alias.mx.test"], "literal": ["mx.ip-literal error 192.0.2.25"],
        "noaddr": ["mx.host-without-address critical missing.mx.test"], "implicit": ["mx.implicit info"],
        "nowhere": [],
    ]

    @Test func everyMXShapeOverNSD() async throws {
        guard let server = try NSDServer.start(zones: [Self.parent, NSDServer.Zone(origin: "mx.test", text: Self.zone)]) else {
            try Test.cancel("NSD is not installed")
        }
        defer { server.stop() }
        let names = Self.expected.keys.sorted().map { "\($0).mx.test" }
        let check = try CLIRunner.run(["check"] + names + ["--resolver", server.address, "--json"])
        let domains = try check.json()["domains"] as? [[String: Any]] ?? []
        #expect(domains.count == names.count, "\(check.stderr)")
        for entry in domains {
            let name = entry["domain"] as? String ?? ""
            let label = String(name.prefix { $0 != "." })
            let findings = (entry["findings"] as? [[String: Any]] ?? []).compactMap { finding -> String? in
                guard let kind = finding["kind"] as? String, kind.hasPrefix("mx.") else { return nil }
                return ([kind, finding["severity"] as? String ?? ""] + ((finding["subject"] as? String).map { [$0] } ?? []))
                    .joined(separator: " ")
            }
            #expect(findings.sorted() == (Self.expected[label] ?? ["?"]).sorted(), "\(name)")
            let parts = (entry["parts"] as? [[String: Any]] ?? []).filter { $0["id"] as? String == "mx.set" }
            #expect(parts.first?["verdict"] as? String == "known", "\(name): \(parts)")
            let mx = entry["mx"] as? [String: Any]
            if label == "nullsend" {
                #expect(mx?["records"] as? [String] == ["0 ."])
                #expect(mx?["nullMX"] as? Bool == true)
            }
            if label == "cname" {
                let hosts = mx?["hosts"] as? [[String: Any]] ?? []
                #expect(hosts.first?["cnameTarget"] as? String == "host.mx.test")
                #expect(Set(hosts.first?["addresses"] as? [String] ?? []) == ["192.0.2.25", "2001:db8::25"])
            }
        }
    }
}
