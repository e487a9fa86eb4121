import Audit
import DNSCore
import TestSupport
import Testing

/// The DNSSEC kinds from each status of the deciding answers (the table below, after RFC 4035 section 4.3's
/// four states), their coverage (an indeterminate answer keeps an open finding as it was, a validated one
/// resolves it), and the drift from secure to insecure.
@Suite struct DNSSECStatusTests {
    typealias E = EvidenceCoverageTests
    static let domain = E.domain
    static let now: Int64 = 1_800_000_000
    static let spf = "\(domain)/TXT", dmarc = "_dmarc.\(domain)/TXT", mx = "\(domain)/MX"
    static let day: Int64 = 86400

    static func assess(_ statuses: [String: DNSSECStatus], facts: DomainFacts = DomainFacts(),
                       zone: MemoryZone = E.healthy()) async -> DomainAssessment {
        let settings = DomainJudge.Settings(now: now)
        return await DomainAssessor(resolver: ZoneResolver(zone), settings: settings, validator: MemoryDNSSEC(statuses))
            .assess(try! DomainName(domain), facts: facts)
    }

    static func secure(days: Int64) -> DNSSECStatus { .secure(signer: "\(domain).", expires: now + days * day) }

    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var statuses: [String: DNSSECStatus]
        var expected: [String]
        var unknown: [String] = []
        var description: String { name }
    }

    static let table: [Row] = [
        Row(name: "unsigned", statuses: [:], expected: []),
        Row(name: "secure, signatures for a month", statuses: [spf: secure(days: 30), dmarc: secure(days: 30), mx: secure(days: 30)],
            expected: []),
        Row(name: "secure, one chain expiring in 3 days", statuses: [spf: secure(days: 30), dmarc: secure(days: 3)],
            expected: ["dnssec.signature-expiring warning"]),
        Row(name: "secure, expiring within a day", statuses: [spf: secure(days: 1)], expected: ["dnssec.signature-expiring error"]),
        Row(name: "expired DMARC signature", statuses: [spf: secure(days: 30), dmarc: .bogus(.signatureExpired, detail: "expired")],
            expected: ["dnssec.bogus critical _dmarc.example.test/TXT"]),
        Row(name: "not yet valid", statuses: [spf: .bogus(.signatureNotYetValid, detail: "future")],
            expected: ["dnssec.bogus critical example.test/TXT"]),
        Row(name: "DS matching no key", statuses: [spf: .bogus(.dsMismatch, detail: "no key"), mx: .bogus(.dsMismatch, detail: "no key")],
            expected: ["dnssec.ds-mismatch critical"]),
        Row(name: "indeterminate", statuses: [spf: .indeterminate("timeout")], expected: [], unknown: ["dnssec:example.test/TXT"]),
    ]

    @Test(arguments: table)
    func eachStatusGivesItsKinds(_ row: Row) async {
        let assessment = await Self.assess(row.statuses)
        let found = assessment.findings.filter { $0.kind.rawValue.hasPrefix("dnssec.") }
            .map { ([$0.kind.rawValue, $0.severity.rawValue] + ($0.subject.map { [$0] } ?? [])).joined(separator: " ") }
        #expect(found.sorted() == row.expected.sorted(), "\(row.name): \(assessment.findings.map(\.message))")
        #expect(assessment.unknownParts.map(\.id) == row.unknown)
        #expect(assessment.parts.filter { $0.id.hasPrefix("dnssec:") }.map(\.id)
                == ["dnssec:example.test/TXT", "dnssec:_dmarc.example.test/TXT", "dnssec:_spf.provider.test/TXT", "dnssec:example.test/MX"],
                "SPF, DMARC, the include and MX are validated")
    }

    @Test func noValidatorMeansNoDNSSECPart() async {
        let assessment = await DomainAssessor(resolver: ZoneResolver(E.healthy())).assess(try! DomainName(Self.domain))
        #expect(!assessment.parts.contains { $0.id.hasPrefix("dnssec:") })
        #expect(assessment.summary.dnssec == nil)
    }

    static let coverage: [(FindingKind, String?, String)] = [
        (.dnssecBogus, spf, spf), (.dnssecDSMismatch, nil, mx), (.dnssecSignatureExpiring, nil, dmarc),
        (.recordChanged, "dnssec@0123456789abcdef", spf),
    ]

    @Test func indeterminateKeepsEachKindOpenAndValidatedResolvesIt() async {
        for (kind, subject, unknown) in Self.coverage {
            var facts = DomainFacts()
            let open = E.finding(kind, subject)
            facts.openFindings = [StoredFinding(finding: open, firstSeenAt: 1)]
            let undecided = await Self.assess([unknown: .indeterminate("no answer")], facts: facts)
            #expect(undecided.transitions.undetermined == [open.fingerprint], "\(kind): \(undecided.transitions)")
            let decided = await Self.assess([Self.spf: Self.secure(days: 30)], facts: facts)
            #expect(decided.transitions.resolved == [open.fingerprint], "\(kind): \(decided.transitions)")
        }
    }

    @Test func secureToInsecureIsDriftOlderSummariesAreNot() async {
        let first = await Self.assess([Self.spf: Self.secure(days: 30)])
        #expect(first.summary.dnssec?[Self.spf] == "secure")
        var facts = DomainFacts()
        var older = first.summary
        older.dnssec = nil
        facts.baseline = older
        let upgraded = await Self.assess([:], facts: facts)
        #expect(upgraded.findings.filter { $0.kind == .recordChanged }.isEmpty, "a summary that never validated is no baseline")
        facts.baseline = first.summary
        let unanswered = await Self.assess([Self.spf: .indeterminate("timeout")], facts: facts)
        #expect(unanswered.findings.filter { $0.kind == .recordChanged }.isEmpty)
        #expect(unanswered.summary.dnssecPart(Self.spf) == .carried)
        let downgraded = await Self.assess([:], facts: facts)
        let drift = downgraded.findings.filter { $0.kind == .recordChanged }
        #expect(drift.count == 1)
        #expect(drift.first?.severity == .error)
        #expect(drift.first?.subject?.hasPrefix("dnssec@") == true)
        #expect(drift.first?.message.contains("secure to insecure") == true)
    }
}
