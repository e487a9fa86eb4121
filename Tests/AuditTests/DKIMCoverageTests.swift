import Audit
import DNSCore
import TestSupport
import Testing

/// The DKIM finding kinds with the key lookup unanswered, then answered with a sound key: the open finding
/// stays as it was, then resolves. (`dkim.unaligned` rests on the reports alone, with no DNS evidence to miss:
/// it is judged by the reports and has no unanswered case.)
@Suite struct DKIMCoverageTests {
    typealias E = EvidenceCoverageTests
    static let domain = E.domain
    static let keyName = "s1._domainkey.\(domain)"
    /// A 2048-bit RSA public key (SubjectPublicKeyInfo, base64) generated for these tests.
    static let soundKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyn8/Lm5NqGrsSNt3/uEsg18MnXSZ83xwMtNo0zR+B7FEF7jZMGVVCNBGGY3lMgKv45Ghoyb0SmslMA/YBRUOwperE0iWYSmybL8oFhTaCwtlVi0zm7qbeT0JawYcqO4UCVz5QSouHOoFCDJl3BlrVA7l+QklbMjWGH4AjZ38B+XA8CR9x8Cxi5nXAfRi1kvKWTcxtBuXwwbuac9gRijEa8PJTHqTJTweqFcx2/iH6U2PcXNWuJGRcArR8JNyZQuv9g3gLQt15vxcmavprYvSuwqR8JJ6YchO8iZs2I/vuo2bssI+o8opAxMUPGmeEihUKXTAOm8X2trpz2NEuBwygQIDAQAB"

    static func facts() -> DomainFacts {
        DomainFacts(approved: [ApprovedSender(kind: .ip, value: "192.0.2.1", name: "Mailer", dkimSelectors: ["s1"])])
    }

    static func fixed() -> MemoryZone {
        E.healthy { $0.add(keyName, txt: "v=DKIM1; k=rsa; p=\(soundKey)") }()
    }

    static func unknown(_ kind: FindingKind, subject: String = keyName) -> EvidenceCoverageTests.Case {
        .init(name: "\(kind): the key lookup timed out", open: E.finding(kind, subject),
              unknown: E.timeout(keyName), fixed: fixed, facts: facts)
    }

    static let cases: [EvidenceCoverageTests.Case] = [
        unknown(.dkimKeyMissing), unknown(.dkimKeyRevoked), unknown(.dkimKeyTooSmall), unknown(.dkimWeakKey),
        unknown(.dkimSHA1Only), unknown(.dkimTesting), unknown(.dkimSyntax), unknown(.dkimOrphanedKey),
        unknown(.recordChanged, subject: "dkim:\(keyName)@0123456789abcdef"),
    ]

    @Test func aKeyLookupThatTimesOutIsAnUnknownPartAndCarriedInTheSummary() async {
        let zone = E.timeout(Self.keyName)()
        let first = await E.assess(Self.fixed(), Self.facts())
        #expect(first.summary.dkimKeys?[Self.keyName]?.hasPrefix("rsa 2048 sha256:") == true)
        var facts = Self.facts()
        facts.baseline = first.summary
        let second = await E.assess(zone, facts)
        #expect(second.unknownParts.map(\.id) == ["dkim:\(Self.keyName)"])
        #expect(second.summary.dkimPart(Self.keyName) == .carried)
        #expect(second.summary.dkimKeys?[Self.keyName] == first.summary.dkimKeys?[Self.keyName])
        #expect(second.findings.filter { $0.kind.rawValue.hasPrefix("dkim.") || $0.kind == .recordChanged }.isEmpty)
    }

    @Test func aReplacedKeyIsDrift() async {
        let first = await E.assess(E.healthy { $0.add(Self.keyName, txt: "v=DKIM1; p=") }(), Self.facts())
        var facts = Self.facts()
        facts.baseline = first.summary
        let second = await E.assess(Self.fixed(), facts)
        let drift = second.findings.filter { $0.kind == .recordChanged }
        #expect(drift.count == 1)
        #expect(drift.first?.subject?.hasPrefix("dkim:\(Self.keyName)@") == true)
        #expect(drift.first?.evidence["before"] == "revoked")
        #expect(drift.first?.evidence["afterBits"] == "2048")
        #expect(drift.first?.message.contains("revoked -> rsa 2048 bits sha256:") == true, "\(drift.first?.message ?? "")")
    }

    @Test func domainsWithoutSelectorsKeepTheirDigest() async {
        let plain = await E.assess(E.healthy(), DomainFacts())
        let withKey = await E.assess(Self.fixed(), DomainFacts())
        #expect(plain.summary.dkimKeys == nil)
        #expect(plain.summary.contentDigest == withKey.summary.contentDigest, "no selector known: the key is not read")
    }
}
