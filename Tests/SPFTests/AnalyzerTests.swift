import DNSCore
import SPF
import TestSupport
import Testing

/// Static analysis over hand-built zones shaped like real provider setups.
@Suite struct AnalyzerTests {
    static func name(_ s: String) -> DomainName { try! DomainName(s) }

    func analyze(_ domain: String = "example.com", _ build: (inout MemoryZone) -> Void) async -> SPFAnalysis {
        var zone = MemoryZone()
        build(&zone)
        return await SPFAnalyzer(resolver: ZoneResolver(zone)).analyze(domain: Self.name(domain))
    }

    @Test func treeCountsAndNetworks() async {
        let a = await analyze { zone in
            zone.add("example.com", txt: "v=spf1 ip4:192.0.2.0/24 a:mail.example.com/28 mx include:_spf.provider.net ~all")
            zone.add(Self.name("mail.example.com"), .a(IPv4Address(198, 51, 100, 77)))
            zone.add(Self.name("example.com"), .mx(preference: 10, exchange: Self.name("mx.example.com")))
            zone.add(Self.name("mx.example.com"), .aaaa(IPv6Address("2001:db8::25")!))
            zone.add("_spf.provider.net", txt: "v=spf1 include:_a.provider.net include:_b.provider.net ?all")
            zone.add("_a.provider.net", txt: "v=spf1 ip4:203.0.113.0/25 -all")
            zone.add("_b.provider.net", txt: "v=spf1 ip6:2001:db8:100::/48 exists:%{i}.allow.provider.net")
        }
        #expect(a.result == nil)
        #expect(a.record == "v=spf1 ip4:192.0.2.0/24 a:mail.example.com/28 mx include:_spf.provider.net ~all")
        #expect(a.tree?.lookups == 3)
        #expect(a.tree?.children.first?.lookups == 2)
        #expect(a.tree?.children.first?.children.map(\.totalLookups) == [0, 1])
        #expect(a.dnsLookups == 6)
        #expect(a.allQualifier == "~")
        #expect(a.networks.map(\.network.description) == [
            "192.0.2.0/24", "198.51.100.64/28", "203.0.113.0/25", "2001:db8::25/128", "2001:db8:100::/48",
        ])
        #expect(a.networks[1].source == "a:mail.example.com/28")
        #expect(a.networks[2].via == "_a.provider.net")
        #expect(a.networks[2].qualifier == "+")
        #expect(a.unenumerable == ["exists:%{i}.allow.provider.net (in _b.provider.net)"])
        #expect(a.errors.isEmpty)
        #expect(a.warnings.isEmpty)
        #expect(a.tree?.children.first?.via == "include:_spf.provider.net")
    }

    @Test func lookupLimitIsTheWorstCaseOfTheWholeTree() async {
        let a = await analyze { zone in
            zone.add("example.com", txt: "v=spf1 include:p1.example.net include:p2.example.net -all")
            zone.add("p1.example.net", txt: "v=spf1 a:h1.example.net a:h2.example.net a:h3.example.net a:h4.example.net a:h5.example.net -all")
            zone.add("p2.example.net", txt: "v=spf1 mx:m1.example.net mx:m2.example.net mx:m3.example.net mx:m4.example.net mx:m5.example.net -all")
            for i in 1...5 {
                zone.add(Self.name("h\(i).example.net"), .a(IPv4Address(192, 0, 2, UInt8(i))))
                zone.add(Self.name("m\(i).example.net"), .mx(preference: 0, exchange: Self.name("h\(i).example.net")))
            }
        }
        #expect(a.dnsLookups == 12)
        #expect(a.errors.map(\.code) == ["lookup-limit"])
        #expect(a.errors.first?.message.contains("12 DNS lookups") == true)
    }

    @Test func warningsAndErrors() async {
        let a = await analyze { zone in
            zone.add("example.com", txt: "v=spf1 ptr include:none.example.net include:dup.example.net include:dup.example.net a:gone.example.com mx:gone2.example.com a:gone3.example.com ip4:192.0.2.0/24 ip4:192.0.2.8/29 redirect=other.example.net +all")
            zone.add("dup.example.net", txt: "v=spf1 ip4:198.51.100.1")
            zone.touch(Self.name("none.example.net"))
        }
        let warnings = Set(a.warnings.map(\.code))
        #expect(warnings == ["ptr", "permissive-all", "redirect-ignored", "duplicate-include", "overlapping-networks"])
        #expect(Set(a.errors.map(\.code)) == ["include-no-spf", "void-limit"])
        #expect(a.voidLookups == 3)
        #expect(a.voidLookupTerms.contains { $0.hasPrefix("a:gone.example.com in example.com") })
        #expect(a.dnsLookups == 7)
        #expect(a.allQualifier == "+")
        #expect(a.errors.first { $0.code == "include-no-spf" }?.term == "include:none.example.net")
    }

    @Test func noRecordNoAllAndRedirect() async {
        let none = await analyze { _ in }
        #expect(none.result == SPFResult.none)
        #expect(none.errors.map(\.code) == ["no-record"])

        let redirected = await analyze { zone in
            zone.add("example.com", txt: "v=spf1 redirect=_spf.example.com")
            zone.add("_spf.example.com", txt: "v=spf1 ip4:192.0.2.1 -all")
        }
        #expect(redirected.allQualifier == "-")
        #expect(redirected.warnings.isEmpty)
        #expect(redirected.dnsLookups == 1)

        let open = await analyze { $0.add("example.com", txt: "v=spf1 ip4:192.0.2.1") }
        #expect(open.warnings.map(\.code) == ["no-all"])
        #expect(open.allQualifier == nil)
    }

    @Test func unusableRecordsGivePermerror() async {
        let multiple = await analyze { zone in
            zone.add("example.com", txt: "v=spf1 -all")
            zone.add("example.com", txt: "v=spf1 +all")
        }
        #expect(multiple.result == .permerror)
        #expect(multiple.errors.map(\.code) == ["multiple-records"])

        let syntax = await analyze { $0.add("example.com", txt: "v=spf1 ip4:1.2.3.4/33 -all") }
        #expect(syntax.result == .permerror)
        #expect(syntax.errors.first?.term == "ip4:1.2.3.4/33")

        let timeout = await analyze { $0.addTimeout(Self.name("example.com")) }
        #expect(timeout.result == .temperror)
        #expect(timeout.errors.map(\.code) == ["dns-temporary"])
    }

    @Test func includeLoopIsOverTheLimit() async {
        let a = await analyze("a.example.com") { zone in
            zone.add("a.example.com", txt: "v=spf1 include:b.example.com -all")
            zone.add("b.example.com", txt: "v=spf1 include:a.example.com -all")
        }
        #expect(Set(a.errors.map(\.code)) == ["include-loop", "lookup-limit"])
    }

    /// The 450-octet advice of section 3.4 and the 255-octet character-string limit need the raw strings.
    @Test func lengthWarnings() async {
        let terms = (1...45).map { "ip4:192.0.2.\($0)" }
        func record(_ strings: [String]) async -> [String] {
            await analyze { $0.add(Self.name("example.com"), .txt(strings.map { Array($0.utf8) })) }.warnings.map(\.code)
        }
        let first = "v=spf1 " + terms[0..<15].joined(separator: " ")
        let second = " " + terms[15..<30].joined(separator: " ")
        let third = " " + terms[30..<45].joined(separator: " ") + " -all"
        #expect(first.utf8.count < 255 && second.utf8.count < 255 && third.utf8.count < 255)
        #expect(await record([first, second, third]) == ["too-long"])
        #expect(await record([first + second]).contains("string-too-long"))
        #expect(await record([first + " -all"]).isEmpty)
    }
}

extension AnalyzerTests {
    @Test func redirectLoopIsPermerror() async {
        let a = await analyze { $0.add("example.com", txt: "v=spf1 ip4:192.0.2.1 redirect=example.com") }
        #expect(a.result == .permerror)
        #expect(a.errors.map(\.code).contains("include-loop"))
    }
}
