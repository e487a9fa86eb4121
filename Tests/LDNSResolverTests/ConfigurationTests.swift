import DNSCore
import Foundation
import LDNSResolver
import Testing

@Suite("Nameserver and configuration parsing")
struct ConfigurationTests {
    /// Forms a user writes on the command line (DESIGN: `--nameserver`).
    static let valid: [(String, String, UInt16)] = [
        ("192.0.2.53", "192.0.2.53", 53),
        ("192.0.2.53:5353", "192.0.2.53", 5353),
        ("2001:db8::53", "2001:db8::53", 53),
        ("[2001:db8::53]", "2001:db8::53", 53),
        ("[2001:db8::53]:5353", "2001:db8::53", 5353),
        (" 127.0.0.1:1 ", "127.0.0.1", 1),
        ("::1", "::1", 53),
    ]

    @Test("valid nameservers", arguments: valid)
    func parses(_ text: String, _ address: String, _ port: UInt16) throws {
        let server = try Nameserver(parsing: text)
        #expect(server == Nameserver(address: IPAddress(address)!, port: port))
        #expect(try Nameserver(parsing: server.description) == server)
    }

    /// Each message says what was wrong and what was expected.
    static let invalid: [(String, String)] = [
        ("", "empty nameserver: expected an IP address such as 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:5353"),
        ("ns1.example.com", "nameserver \"ns1.example.com\": \"ns1.example.com\" is not an IP address (expected IPv4 such as 192.0.2.53 or IPv6 such as 2001:db8::53; host names are not accepted)"),
        ("192.0.2.53:0", "nameserver \"192.0.2.53:0\": port \"0\" is not a number from 1 to 65535"),
        ("192.0.2.53:70000", "nameserver \"192.0.2.53:70000\": port \"70000\" is not a number from 1 to 65535"),
        ("192.0.2.53:", "nameserver \"192.0.2.53:\": port \"\" is not a number from 1 to 65535"),
        ("[2001:db8::53", "nameserver \"[2001:db8::53\" has \"[\" without \"]\": expected [IPv6] or [IPv6]:PORT"),
        ("[2001:db8::53]5353", "nameserver \"[2001:db8::53]5353\" has \"5353\" after \"]\": expected [IPv6]:PORT"),
        ("[192.0.2.53]:53", "nameserver \"[192.0.2.53]:53\": \"192.0.2.53\" is not an IPv6 address"),
        ("256.0.0.1", "nameserver \"256.0.0.1\": \"256.0.0.1\" is not an IP address (expected IPv4 such as 192.0.2.53 or IPv6 such as 2001:db8::53; host names are not accepted)"),
    ]

    @Test("invalid nameservers give exact messages", arguments: invalid)
    func rejects(_ text: String, _ message: String) {
        #expect(throws: ResolverConfigurationError(message)) { try Nameserver(parsing: text) }
    }

    @Test("resolv.conf: nameservers, options, comments, scoped addresses skipped")
    func resolvConf() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resolv-\(UUID().uuidString).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        # generated
        search example.com
        nameserver 192.0.2.1
        nameserver fe80::1%eth0
        nameserver 2001:db8::1 ; trailing comment
        options timeout:3 attempts:4 rotate
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try LDNSConfiguration.system(resolvConf: path)
        #expect(configuration.nameservers.map(\.description) == ["192.0.2.1", "2001:db8::1"])
        #expect(configuration.timeout == 3)
        #expect(configuration.retries == 3)
        #expect(configuration.ednsBufferSize == 1232)
    }

    @Test("resolv.conf without nameservers, and a missing file, are errors that say so")
    func resolvConfErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resolv-\(UUID().uuidString).conf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "search example.com\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ResolverConfigurationError("\(path) lists no usable nameserver: expected a line such as \"nameserver 192.0.2.53\"")) {
            try LDNSConfiguration.system(resolvConf: path)
        }
        #expect(throws: ResolverConfigurationError.self) { try LDNSConfiguration.system(resolvConf: "/nonexistent/resolv.conf") }
    }

    @Test("a resolver without nameservers or with bad settings is refused")
    func badSettings() {
        #expect(throws: ResolverConfigurationError.self) { try LDNSResolver(configuration: LDNSConfiguration(nameservers: [])) }
        var configuration = LDNSConfiguration(nameservers: [Nameserver(address: IPAddress("127.0.0.1")!)])
        configuration.timeout = 0
        #expect(throws: ResolverConfigurationError.self) { try LDNSResolver(configuration: configuration) }
        #expect(throws: ResolverConfigurationError.self) {
            try LDNSResolver(configuration: LDNSConfiguration(nameservers: [Nameserver(address: IPAddress("127.0.0.1")!)]), workers: 0)
        }
    }
}
