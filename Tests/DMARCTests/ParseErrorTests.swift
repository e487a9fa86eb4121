import DMARC
import Testing

/// Error messages and warnings users see: each says what was wrong, quotes it, and says what was
/// expected. Cases written for this project from RFC 9989 section 4.7/4.8 and RFC 7489 section 6.
@Suite("DMARC record errors and warnings")
struct ParseErrorTests {
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let record: String
        let code: String
        let tag: String?
        let mentions: [String]
        var testDescription: String { record }
    }

    static let errors: [ErrorCase] = [
        .init(record: "v=DMARC1; p=rejct", code: "invalid-value", tag: "p", mentions: ["p=rejct", "none, quarantine or reject"]),
        .init(record: "v=DMARC1; p=reject; sp=maybe", code: "invalid-value", tag: "sp", mentions: ["sp=maybe", "none, quarantine or reject"]),
        .init(record: "v=DMARC1; p=reject; adkim=x", code: "invalid-value", tag: "adkim", mentions: ["adkim=x", "r (relaxed) or s (strict)"]),
        .init(record: "v=DMARC1; p=reject; t=yes", code: "invalid-value", tag: "t", mentions: ["t=yes", "y or n"]),
        .init(record: "v=DMARC1; p=reject; psd=maybe", code: "invalid-value", tag: "psd", mentions: ["psd=maybe", "y, n or u"]),
        .init(record: "v=DMARC1; p=reject; fo=0:2", code: "invalid-value", tag: "fo", mentions: ["fo=0:2", "0, 1, d and s"]),
        .init(record: "v=DMARC1; p=reject; p=none", code: "duplicate-tag", tag: "p", mentions: ["p=none", "more than once"]),
        .init(record: "v=DMARC1; p=reject; rua=dmarc@example.com", code: "invalid-uri", tag: "rua", mentions: ["\"dmarc@example.com\"", "mailto:"]),
        .init(record: "v=DMARC1; p=reject; rua=mailto:dmarc@example.com!10x", code: "invalid-uri", tag: "rua", mentions: ["!10x", "k, m, g or t"]),
        .init(record: "v=DMARC1; p=reject; ruf=mailto:nobody", code: "invalid-uri", tag: "ruf", mentions: ["mailto:nobody", "local-part@domain"]),
        .init(record: "v=DMARC1; p=reject; rua=mailto:a@example.com,,mailto:b@example.com", code: "invalid-uri", tag: "rua", mentions: ["empty entry"]),
        .init(record: "v=DMARC1; p", code: "syntax", tag: "p", mentions: ["\"p\"", "tag=value"]),
        .init(record: "v=DMARC1; =reject", code: "syntax", tag: nil, mentions: ["\"=reject\"", "tag name"]),
        .init(record: "v=DMARC1; adkim=s", code: "missing-policy", tag: "p", mentions: ["p=none", "rua"]),
        .init(record: "v=spf1 -all", code: "not-dmarc", tag: "v", mentions: ["SPF record"]),
        .init(record: " v=DMARC1; p=reject", code: "not-dmarc", tag: "v", mentions: ["whitespace"]),
        .init(record: "v=dmarc1; p=reject", code: "not-dmarc", tag: "v", mentions: ["exactly \"DMARC1\""]),
        .init(record: "v=DMARC1x; p=reject", code: "not-dmarc", tag: "v", mentions: ["DMARC1"]),
        .init(record: "p=reject; v=DMARC1", code: "not-dmarc", tag: "v", mentions: ["must start with v=DMARC1"]),
        .init(record: "", code: "not-dmarc", tag: "v", mentions: ["must start with v=DMARC1"]),
    ]

    @Test(arguments: errors)
    func rejects(_ c: ErrorCase) {
        #expect(throws: DMARCParseError.self) { try DMARCRecord(parsing: c.record) }
        do throws(DMARCParseError) {
            _ = try DMARCRecord(parsing: c.record)
        } catch {
            #expect(error.code == c.code)
            #expect(error.tag == c.tag)
            for phrase in c.mentions { #expect(error.message.contains(phrase), "\(error.message)") }
        }
    }

    struct WarningCase: Sendable, CustomTestStringConvertible {
        let record: String
        let codes: [String]
        var testDescription: String { record }
    }

    /// Exactly the warnings each record should produce, so a new warning shows up as a test change.
    static let warnings: [WarningCase] = [
        .init(record: "v=DMARC1; p=reject; rua=mailto:d@example.com", codes: []),
        .init(record: "v=DMARC1; p=none; rua=mailto:d@example.com", codes: ["policy-none"]),
        .init(record: "v=DMARC1; p=reject", codes: ["no-rua"]),
        .init(record: "v=DMARC1; p=quarantine; pct=20; rua=mailto:d@example.com", codes: ["pct-removed", "pct-below-100"]),
        .init(record: "v=DMARC1; p=reject; pct=200; rua=mailto:d@example.com", codes: ["pct-removed", "pct-invalid"]),
        .init(record: "v=DMARC1; p=reject; ri=3600; rf=afrf; rua=mailto:d@example.com", codes: ["ri-removed", "rf-removed"]),
        .init(record: "v=DMARC1; rua=mailto:d@example.com", codes: ["missing-p", "policy-none"]),
        .init(record: "v=DMARC1; sp=reject; p=reject; rua=mailto:d@example.com", codes: ["p-not-second"]),
        .init(record: "v=DMARC1; p=reject; sp=none; rua=mailto:d@example.com", codes: ["subdomain-policy-none"]),
        .init(record: "v=DMARC1; p=reject; foo=bar; rua=mailto:d@example.com", codes: ["unknown-tag"]),
        .init(record: "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com,mailto:c@example.com", codes: ["too-many-rua"]),
        .init(record: "v=DMARC1; p=reject; rua=mailto:d@example.com!10m", codes: ["uri-size-limit"]),
        .init(record: "v=DMARC1; p=reject; rua=https://reports.example.com/dmarc", codes: ["uri-scheme"]),
        .init(record: "v=DMARC1; p=reject; rua=mailto:d@example.com; fo=1", codes: ["fo-without-ruf"]),
        .init(record: "v=DMARC1; p=reject; rua=mailto:d@example.com; ruf=mailto:f@example.com; fo=0:1", codes: ["fo-redundant"]),
    ]

    @Test(arguments: warnings)
    func warns(_ c: WarningCase) throws {
        let record = try DMARCRecord(parsing: c.record)
        #expect(record.warnings.map(\.code).sorted() == c.codes.sorted(), "\(record.warnings)")
    }

    @Test func toleratesWhitespaceCaseAndTrailingSemicolon() throws {
        let record = try DMARCRecord(parsing: "V = DMARC1 ;\tP = Quarantine ; ADKIM=S ;aspf = s; rua = mailto:Reports@Example.COM ;")
        #expect(record.policy == .quarantine)
        #expect(record.dkimAlignment == .strict && record.spfAlignment == .strict)
        #expect(record.aggregateURIs.first?.uri == "mailto:Reports@Example.COM")
        #expect(record.aggregateURIs.first?.host?.text == "Example.COM")
        #expect(record.tags.map(\.name) == ["v", "p", "adkim", "aspf", "rua"])
    }

    @Test func reportURISizesUseBinaryUnits() throws {
        let uri = try DMARCReportURI(parsing: "mailto:d@example.com!10m")
        #expect(uri.sizeLimit == 10 * 1024 * 1024)
        #expect(uri.description == "mailto:d@example.com!10m")
        #expect(try DMARCReportURI(parsing: "mailto:d@example.com!1500").sizeLimit == 1500)
        #expect(try DMARCReportURI(parsing: "mailto:d%21x@example.com").address == "d!x@example.com")
    }
}
