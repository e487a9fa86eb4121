import Audit
import DNSCore
import Testing

/// The record generator on inventories written here: order, qualifiers, lookup counting, 255-octet strings,
/// flattening the costliest include first, and the `_spf` sub-record chain.
@Suite struct SPFGeneratorTests {
    static let domain = try! DomainName("gen.example")

    static func provider(_ name: String, lookups: Int, networks: [String], blocker: String? = nil) -> ProviderSPF {
        ProviderSPF(name: name, lookups: lookups, networks: networks.compactMap(CIDRNetwork.init), unflattenable: blocker)
    }

    @Test func stableOrderAndExpectedAll() {
        let senders = [
            ApprovedSender(kind: .include, value: "spf.zeta.example"),
            ApprovedSender(kind: .ip, value: "2001:db8::25"),
            ApprovedSender(kind: .cidr, value: "198.51.100.0/24"),
            ApprovedSender(kind: .ip, value: "198.51.100.7"),          // inside the /24: dropped
            ApprovedSender(kind: .ip, value: "192.0.2.10"),
            ApprovedSender(kind: .host, value: "gen.example"),
            ApprovedSender(kind: .mx, value: "mail.other.example"),
            ApprovedSender(kind: .include, value: "spf.alpha.example"),
        ]
        let providers = ["spf.zeta.example": Self.provider("spf.zeta.example", lookups: 2, networks: ["203.0.113.0/24"]),
                         "spf.alpha.example": Self.provider("spf.alpha.example", lookups: 1, networks: ["192.0.2.128/25"])]
        let generator = SPFGenerator(domain: Self.domain, senders: senders.shuffled(), expectations: Expectations(spfAll: "-"), providers: providers)
        let generated = generator.generate(flatten: .none)
        #expect(generated.records.map(\.text) == [
            "v=spf1 ip4:192.0.2.10 ip4:198.51.100.0/24 ip6:2001:db8::25 a mx:mail.other.example include:spf.alpha.example include:spf.zeta.example -all",
        ])
        #expect(generated.lookups == 1 + 1 + 1 + 2)
        #expect(generated.problems.isEmpty)
        #expect(generated.zoneLines == ["gen.example. 3600 IN TXT \"\(generated.records[0].text)\""])
        // Without an expectation the record ends softly, and says so.
        let soft = SPFGenerator(domain: Self.domain, senders: senders, expectations: Expectations(), providers: providers).generate(flatten: .none)
        #expect(soft.records[0].text.hasSuffix(" ~all"))
        #expect(soft.notes.count == 1)
        // ... unless the live record already fails them: the generated record is never weaker.
        let kept = SPFGenerator(domain: Self.domain, senders: senders, expectations: Expectations(), providers: providers, currentAll: "-")
        #expect(kept.generate(flatten: .none).records[0].text.hasSuffix(" -all"))
    }

    @Test func overBudgetIsReportedAndFlattenedCostliestFirst() {
        let senders = ["big.example", "mid.example", "small.example"].map { ApprovedSender(kind: .include, value: $0) }
            + [ApprovedSender(kind: .host, value: "relay.gen.example")]
        let providers = [
            "big.example": Self.provider("big.example", lookups: 5, networks: ["172.16.0.0/16", "2001:db8:b::/48"]),
            "mid.example": Self.provider("mid.example", lookups: 3, networks: ["10.1.0.0/16"]),
            "small.example": Self.provider("small.example", lookups: 2, networks: ["10.2.0.0/16"]),
        ]
        let generator = SPFGenerator(domain: Self.domain, senders: senders, expectations: Expectations(spfAll: "-", maxLookups: 8), providers: providers)
        let plain = generator.generate(flatten: .none)
        #expect(plain.lookups == 11)
        #expect(plain.problems.contains { $0.contains("11 DNS lookups") && $0.contains("--flatten") })

        let flat = generator.generate(flatten: .asNeeded)
        #expect(flat.flattened.map(\.include) == ["big.example"])
        #expect(flat.lookups == 6)
        #expect(flat.problems.isEmpty)
        #expect(flat.records[0].text == "v=spf1 ip4:172.16.0.0/16 ip6:2001:db8:b::/48 a:relay.gen.example include:mid.example include:small.example -all")
        // The same choice, replayed, gives the same record.
        #expect(generator.generate(flatten: .these(["big.example"])).records == flat.records)
    }

    @Test func unflattenableProvidersAreKept() {
        let senders = ["macro.example", "plain.example"].map { ApprovedSender(kind: .include, value: $0) }
        let providers = [
            "macro.example": Self.provider("macro.example", lookups: 9, networks: ["10.0.0.0/8"], blocker: "exists:%{i}.x"),
            "plain.example": Self.provider("plain.example", lookups: 3, networks: ["10.9.0.0/16"]),
        ]
        let generated = SPFGenerator(domain: Self.domain, senders: senders, expectations: Expectations(), providers: providers)
            .generate(flatten: .asNeeded)
        #expect(generated.flattened.map(\.include) == ["plain.example"])
        #expect(generated.lookups == 9)
        #expect(generated.records[0].text.contains("include:macro.example"))
    }

    @Test func longRecordsSplitIntoChainedSubRecordsAndStrings() {
        let networks = (0..<60).map { "10.\($0).0.0/16" }
        let senders = [ApprovedSender(kind: .include, value: "wide.example")] + (0..<3).map { ApprovedSender(kind: .host, value: "h\($0).gen.example") }
        let providers = ["wide.example": Self.provider("wide.example", lookups: 9, networks: networks)]
        let generated = SPFGenerator(domain: Self.domain, senders: senders, expectations: Expectations(spfAll: "-"), providers: providers)
            .generate(flatten: .asNeeded)
        #expect(generated.flattened.map(\.include) == ["wide.example"])
        #expect(generated.records.count >= 3)
        #expect(generated.records[0].text == "v=spf1 a:h0.gen.example a:h1.gen.example a:h2.gen.example include:_spf1.gen.example -all")
        #expect(generated.records.map(\.name).dropFirst() == ArraySlice((1..<generated.records.count).map { "_spf\($0).gen.example" }))
        for (index, record) in generated.records.enumerated() {
            #expect(record.text.utf8.count <= SPFGenerator.maxRecordOctets)
            #expect(record.strings.allSatisfy { $0.utf8.count <= 255 })
            #expect(record.strings.joined() == record.text)
            if index > 0 {
                let chained = index + 1 < generated.records.count
                #expect(record.text.contains("include:_spf\(index + 1).gen.example") == chained)
            }
        }
        // Every copied network is in exactly one sub-record.
        let published = generated.records.dropFirst().flatMap { $0.text.split(separator: " ").filter { $0.hasPrefix("ip4:") } }
        #expect(published.count == 60)
        #expect(generated.lookups == 3 + generated.records.count - 1)
    }

    @Test func characterStringsBreakAfterSpaces() {
        let text = "v=spf1 " + (0..<40).map { "ip4:192.0.2.\($0)" }.joined(separator: " ") + " -all"
        let strings = GeneratedSPF.characterStrings(text)
        #expect(strings.count == 3)
        #expect(strings.joined() == text)
        #expect(strings.dropLast().allSatisfy { $0.hasSuffix(" ") && $0.utf8.count <= 255 })
        #expect(GeneratedSPF.characterStrings(String(repeating: "x", count: 600)).map(\.utf8.count) == [255, 255, 90])
    }
}
