import Audit
import AuthReports
import Foundation
import Inventory
import Testing

/// What `ingest` keeps of the selectors DMARC reports name: per policy domain, signing domain and selector,
/// the days, the messages and pass/fail counts and the sources; a duplicate adds nothing, a rejected report
/// leaves nothing, and hostile selector values are not stored.
@Suite struct DKIMSelectorIngestTests {
    static let day = IngestIntegrityTests.day

    static func report(id: String, begin: Int64 = day, end: Int64 = day + 86399, rows: [(String, Int, String)], truncate: Bool = false) -> [UInt8] {
        let records = rows.map { row -> String in
            let (ip, count, dkim) = row
            return """
                <record><row><source_ip>\(ip)</source_ip><count>\(count)</count><policy_evaluated><disposition>none</disposition>
                <dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>
                <auth_results>\(dkim)</auth_results></record>
                """
        }.joined()
        let text = """
            <?xml version="1.0"?>
            <feedback><report_metadata><org_name>rx.example</org_name><email>r@rx.example</email><report_id>\(id)</report_id>
            <date_range><begin>\(begin)</begin><end>\(end)</end></date_range></report_metadata>
            <policy_published><domain>example.com</domain><p>none</p></policy_published>
            \(records)\(truncate ? "<record><row>" : "</feedback>")
            """
        return Array(text.utf8)
    }

    static func dkim(_ domain: String, _ selector: String, _ result: String) -> String {
        "<dkim><domain>\(domain)</domain><selector>\(selector)</selector><result>\(result)</result></dkim>"
    }

    func selectors(_ store: InventoryStore) async throws -> [String: DKIMSelectorFacts] {
        let facts = try await store.dkimFacts(domain: "example.com", thresholds: .init(), now: Self.day + 86400)
        return Dictionary(uniqueKeysWithValues: facts.dkim.map { ($0.keyName, $0) })
    }

    @Test(arguments: StoreKind.allCases)
    func selectorsAreTalliedOncePerReport(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = Self.report(id: "a", rows: [
                ("192.0.2.1", 10, Self.dkim("example.com", "S1", "pass") + Self.dkim("esp.example", "e1", "pass")),
                ("192.0.2.2", 4, Self.dkim("example.com", "s1", "fail")),
                ("192.0.2.3", 3, Self.dkim("example.com", "s1", "fail") + Self.dkim("example.com", "s1", "pass")),
                ("192.0.2.4", 9, Self.dkim("example.com", "bad_name", "pass") + Self.dkim("example.com", "&lt;x&gt;", "pass")
                    + Self.dkim("example.com", String(repeating: "a", count: 300), "pass")),
            ])
            #expect(try store.ingestReports(DataByteSource(first), file: "a.xml", now: Self.day + 86400).first?.status == .ingested)
            var known = try await selectors(store)
            #expect(Set(known.keys) == ["s1._domainkey.example.com", "e1._domainkey.esp.example"], "invalid selectors are left out")
            let s1 = try #require(known["s1._domainkey.example.com"]?.reported)
            #expect(s1.messages == 17 && s1.pass == 13 && s1.fail == 4, "one result per selector and record, a pass wins: \(s1)")
            #expect(s1.sources == ["192.0.2.1", "192.0.2.2", "192.0.2.3"] && s1.sourceCount == 3)
            #expect(s1.firstDay == "2025-11-27" && s1.lastDay == "2025-11-27" && s1.recentMessages == 17)

            // The same report again adds nothing; a broken one leaves nothing behind.
            #expect(try store.ingestReports(DataByteSource(first), file: "a.xml", now: Self.day + 86400).first?.status == .duplicate)
            let broken = Self.report(id: "b", rows: [("192.0.2.9", 50, Self.dkim("example.com", "s9", "pass"))], truncate: true)
            #expect(try store.ingestReports(DataByteSource(broken), file: "b.xml", now: Self.day + 86400).first?.status == .rejected)
            known = try await selectors(store)
            #expect(known["s1._domainkey.example.com"]?.reported?.messages == 17)
            #expect(known["s9._domainkey.example.com"] == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReportOverTwoDaysSplitsItsCounts(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let report = Self.report(id: "c", begin: Self.day - 86400, end: Self.day + 86399,
                                     rows: [("192.0.2.1", 11, Self.dkim("example.com", "s1", "pass"))])
            #expect(try store.ingestReports(DataByteSource(report), file: "c.xml", now: Self.day + 86400).first?.status == .ingested)
            let s1 = try #require(try await selectors(store)["s1._domainkey.example.com"]?.reported)
            #expect(s1.messages == 11 && s1.pass == 11)
            #expect(s1.firstDay == "2025-11-26" && s1.lastDay == "2025-11-27")
        }
    }
}
