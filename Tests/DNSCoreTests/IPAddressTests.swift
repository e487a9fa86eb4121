import DNSCore
import PropertyBased
import Testing

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:192.0.2.7", "::ffff:192.0.2.7"),
        ("::FFFF:c000:0207", "::ffff:192.0.2.7"),
        ("[2001:db8::5]", "2001:db8::5"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"),
        ("1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201"),
        ("1::192.0.2.1", "1::c000:201"),
        ("::192.0.2.1", "::c000:201"),
        ("ABCD:ef01::", "abcd:ef01::"),
    ])
    func parsesAndPrintsCanonicalText(input: String, canonical: String) throws {
        let ip = try #require(IPAddress(input))
        #expect(ip.description == canonical)
        #expect(IPAddress(canonical) == ip)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1:2:3:4:5:6:7:8:9",
                      "1::2::3", ":::", "12345::", "g::1", "1.2.3.4::", "::1.2.3", " 1.2.3.4",
                      // Each breaks one rule of the one-pass IPv6 reader.
                      "1:::2", ":1::", "1:", "1::2:", "::a.2.3.4", "1:2:3:4:5:6:7:8::", "1:2:3:4:5:6:7:1.2.3.4",
                      "1:2:3:4:5:6:7", "::1.2.3.4:5", "1:2:3:4::5:6:7:8", "::01.2.3.4", "0x1::", "::1 ", "[::1"])
    func rejectsMalformedAddresses(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func mappedAddressesUnmap() throws {
        let mapped = try #require(IPAddress("::ffff:198.51.100.9"))
        #expect(mapped.unmapped == IPAddress("198.51.100.9"))
        #expect(try #require(IPAddress("2001:db8::1")).unmapped == IPAddress("2001:db8::1"))
    }

    @Test func reverseNames() throws {
        #expect(try #require(IPAddress("192.0.2.3")).reverseName.text == "3.2.0.192.in-addr.arpa")
        #expect(try #require(IPAddress("2001:db8::1")).reverseName.text
            == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    }

    @Test func textRoundTripsForRandomAddresses() async {
        await propertyCheck(input: Gen<UInt64>.uint64(), Gen<UInt64>.uint64(), Gen<UInt32>.uint32()) { high, low, v4 in
            let v6 = IPAddress.v6(IPv6Address(high: high, low: low))
            #expect(IPAddress(v6.description) == v6)
            let four = IPAddress.v4(IPv4Address(v4))
            #expect(IPAddress(four.description) == four)
        }
    }
}

@Suite struct CIDRNetworkTests {
    @Test func masksHostBitsAndContains() throws {
        let net = try #require(CIDRNetwork("192.0.2.77/24"))
        #expect(net.description == "192.0.2.0/24")
        #expect(net.contains(try #require(IPAddress("192.0.2.255"))))
        #expect(!net.contains(try #require(IPAddress("192.0.3.0"))))
        #expect(!net.contains(try #require(IPAddress("::ffff:192.0.2.1"))), "families never mix")
        let v6 = try #require(CIDRNetwork("2001:db8::1/33"))
        #expect(v6.description == "2001:db8::/33")
        #expect(v6.contains(try #require(IPAddress("2001:db8:7fff::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db8:8000::1"))))
        #expect(try #require(CIDRNetwork("0.0.0.0/0")).contains(try #require(IPAddress("203.0.113.1"))))
    }

    @Test(arguments: ["192.0.2.0/33", "2001:db8::/129", "192.0.2.0/", "192.0.2.0/024", "192.0.2.0/-1", "x/8"])
    func rejectsBadPrefixes(input: String) {
        #expect(CIDRNetwork(input) == nil)
    }

    @Test func containmentLaws() async {
        await propertyCheck(input: Gen<UInt32>.uint32(), Gen.int(in: 0...32), Gen<UInt32>.uint32()) { base, length, probe in
            let net = CIDRNetwork(address: .v4(IPv4Address(base)), prefixLength: length)!
            // The network contains its own first address and the address it was built from.
            #expect(net.contains(net.address))
            #expect(net.contains(.v4(IPv4Address(base))))
            // Containment agrees with the prefix comparison done on integers.
            let mask: UInt32 = length == 0 ? 0 : UInt32.max << UInt32(32 - length)
            #expect(net.contains(.v4(IPv4Address(probe))) == ((probe & mask) == (base & mask)))
            // A network contains every longer prefix of any address inside it.
            if length < 32 {
                let inner = CIDRNetwork(address: .v4(IPv4Address(base)), prefixLength: length + 1)!
                #expect(net.contains(inner) && !inner.contains(net) && net.overlaps(inner))
            }
            #expect(CIDRNetwork(net.description) == net)
        }
    }

    @Test func ipv6ContainmentLaws() async {
        await propertyCheck(input: Gen<UInt64>.uint64(), Gen<UInt64>.uint64(), Gen.int(in: 0...128)) { high, low, length in
            let ip = IPAddress.v6(IPv6Address(high: high, low: low))
            let net = CIDRNetwork(address: ip, prefixLength: length)!
            #expect(net.contains(ip))
            #expect(CIDRNetwork(net.description) == net)
        }
    }

    @Test func dottedQuadTextForEveryOctet() {
        // The text is written digit by digit; compare with the plain formatting for every octet in every place.
        for octet in 0...255 {
            for shift in [24, 16, 8, 0] {
                let value = UInt32(octet) << UInt32(shift) | (shift == 0 ? 0x0A00_0000 : 7)
                let expected = [24, 16, 8, 0].map { String(value >> UInt32($0) & 0xFF) }.joined(separator: ".")
                #expect(IPv4Address(value).description == expected)
            }
        }
    }
}
