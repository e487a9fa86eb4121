import Audit
import DNSCore
import TestSupport
import Testing

/// The MX kinds: with the MX set (or a host's addresses) unanswered an open finding stays as it was; answered
/// and fine, it resolves. Then each kind from a zone that shows it (RFC 5321 section 5.1, RFC 7505), and the
/// MX set's drift, which an older summary (one that never read MX) does not open.
@Suite struct MXCoverageTests {
    typealias E = EvidenceCoverageTests
    static let domain = E.domain
    static let host = "mx.\(domain)"

    static func mxTimeout() -> MemoryZone {
        E.healthy { $0.addTimeout(try! DomainName(domain), type: .mx) }()
    }

    static func setUnknown(_ kind: FindingKind, _ subject: String? = nil) -> EvidenceCoverageTests.Case {
        .init(name: "\(kind) \(subject ?? ""): the MX set timed out", open: E.finding(kind, subject),
              unknown: { mxTimeout() }, fixed: { E.healthy() })
    }

    static func hostUnknown(_ kind: FindingKind) -> EvidenceCoverageTests.Case {
        .init(name: "\(kind) \(host): its addresses timed out", open: E.finding(kind, host),
              unknown: E.timeout(host), fixed: { E.healthy() })
    }

    static let cases: [EvidenceCoverageTests.Case] = [
        setUnknown(.mxImplicit), setUnknown(.mxNullOnSendingDomain), setUnknown(.mxNullMixed), setUnknown(.mxIPLiteral, "192.0.2.7"),
        setUnknown(.recordChanged, "mx@0123456789abcdef"), hostUnknown(.mxCNAME), hostUnknown(.mxHostWithoutAddress),
    ]

    @Test(arguments: cases)
    func unknownEvidenceKeepsTheFindingAsItWas(_ c: EvidenceCoverageTests.Case) async {
        var facts = c.facts()
        facts.openFindings = [StoredFinding(finding: c.open, firstSeenAt: 1)]
        let assessment = await E.assess(c.unknown(), facts)
        #expect(assessment.transitions.undetermined == [c.open.fingerprint], "\(c.name): \(assessment.transitions)")
        #expect(assessment.transitions.resolved.isEmpty && assessment.transitions.stillOpen.isEmpty)
        #expect(assessment.unknownParts.contains { $0.id.hasPrefix("mx.") }, "\(assessment.unknownParts.map(\.id))")
        #expect(!assessment.findings.contains { $0.kind.rawValue.hasPrefix("mx.") })
    }

    @Test(arguments: cases)
    func knownEvidenceResolvesIt(_ c: EvidenceCoverageTests.Case) async {
        var facts = c.facts()
        facts.openFindings = [StoredFinding(finding: c.open, firstSeenAt: 1)]
        let assessment = await E.assess(c.fixed(), facts)
        #expect(assessment.unknownParts.isEmpty, "\(c.name): \(assessment.unknownParts.map(\.label))")
        #expect(assessment.transitions.resolved == [c.open.fingerprint], "\(c.name): \(assessment.transitions)")
    }

    /// Each case: the zone's MX records (nil host: null MX), extra records, and the MX kinds with severities.
    struct Shape: Sendable, CustomStringConvertible {
        var name: String
        var mx: [(UInt16, String?)]
        var extra: @Sendable (inout MemoryZone) -> Void = { _ in }
        var spf = "v=spf1 ip4:192.0.2.1 -all"
        var expected: [String]
        var description: String { name }
    }

    static let shapes: [Shape] = [
        Shape(name: "one MX host with an address", mx: [(10, "mx.example.test")], expected: []),
        Shape(name: "no MX, an address: implicit MX", mx: [], extra: { $0.add(try! DomainName(domain), .a(IPv4Address("192.0.2.5")!)) },
              expected: ["mx.implicit info"]),
        Shape(name: "no MX, no address (no finding, the part says so)", mx: [], expected: []),
        Shape(name: "no MX, an address, sends nothing", mx: [], extra: { $0.add(try! DomainName(domain), .a(IPv4Address("192.0.2.5")!)) },
              spf: "v=spf1 -all", expected: []),
        Shape(name: "null MX on a domain that sends nothing", mx: [(0, nil)], spf: "v=spf1 -all", expected: []),
        Shape(name: "null MX on a sending domain", mx: [(0, nil)], expected: ["mx.null-on-sending-domain error"]),
        Shape(name: "null MX beside another", mx: [(0, nil), (10, "mx.example.test")], spf: "v=spf1 -all",
              expected: ["mx.null-mixed error"]),
        Shape(name: "an alias", mx: [(10, "alias.example.test")],
              extra: { $0.add(try! DomainName("alias.example.test"), .cname(try! DomainName("mx.example.test"))) },
              expected: ["mx.cname warning alias.example.test"]),
        Shape(name: "an IP literal beside a good host", mx: [(10, "192.0.2.25"), (20, "mx.example.test")],
              expected: ["mx.ip-literal error 192.0.2.25"]),
        Shape(name: "one of two hosts without an address", mx: [(10, "gone.example.test"), (20, "mx.example.test")],
              expected: ["mx.host-without-address warning gone.example.test"]),
        Shape(name: "the only host without an address", mx: [(10, "gone.example.test")],
              expected: ["mx.host-without-address critical gone.example.test"]),
    ]

    static func zone(_ shape: Shape) -> MemoryZone {
        var zone = MemoryZone()
        zone.add(domain, txt: shape.spf)
        zone.add("_dmarc.\(domain)", txt: "v=DMARC1; p=reject")
        zone.touch(try! DomainName("_dmarc.test"))
        zone.add(try! DomainName("mx.example.test"), .a(IPv4Address("192.0.2.25")!))
        for (preference, host) in shape.mx {
            zone.add(try! DomainName(domain), host.map { .mx(preference: preference, exchange: try! DomainName($0)) }
                ?? .nullMX(preference: preference))
        }
        shape.extra(&zone)
        return zone
    }

    @Test(arguments: shapes)
    func eachShapeGivesItsKinds(_ shape: Shape) async {
        let assessment = await E.assess(Self.zone(shape), DomainFacts())
        let found = assessment.findings.filter { $0.kind.rawValue.hasPrefix("mx.") }
            .map { ([$0.kind.rawValue, $0.severity.rawValue] + ($0.subject.map { [$0] } ?? [])).joined(separator: " ") }
        #expect(found.sorted() == shape.expected.sorted(), "\(shape.name): \(assessment.findings.map(\.message))")
        #expect(assessment.unknownParts.isEmpty)
    }

    @Test func theMXSetDriftsOnlyAfterASummaryThatReadIt() async {
        let resolver = ZoneResolver(Self.zone(Self.shapes[0]))
        let first = await DomainAssessor(resolver: resolver).assess(try! DomainName(Self.domain), facts: DomainFacts())
        #expect(first.summary.mxRecord == "10 mx.example.test")
        // A summary stored before the MX set was read every poll: its first reading is no drift.
        var older = first.summary
        older.mxRecord = nil
        older.mxRead = nil
        var facts = DomainFacts()
        facts.baseline = older
        let upgraded = await DomainAssessor(resolver: resolver).assess(try! DomainName(Self.domain), facts: facts)
        #expect(upgraded.findings.filter { $0.kind == .recordChanged }.isEmpty)
        // The set unanswered: carried, no drift; then changed: record.changed.
        facts.baseline = upgraded.summary
        resolver.update { $0.addTimeout(try! DomainName(Self.domain), type: .mx) }
        let timedOut = await DomainAssessor(resolver: resolver).assess(try! DomainName(Self.domain), facts: facts)
        #expect(timedOut.findings.filter { $0.kind == .recordChanged }.isEmpty)
        #expect(timedOut.summary.transportPart("mx") == .carried)
        #expect(timedOut.summary.mxRecord == "10 mx.example.test")
        resolver.update { $0 = Self.zone(Self.shapes[8]) }
        let changed = await DomainAssessor(resolver: resolver).assess(try! DomainName(Self.domain), facts: facts)
        let drift = changed.findings.filter { $0.kind == .recordChanged }
        #expect(drift.map(\.message) == ["MX set of \(Self.domain) changed"])
        #expect(drift.first?.subject?.hasPrefix("mx@") == true)
        #expect(drift.first?.evidence["after"] == "10 192.0.2.25, 20 mx.example.test")
    }
}
