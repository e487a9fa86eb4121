import DNSCore
import Foundation
import Testing
import TestSupport
@testable import AuthReports

/// Header analysis on the layouts the big receivers write. The fixtures in Tests/Fixtures/headers were written
/// for these tests after the published formats: Gmail (Received-SPF with client-ip, Authentication-Results with
/// the receiver's comment), Microsoft 365 (Authentication-Results without an authserv-id, "sender IP is",
/// CR LF lines, internal Received hops with bare IPv6), Yahoo (no client-ip anywhere, `dmarc=pass(p=REJECT)`,
/// `from IP (EHLO name)`), and a plain Postfix chain with an IPv6 literal and no verdicts at all.
struct HeaderAnalysisTests {
    struct Expected {
        let ip: String
        let source: HeaderAnalysis.IPSource
        let headerFrom: String
        let envelope: String
        let spf: String?
        let dkim: String?
        let dkimDomain: String?
        let dmarc: String?
        let saidContains: String?
    }

    static let table: [(file: String, expected: Expected)] = [
        ("gmail.eml", Expected(ip: "60.130.71.223", source: .receivedSPF, headerFrom: "brightpath.example", envelope: "brightpath.example",
                               spf: "softfail", dkim: "pass", dkimDomain: "brightpath.example", dmarc: "pass",
                               saidContains: "does not designate 60.130.71.223")),
        ("microsoft.eml", Expected(ip: "60.130.71.223", source: .authenticationResults, headerFrom: "brightpath.example", envelope: "brightpath.example",
                                   spf: "softfail", dkim: "pass", dkimDomain: "brightpath.example", dmarc: "pass",
                                   saidContains: "discourages use of 60.130.71.223")),
        ("yahoo.eml", Expected(ip: "60.130.71.223", source: .receivedSPF, headerFrom: "brightpath.example", envelope: "brightpath.example",
                               spf: "softfail", dkim: "pass", dkimDomain: "brightpath.example", dmarc: "pass",
                               saidContains: "does not designate")),
        ("postfix-ipv6-pass.eml", Expected(ip: "2001:db8:77::25", source: .received, headerFrom: "brightpath.example", envelope: "brightpath.example",
                                           spf: nil, dkim: nil, dkimDomain: nil, dmarc: nil, saidContains: nil)),
    ]

    static func fixture(_ name: String) throws -> String {
        let url = SharedData.packageRoot.appendingPathComponent("Tests/Fixtures/headers/\(name)")
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    @Test(arguments: table.map(\.file))
    func layout(_ file: String) throws {
        let expected = Self.table.first { $0.file == file }!.expected
        let a = HeaderAnalysis(message: try Self.fixture(file))
        #expect(a.connectingIP == IPAddress(expected.ip), "\(file): \(String(describing: a.connectingIP))")
        #expect(a.connectingIPSource == expected.source)
        #expect(a.headerFromDomain == expected.headerFrom)
        #expect(a.envelopeFromDomain == expected.envelope)
        #expect(a.receiverSPF == expected.spf)
        #expect(a.receiverDKIM == expected.dkim)
        #expect(a.receiverDKIMDomain == expected.dkimDomain)
        #expect(a.receiverDMARC == expected.dmarc)
        if let said = expected.saidContains {
            #expect(a.receiverSaid.contains { $0.contains(said) }, "\(file): \(a.receiverSaid)")
        } else {
            #expect(a.receiverSaid.isEmpty)
        }
    }

    @Test func receivedChainKeepsEveryHopInOrder() throws {
        let gmail = HeaderAnalysis(message: try Self.fixture("gmail.eml"))
        #expect(gmail.hops.count == 2)
        #expect(gmail.hops[0].ip == nil, "Gmail's internal hop names no client")
        #expect(gmail.hops[1].helo == "crm-mailer.crmcloud.example")
        #expect(gmail.hops[1].by == "mx.google.com")
        let microsoft = HeaderAnalysis(message: try Self.fixture("microsoft.eml"))
        #expect(microsoft.hops.count == 4)
        #expect(microsoft.hops.allSatisfy { $0.ip == nil }, "bare addresses in parentheses are not taken for the client")
        let yahoo = HeaderAnalysis(message: try Self.fixture("yahoo.eml"))
        #expect(yahoo.hops.first?.ip == IPAddress("60.130.71.223"))
        #expect(yahoo.hops.first?.helo == "crm-mailer.crmcloud.example")
        let postfix = HeaderAnalysis(message: try Self.fixture("postfix-ipv6-pass.eml"))
        #expect(postfix.hops.map { $0.ip?.description } == ["2001:db8:77::25", "10.1.2.3"])
    }

    @Test func authenticationResultsGrammar() {
        let ar = AuthenticationResults("mx.example.org 1; spf=pass (sender is (nested) ok) smtp.mailfrom=\"a@b.example\"; dkim=fail reason=\"bad; sig\" header.d=b.example; none")
        #expect(ar.authservID == "mx.example.org")
        #expect(ar.clauses.map(\.method) == ["spf", "dkim"])
        #expect(ar.first("spf")?.comments == ["sender is (nested) ok"])
        #expect(ar.first("spf")?.properties["smtp.mailfrom"] == "a@b.example")
        #expect(ar.first("dkim")?.properties["header.d"] == "b.example")
        let bare = AuthenticationResults("spf=None (sender IP is 192.0.2.9) smtp.mailfrom=x.example; dkim=none (message not signed)")
        #expect(bare.authservID == nil)
        #expect(bare.first("spf")?.result == "none")
    }

    @Test func noAddressAnywhere() {
        let a = HeaderAnalysis(message: "From: a@b.example\nSubject: hi\n\nbody with Received-SPF: pass client-ip=192.0.2.1\n")
        #expect(a.connectingIP == nil, "the body is never read as headers")
        #expect(a.headerFromDomain == "b.example")
    }
}
