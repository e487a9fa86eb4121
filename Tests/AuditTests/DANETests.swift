import Audit
import DNSCore
import TestSupport
import Testing

/// DANE for SMTP (RFC 7672): the TLSA set of the MX host with each status and parameter case, and its
/// coverage (a TLSA lookup timed out keeps the finding as it was). TLSA rdata cases after RFC 6698 section 2.1.
@Suite struct DANETests {
    typealias E = EvidenceCoverageTests
    static let tlsaName = "_25._tcp.mx.example.test"
    static let tlsaID = "\(tlsaName)/TLSA", hostID = "mx.example.test/A"

    static func rdata(_ usage: UInt8, _ selector: UInt8, _ matching: UInt8, length: Int = 32) -> [UInt8] {
        [usage, selector, matching] + Array(repeating: 0xAB, count: length)
    }

    static func zone(_ records: [[UInt8]], timeout: Bool = false) -> MemoryZone {
        E.healthy { zone in
            for record in records { zone.add(try! DomainName(tlsaName), .other(type: .tlsa, rdata: record)) }
            if timeout { zone.addTimeout(try! DomainName(tlsaName)) }
        }()
    }

    static let secure = DNSSECStatus.secure(signer: "example.test.", expires: 1_900_000_000)

    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var records: [[UInt8]]
        var statuses: [String: DNSSECStatus]
        var expected: [String]
        var description: String { name }
    }

    static let table: [Row] = [
        Row(name: "no TLSA", records: [], statuses: [:], expected: []),
        Row(name: "3 1 1, secure", records: [rdata(3, 1, 1)], statuses: [tlsaID: secure, hostID: secure], expected: []),
        Row(name: "2 0 2, secure", records: [rdata(2, 0, 2, length: 64)], statuses: [tlsaID: secure, hostID: secure], expected: []),
        Row(name: "PKIX-EE only", records: [rdata(1, 1, 1)], statuses: [tlsaID: secure, hostID: secure],
            expected: ["dane.unusable error mx.example.test"]),
        Row(name: "PKIX-TA beside DANE-EE", records: [rdata(0, 0, 1), rdata(3, 1, 1)], statuses: [tlsaID: secure, hostID: secure],
            expected: ["dane.unusable warning mx.example.test"]),
        Row(name: "undefined selector", records: [rdata(3, 7, 1)], statuses: [tlsaID: secure, hostID: secure],
            expected: ["dane.unusable error mx.example.test"]),
        Row(name: "SHA-256 of the wrong length", records: [rdata(3, 1, 1, length: 20), rdata(3, 1, 1)],
            statuses: [tlsaID: secure, hostID: secure], expected: ["dane.syntax error mx.example.test"]),
        Row(name: "TLSA in an unsigned zone", records: [rdata(3, 1, 1)], statuses: [:], expected: ["dane.insecure warning mx.example.test"]),
        Row(name: "secure TLSA, unsigned host address", records: [rdata(3, 1, 1)], statuses: [tlsaID: secure],
            expected: ["dane.insecure warning mx.example.test"]),
        Row(name: "bogus TLSA", records: [rdata(3, 1, 1)],
            statuses: [tlsaID: .bogus(.signatureExpired, detail: "expired"), hostID: secure],
            expected: ["dnssec.bogus critical _25._tcp.mx.example.test/TLSA"]),
    ]

    static func assess(_ zone: MemoryZone, _ statuses: [String: DNSSECStatus], facts: DomainFacts = DomainFacts()) async -> DomainAssessment {
        await DomainAssessor(resolver: ZoneResolver(zone), settings: .init(now: 1_800_000_000), validator: MemoryDNSSEC(statuses))
            .assess(try! DomainName(E.domain), facts: facts)
    }

    @Test(arguments: table)
    func eachTLSASetGivesItsKinds(_ row: Row) async {
        let assessment = await Self.assess(Self.zone(row.records), row.statuses)
        let found = assessment.findings.filter { $0.kind.rawValue.hasPrefix("dane.") || $0.kind == .dnssecBogus }
            .map { ([$0.kind.rawValue, $0.severity.rawValue] + ($0.subject.map { [$0] } ?? [])).joined(separator: " ") }
        #expect(found.sorted() == row.expected.sorted(), "\(row.name): \(assessment.findings.map(\.message))")
        #expect(assessment.unknownParts.isEmpty)
    }

    @Test func withoutValidationNoTLSAIsRead() async {
        let resolver = ZoneResolver(Self.zone([Self.rdata(1, 1, 1)]))
        let assessment = await DomainAssessor(resolver: resolver).assess(try! DomainName(E.domain))
        #expect(!resolver.queries.contains { $0.type == .tlsa })
        #expect(!assessment.findings.contains { $0.kind.rawValue.hasPrefix("dane.") })
    }

    @Test(arguments: [FindingKind.daneSyntax, .daneUnusable, .daneInsecure])
    func aTLSALookupTimedOutKeepsTheFindingAsItWas(_ kind: FindingKind) async {
        var facts = DomainFacts()
        let open = E.finding(kind, "mx.example.test")
        facts.openFindings = [StoredFinding(finding: open, firstSeenAt: 1)]
        let statuses = [Self.tlsaID: Self.secure, Self.hostID: Self.secure]
        let undecided = await Self.assess(Self.zone([Self.rdata(1, 1, 1)], timeout: true), statuses, facts: facts)
        #expect(undecided.transitions.undetermined == [open.fingerprint], "\(kind): \(undecided.transitions)")
        #expect(undecided.unknownParts.map(\.id).contains("dane:mx.example.test"))
        let decided = await Self.assess(Self.zone([Self.rdata(3, 1, 1)]), statuses, facts: facts)
        #expect(decided.transitions.resolved == [open.fingerprint], "\(kind): \(decided.transitions)")
    }
}
