import DNSCore
import Foundation
import LDNSResolver
import Testing
import TestSupport

/// LDNSResolver against NSD serving Tests/Fixtures/zones: every kind of answer an authoritative server
/// gives, read back byte for byte.
@Suite("LDNSResolver against NSD")
struct NSDAnswerTests {
    @Test("TXT records, several per name")
    func txtRecords() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let result = await resolver.resolve(name("senderwatch.test"), .txt)
            #expect(result.texts == ["google-site-verification=abc123", "v=spf1 ip4:192.0.2.0/24 include:_spf.provider.test -all"])
            #expect(result.answer?.ttl == 3600)
        }
    }

    @Test("multi-string TXT keeps each character-string")
    func multiString() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let records = await resolver.resolve(name("multi.senderwatch.test"), .txt).answer?.records ?? []
            #expect(records.map(\.data) == [.txt([Array("v=spf1 ".utf8), Array("ip4:192.0.2.1 ".utf8), Array("-all".utf8)])])
        }
    }

    @Test("a record longer than 255 octets arrives as two strings")
    func longRecord() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let records = await resolver.resolve(name("long.senderwatch.test"), .txt).answer?.records ?? []
            guard case .txt(let strings) = records.first?.data else { Issue.record("no TXT: \(records)"); return }
            #expect(strings.map(\.count) == [255, 23])
            #expect(String(decoding: strings.joined(), as: UTF8.self).hasSuffix("ip4:203.0.113.250 -all"))
        }
    }

    @Test("escaped octets come out as the octets, not as escapes")
    func escapedOctets() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let records = await resolver.resolve(name("escaped.senderwatch.test"), .txt).answer?.records ?? []
            #expect(records.map(\.data) == [.txt(Self.escapedStrings)])
        }
    }

    /// `"caf\195\169 \"quoted\" back\\slash" "\255\128\000end"` from the fixture zone.
    static let escapedStrings: [[UInt8]] = [
        Array("café \"quoted\" back\\slash".utf8),
        [0xFF, 0x80, 0x00] + Array("end".utf8),
    ]

    @Test("TXT set over 1232 octets arrives complete over TCP")
    func largeSetOverTCP() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let texts = await resolver.resolve(name("bigset.senderwatch.test"), .txt).texts
            #expect(texts == (0..<10).map { i in String(format: "token-%02d=", i) + String(repeating: String(format: "%02d", i), count: 80) })
        }
    }

    @Test("TXT set of about 900 octets arrives complete in one UDP datagram")
    func midSizeSetOverUDP() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            // Larger than any slice a vector read would give each datagram of a 4 KiB buffer (256 octets).
            let texts = await resolver.resolve(name("midset.senderwatch.test"), .txt).texts
            #expect(texts == (0..<5).map { i in String(format: "mid-%02d=", i) + String(repeating: String(format: "%02d", i), count: 80) })
        }
    }

    @Test("NXDOMAIN, no data, and empty non-terminals with the SOA's negative TTL")
    func negativeAnswers() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            #expect(await resolver.resolve(name("missing.senderwatch.test"), .txt).answer == .nxdomain(negativeTTL: 300))
            #expect(await resolver.resolve(name("nodata.senderwatch.test"), .txt).answer == .noData(negativeTTL: 300))
            #expect(await resolver.resolve(name("b.ent.senderwatch.test"), .txt).answer == .noData(negativeTTL: 300))
            #expect(await resolver.resolve(name("ent.senderwatch.test"), .txt).answer == .noData(negativeTTL: 300))
            #expect(await resolver.resolve(name("nothing.provider.test"), .txt).answer == .nxdomain(negativeTTL: 60))
        }
    }

    @Test("MX, A, AAAA, PTR and the SPF type are parsed")
    func otherTypes() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let mx = try await resolver.mx(name("senderwatch.test")).get()
            #expect(mx.exchanges == [name("mx1.senderwatch.test"), name("mx2.provider.test")])
            let v4 = try await resolver.addresses(name("mx1.senderwatch.test"), ipv6: false).get()
            #expect(v4.addresses == [IPAddress("192.0.2.25")!])
            let v6 = try await resolver.addresses(name("mx1.senderwatch.test"), ipv6: true).get()
            #expect(Set(v6.addresses) == [IPAddress("2001:db8::25")!, IPAddress("2001:db8::1:0:0:26")!])
            let ptr = try await resolver.ptr(IPAddress("192.0.2.25")!.reverseName).get()
            #expect(Set(ptr.names) == [name("mx1.senderwatch.test"), name("mail.senderwatch.test")])
            let spf = await resolver.resolve(name("legacy.senderwatch.test"), .spf).answer?.records.map(\.data)
            #expect(spf == [.spf([Array("v=spf1 -all".utf8)])])
        }
    }

    @Test("CNAME chains are followed, in the response and across zones")
    func cnameChains() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            #expect(await resolver.resolve(name("alias.senderwatch.test"), .txt).texts == ["v=spf1 ip4:192.0.2.1 -all"])
            let chain = await resolver.resolve(name("chain1.senderwatch.test"), .txt)
            #expect(chain.texts == ["end of chain"])
            #expect(chain.answer?.records.first?.name == name("chain3.senderwatch.test"))
            // The target is in another zone of the same server (NSD includes it; a target NSD does not
            // include is re-queried, see FailureMappingTests).
            #expect(await resolver.resolve(name("outside.senderwatch.test"), .txt).texts == ["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:100::/48 ~all"])
            #expect(await resolver.resolve(name("dangling.senderwatch.test"), .txt).answer == .nxdomain(negativeTTL: 300))
            #expect(await resolver.resolve(name("alias.senderwatch.test"), .cname).answer?.records.map(\.data) == [.cname(name("multi.senderwatch.test"))])
            #expect(await resolver.resolve(name("loop1.senderwatch.test"), .txt).failureKind == .cnameLoop)
            #expect(await resolver.resolve(name("hop1.senderwatch.test"), .txt).failureKind == .cnameLoop)
        }
    }

    @Test("wildcards answer below their owner, not beside existing names")
    func wildcards() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let hit = await resolver.resolve(name("anything.wild.senderwatch.test"), .txt)
            #expect(hit.texts == ["wildcard"])
            #expect(hit.answer?.records.first?.name == name("anything.wild.senderwatch.test"))
            #expect(await resolver.resolve(name("host.wild.senderwatch.test"), .txt).answer == .noData(negativeTTL: 300))
        }
    }

    @Test("reload() serves rewritten zone data")
    func reload() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            #expect(await resolver.resolve(name("_spf.provider.test"), .txt).texts == ["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:100::/48 ~all"])
            let text = try String(contentsOf: Fixtures.zones.appendingPathComponent("provider.test.zone"), encoding: .utf8)
                .replacingOccurrences(of: " 7 3600", with: " 8 3600")
                .replacingOccurrences(of: "~all", with: "-all")
            try server.write(zone: "provider.test", text: text)
            try await server.reload {
                await resolver.resolve(name("_spf.provider.test"), .txt).texts.first?.hasSuffix("-all") == true
            }
            #expect(await resolver.resolve(name("_spf.provider.test"), .txt).texts == ["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:100::/48 -all"])
        }
    }
}
