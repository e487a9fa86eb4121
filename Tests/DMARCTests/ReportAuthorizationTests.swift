import DMARC
import DNSCore
import TestSupport
import Testing

/// External report destinations (RFC 7489 section 7.1): `<domain>._report._dmarc.<host>`.
@Suite("DMARC report authorization")
struct ReportAuthorizationTests {
    static let record = "v=DMARC1; p=reject; rua=mailto:dmarc@example.com,mailto:a@reports.authorized.test,mailto:b@wild.test; "
        + "ruf=mailto:c@nobody.test,mailto:d@slow.test!5m"

    func authorize(_ build: (inout MemoryZone) -> Void) async throws -> ([ReportAuthorization], ZoneResolver) {
        var zone = MemoryZone()
        build(&zone)
        let resolver = ZoneResolver(zone)
        let example = try DomainName("example.com")
        let result = await DMARCReportAuthorizer(resolver: resolver)
            .authorize(domain: example, record: try DMARCRecord(parsing: Self.record), organizationalDomain: example)
        return (result, resolver)
    }

    @Test func authorizedWildcardUnauthorizedAndTemperror() async throws {
        let (result, resolver) = try await authorize { zone in
            zone.add("example.com._report._dmarc.reports.authorized.test", txt: "v=DMARC1")
            zone.add("*._report._dmarc.wild.test", txt: "v=DMARC1;")
            zone.add("example.com._report._dmarc.nobody.test", txt: "unrelated")
            zone.addTimeout(try! DomainName("example.com._report._dmarc.slow.test"))
        }
        #expect(result.map(\.tag) == ["rua", "rua", "rua", "ruf", "ruf"])
        #expect(result.map(\.external) == [false, true, true, true, true])
        #expect(result.map(\.authorized) == [nil, true, true, false, nil])
        #expect(result[3].problem?.contains("v=DMARC1") == true)
        #expect(result[4].problem?.contains("temporary") == true)
        #expect(result[4].uri == "mailto:d@slow.test!5m")
        #expect(resolver.queries.map(\.name.text) == [
            "example.com._report._dmarc.reports.authorized.test", "example.com._report._dmarc.wild.test",
            "example.com._report._dmarc.nobody.test", "example.com._report._dmarc.slow.test",
        ])
    }

    @Test func missingNameIsUnauthorized() async throws {
        let (result, _) = try await authorize { _ in }
        #expect(result[1].authorized == false)
        #expect(result[1].problem?.contains("does not exist") == true)
        #expect(result[1].queried == "example.com._report._dmarc.reports.authorized.test")
    }
}
