import Audit
import DNSCore
import SPF
import TestSupport
import Testing

/// Naming observed sources: each step of the order, what a step that did not answer leaves, and the
/// catalogue that is compiled in.
@Suite struct SourceNamingTests {
    static let domain = try! DomainName("brand.test")

    /// brand.test includes Google's record; SendGrid's and Zendesk's are published but not included.
    static func zone(_ edit: (inout MemoryZone) -> Void = { _ in }) -> MemoryZone {
        var zone = MemoryZone()
        zone.add("brand.test", txt: "v=spf1 ip4:192.0.2.10 include:_spf.google.com include:_spf.crm.test -all")
        zone.add("_spf.google.com", txt: "v=spf1 include:_netblocks.google.com ~all")
        zone.add("_netblocks.google.com", txt: "v=spf1 ip4:209.85.128.0/17 ~all")
        zone.add("_spf.crm.test", txt: "v=spf1 ip4:60.130.71.0/24 -all")
        zone.add("sendgrid.net", txt: "v=spf1 ip4:167.89.0.0/17 ~all")
        zone.add("mail.zendesk.com", txt: "v=spf1 ip4:192.161.144.0/20 ~all")
        // 198.51.100.77 has a confirmed reverse name under an organization with a DMARC record.
        zone.add(IPAddress("198.51.100.77")!.reverseName, .ptr(try! DomainName("bulk7.mailer.test")))
        zone.add(try! DomainName("bulk7.mailer.test"), .a(IPv4Address("198.51.100.77")!))
        zone.add("_dmarc.mailer.test", txt: "v=DMARC1; p=none")
        // 198.51.100.88 claims a name whose addresses do not include it.
        zone.add(IPAddress("198.51.100.88")!.reverseName, .ptr(try! DomainName("liar.mailer.test")))
        zone.add(try! DomainName("liar.mailer.test"), .a(IPv4Address("203.0.113.200")!))
        // A reverse name under a catalogue provider.
        zone.add(IPAddress("40.107.1.2")!.reverseName, .ptr(try! DomainName("mail-x.outbound.protection.outlook.com")))
        zone.add(try! DomainName("mail-x.outbound.protection.outlook.com"), .a(IPv4Address("40.107.1.2")!))
        edit(&zone)
        return zone
    }

    static func source(_ ip: String, dkim: [String] = []) -> SourceNamer.Source {
        .init(ip: IPAddress(ip)!, messages: 10, dkimDomains: dkim)
    }

    static func names(_ zone: MemoryZone, _ sources: [SourceNamer.Source], approved: [ApprovedSender] = []) async -> [String: SourceName] {
        let resolver = ZoneResolver(zone)
        let spf = await SPFAnalyzer(resolver: resolver).analyze(domain: domain)
        let expanded = await SenderExpansion.expand(approved, resolver: resolver)
        return await SourceNamer(resolver: resolver).names(domain: domain, sources: sources, approved: approved,
                                                           expanded: expanded, spf: spf)
    }

    @Test func eachStepInOrder() async throws {
        let names = await Self.names(Self.zone(), [
            Self.source("192.0.2.10"), Self.source("209.85.200.1"), Self.source("60.130.71.5"),
            Self.source("167.89.1.1"), Self.source("198.51.100.77"), Self.source("40.107.1.2"),
            Self.source("198.51.100.88", dkim: ["brand.test", "bounce.esp.test"]), Self.source("203.0.113.99"),
        ], approved: [ApprovedSender(kind: .ip, value: "192.0.2.10", name: "Office relay")])
        #expect(names["192.0.2.10"]?.name == "Office relay")
        #expect(names["192.0.2.10"]?.method == .approvedSender)
        let google = try #require(names["209.85.200.1"])
        #expect(google.name == "Google Workspace")
        #expect(google.method == .spfInclude)
        #expect(google.include == "_spf.google.com")
        #expect(google.detail.contains("_netblocks.google.com"))
        // An include the catalogue does not know is named after itself.
        #expect(names["60.130.71.5"]?.name == "_spf.crm.test")
        #expect(names["60.130.71.5"]?.method == .spfInclude)
        #expect(names["60.130.71.5"]?.provider == nil)
        let sendgrid = try #require(names["167.89.1.1"])
        #expect(sendgrid.method == .providerCatalogue)
        #expect(sendgrid.provider == "sendgrid")
        #expect(sendgrid.include == "sendgrid.net")
        let reverse = try #require(names["198.51.100.77"])
        #expect(reverse.method == .reverseDNS)
        #expect(reverse.name == "mailer.test")
        #expect(reverse.detail.contains("bulk7.mailer.test"))
        #expect(names["40.107.1.2"]?.name == "Microsoft 365")
        #expect(names["40.107.1.2"]?.method == .reverseDNS)
        // An unconfirmed reverse name is not a name; another signer than the domain names the source.
        let signer = try #require(names["198.51.100.88"])
        #expect(signer.method == .dkimDomain)
        #expect(signer.name == "bounce.esp.test")
        #expect(names["203.0.113.99"] == nil)
    }

    @Test func anApprovedIncludeNamesWhatItsSubtreeAuthorizes() async throws {
        let names = await Self.names(Self.zone(), [Self.source("209.85.200.1")],
                                     approved: [ApprovedSender(kind: .include, value: "_spf.google.com", name: "Staff mail")])
        #expect(names["209.85.200.1"]?.name == "Staff mail")
        #expect(names["209.85.200.1"]?.method == .approvedSender)
        #expect(names["209.85.200.1"]?.provider == "google-workspace")
    }

    @Test func anUnansweredStepIsSkippedNotConcluded() async throws {
        // SendGrid's record and the reverse zone time out: the source is named by its DKIM signer, not "unknown sender".
        let zone = Self.zone {
            $0.addTimeout(try! DomainName("sendgrid.net"))
            $0.addTimeout(IPAddress("167.89.1.1")!.reverseName)
        }
        let names = await Self.names(zone, [Self.source("167.89.1.1", dkim: ["sendgrid.info"])])
        #expect(names["167.89.1.1"]?.method == .dkimDomain)
        // Answered again, the catalogue names it.
        let answered = await Self.names(Self.zone(), [Self.source("167.89.1.1", dkim: ["sendgrid.info"])])
        #expect(answered["167.89.1.1"]?.method == .providerCatalogue)
    }

    @Test func theFindingSaysWhoAndTheFixAddsTheProvidersInclude() async throws {
        let resolver = ZoneResolver(Self.zone())
        var facts = DomainFacts()
        var source = ObservedSenderFacts(ip: IPAddress("167.89.1.1")!, messages: 40, dkimAlignedPass: 40, spfAlignedPass: 0,
                                         dmarcFail: 0, dispositions: ["none": 40], firstDay: "2026-11-01",
                                         lastDay: "2026-11-30", reporters: ["r.test"])
        source.dkimDomains = ["brand.test"]
        facts.observed = ObservedFacts(firstDay: "2026-11-01", lastDay: "2026-11-30", recent: [source], all: [source], staleBefore: nil)
        let assessment = await DomainAssessor(resolver: resolver).assess(Self.domain, facts: facts)
        let finding = try #require(assessment.findings.first { $0.kind == .spfObservedUnauthorized })
        #expect(finding.evidence["sourceName"] == "SendGrid (Twilio)")
        #expect(finding.evidence["sourceNamedBy"] == "provider-catalogue")
        #expect(finding.message.contains("(SendGrid (Twilio), by provider-catalogue)"))
        #expect(finding.fix?.hasPrefix("Add include:sendgrid.net (SendGrid (Twilio)) to the SPF record") == true, "\(finding.fix ?? "")")
    }

    @Test func theBuiltInCatalogueIsWhole() throws {
        let catalogue = ProviderCatalogue.builtIn
        #expect(catalogue.providers.count >= 20)
        for provider in catalogue.providers {
            #expect(!provider.includes.isEmpty, "\(provider.id) has no include")
            #expect(provider.source?.isEmpty == false, "\(provider.id) says not where its facts come from")
        }
        for id in ["google-workspace", "microsoft-365", "amazon-ses", "sendgrid", "mailgun", "mailchimp", "salesforce", "zendesk", "hubspot"] {
            #expect(catalogue.providers.contains { $0.id == id }, "\(id) is missing")
        }
        // The most specific domain wins.
        #expect(catalogue.provider(for: "a.b.mandrillapp.com")?.id == "mandrill")
        #expect(catalogue.provider(for: "servers.mcsv.net")?.id == "mailchimp")
        #expect(catalogue.provider(for: "notgoogle.com") == nil)
    }

    @Test func aBrokenCatalogueIsRefusedWithTheEntry() throws {
        let twice = #"{"providers": [{"id": "a", "name": "A", "includes": ["a.test"], "domains": []}, {"id": "a", "name": "B", "includes": ["b.test"], "domains": []}]}"#
        #expect(throws: ProviderCatalogue.Problem(description: "provider 2 (a): the id is used twice")) {
            try ProviderCatalogue(json: Array(twice.utf8))
        }
        let badName = #"{"providers": [{"id": "x", "name": "X", "includes": ["bad..name"], "domains": []}]}"#
        #expect(throws: ProviderCatalogue.Problem.self) { try ProviderCatalogue(json: Array(badName.utf8)) }
        let empty = #"{"providers": [{"id": "x", "name": "X", "includes": [], "domains": []}]}"#
        #expect(throws: ProviderCatalogue.Problem.self) { try ProviderCatalogue(json: Array(empty.utf8)) }
        #expect(throws: ProviderCatalogue.Problem.self) { try ProviderCatalogue(json: Array("not json".utf8)) }
        // An added provider replaces a built-in one with its id.
        let replaced = try ProviderCatalogue.builtIn.adding([.init(id: "zendesk", name: "Helpdesk", includes: ["mail.zendesk.com"], domains: [])])
        #expect(replaced.provider(for: "mail.zendesk.com")?.name == "Helpdesk")
        #expect(replaced.providers.count == ProviderCatalogue.builtIn.providers.count)
    }
}
