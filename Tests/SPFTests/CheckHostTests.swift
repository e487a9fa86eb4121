import DNSCore
import SPF
import TestSupport
import Testing

/// check_host behaviour beyond the published suite: query order, limits, trace and problem texts.
@Suite struct CheckHostTests {
    static let client = IPAddress("192.0.2.10")!

    func checker(_ build: (inout MemoryZone) -> Void) -> (SPFChecker, ZoneResolver) {
        var zone = MemoryZone()
        build(&zone)
        let resolver = ZoneResolver(zone)
        return (SPFChecker(resolver: resolver), resolver)
    }

    @Test func queriesInEvaluationOrderAndStopsAtTheMatch() async {
        let (checker, resolver) = checker { zone in
            zone.add("example.com", txt: "v=spf1 a mx include:_spf.example.net -all")
            zone.add(try! DomainName("example.com"), .mx(preference: 10, exchange: try! DomainName("mx.example.com")))
            zone.add(try! DomainName("mx.example.com"), .a(IPv4Address(192, 0, 2, 10)))
            zone.add("_spf.example.net", txt: "v=spf1 -all")
        }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "alice@example.com")
        #expect(e.result == .pass)
        #expect(e.mechanism == "mx")
        #expect(resolver.queries.map(\.description) == ["example.com TXT", "example.com A", "example.com MX", "mx.example.com A"])
        #expect(e.dnsLookups == 2)
        #expect(e.voidLookups == 1)
        #expect(e.trace.map(\.outcome) == ["1 record", "no data", "1 record", "1 record"])
        #expect(e.trace.map(\.term) == [nil, "a", "mx", "mx"])
        #expect(e.record == "v=spf1 a mx include:_spf.example.net -all")
    }

    @Test func ipv4MappedClientIsTreatedAsIPv4() async {
        let (checker, _) = checker { $0.add("example.com", txt: "v=spf1 ip4:192.0.2.0/24 -all") }
        let e = await checker.checkHost(ip: IPAddress("::ffff:192.0.2.10")!, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .pass)
    }

    @Test(arguments: ["A2345678", "[192.0.2.1]", "a..example.com", "", String(repeating: "a", count: 64) + ".example.com"])
    func malformedDomainIsNone(_ domain: String) async {
        let (checker, resolver) = checker { _ in }
        let e = await checker.checkHost(ip: Self.client, domain: domain, sender: "x@" + domain)
        #expect(e.result == .none)
        #expect(e.problem?.contains("not a fully qualified domain name") == true)
        #expect(resolver.queries.isEmpty)
    }

    @Test func timeoutIsTemperrorNamingTheDomain() async {
        let (checker, _) = checker { zone in
            zone.add("example.com", txt: "v=spf1 include:slow.example.net -all")
            zone.addTimeout(try! DomainName("slow.example.net"))
        }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .temperror)
        #expect(e.mechanism == "include:slow.example.net")
        #expect(e.problem?.contains("slow.example.net") == true)
        #expect(e.trace.last?.outcome == "temperror: timeout")
    }

    /// Section 4.6.4: 50 nested includes stop at the 11th lookup, without deep recursion.
    @Test func deepIncludeChainEndsInPermerrorWithinTheBudget() async {
        let (checker, resolver) = checker { zone in
            zone.add("example.com", txt: "v=spf1 include:l1.example.com -all")
            for level in 1...50 { zone.add("l\(level).example.com", txt: "v=spf1 include:l\(level + 1).example.com") }
        }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .permerror)
        #expect(e.problem?.contains("too many DNS lookups") == true)
        #expect(e.dnsLookups == 11)
        #expect(resolver.queries.count == 11)
    }

    @Test func cyclicIncludeEndsInPermerror() async {
        let (checker, resolver) = checker { zone in
            zone.add("a.example.com", txt: "v=spf1 include:b.example.com -all")
            zone.add("b.example.com", txt: "v=spf1 include:a.example.com -all")
        }
        let e = await checker.checkHost(ip: Self.client, domain: "a.example.com", sender: "x@a.example.com")
        #expect(e.result == .permerror)
        #expect(resolver.queries.count <= 11)
        #expect(Set(resolver.queries.map(\.description)) == ["a.example.com TXT", "b.example.com TXT"])
    }

    @Test func thirdVoidLookupIsPermerror() async {
        let (checker, _) = checker { $0.add("example.com", txt: "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com ip4:192.0.2.10") }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .permerror)
        #expect(e.voidLookups == 3)
        #expect(e.mechanism == "a:n3.example.com")
    }

    @Test func explanationIsExpandedForFail() async {
        let (checker, resolver) = checker { zone in
            zone.add("example.com", txt: "v=spf1 -all exp=why.example.com")
            zone.add("why.example.com", txt: "%{i} is not one of %{d}'s senders")
        }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .fail)
        #expect(e.explanation == "192.0.2.10 is not one of example.com's senders")
        #expect(e.dnsLookups == 0)
        #expect(resolver.queries.last?.description == "why.example.com TXT")
    }

    @Test func redirectTargetWithoutRecordIsPermerror() async {
        let (checker, _) = checker { $0.add("example.com", txt: "v=spf1 redirect=nothing.example.com") }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .permerror)
        #expect(e.problem?.contains("nothing.example.com has no SPF record") == true)
    }

    @Test func syntaxErrorNamesTermAndOffset() async {
        let (checker, _) = checker { $0.add("example.com", txt: "v=spf1 ip4:192.0.2.300 -all") }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .permerror)
        #expect(e.problem == "the SPF record of example.com has a syntax error in term \"ip4:192.0.2.300\" at offset 7: \"192.0.2.300\" is not an IPv4 address")
    }

    @Test func onlyTXTIsQueriedAndSPFTypeIgnored() async {
        let (checker, resolver) = checker { zone in
            zone.add(try! DomainName("example.com"), .spf([Array("v=spf1 +all".utf8)]))
        }
        let e = await checker.checkHost(ip: Self.client, domain: "example.com", sender: "a@example.com")
        #expect(e.result == .none)
        #expect(resolver.queries.map(\.type) == [.txt])
    }
}
