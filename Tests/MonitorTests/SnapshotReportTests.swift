import Audit
import DNSCore
import Foundation
import Inventory
@testable import Snapshots
import Monitor
import MonitorConfig
import TestSupport
import Testing

/// A snapshot of domains whose DNS and inventory hold hostile text, taken through an in-memory zone and
/// rendered as HTML and CSV: every hostile string shows as text, never as markup or a formula.
@Suite struct SnapshotReportTests {
    static let script = "<script>alert(1)</script>"
    static let image = "\"><img src=x onerror=alert(2)>"

    static func zone() -> MemoryZone {
        var zone = MemoryZone()
        zone.add("hostile.example", txt: "v=spf1 ip4:192.0.2.10 x-note=\(script) -all")
        zone.add("_dmarc.hostile.example", txt: "v=DMARC1; p=reject; rua=mailto:x@hostile.example; x=\(image)")
        zone.add("calm.example", txt: "v=spf1 ip4:198.51.100.0/24 include:spf.provider.example ~all")
        zone.add("_dmarc.calm.example", txt: "v=DMARC1; p=none")
        zone.add("spf.provider.example", txt: "v=spf1 ip4:203.0.113.0/24 -all")
        return zone
    }

    static func store() throws -> InventoryStore {
        let store = try InventoryStore.inMemory()
        try store.upsertDomain(DomainRow(name: "hostile.example", expectSPFAll: "-"),
                               senders: [SenderRow(kind: "ip", value: "192.0.2.10", name: "<b>Relay</b> \(image)"),
                                         SenderRow(kind: "ip", value: "192.0.2.99", name: "=HYPERLINK(\"http://x\")")], now: 0)
        try store.upsertDomain(DomainRow(name: "calm.example", expectMaxLookups: 9),
                               senders: [SenderRow(kind: "cidr", value: "198.51.100.0/24"),
                                         SenderRow(kind: "include", value: "spf.provider.example")], now: 0)
        return store
    }

    static func take() async throws -> Snapshot {
        try await SnapshotBuilder(store: store(), resolver: ZoneResolver(zone()), takenAt: 1_795_000_000, generator: "senderwatch test").build()
    }

    @Test func theSnapshotHoldsRecordsHashesEvaluationAndInventory() async throws {
        let snapshot = try await Self.take()
        #expect(snapshot.takenAt == "2026-11-18T11:06:40Z")
        #expect(snapshot.domains.map(\.domain) == ["calm.example", "hostile.example"])
        let calm = snapshot.domains[0], hostile = snapshot.domains[1]
        #expect(calm.spf.dnsLookups == 1)
        #expect(calm.spf.lookupBudget == 9)
        #expect(calm.spf.includes == ["spf.provider.example"])
        #expect(calm.spf.authorizedNetworks.map(\.network) == ["198.51.100.0/24", "203.0.113.0/24"])
        #expect(calm.senders.map(\.status) == ["authorized", "authorized"])
        #expect(calm.dmarc.appliedPolicy == "none")
        #expect(calm.findings.map(\.kind).contains("dmarc.monitoring-only"))
        #expect(hostile.spf.record == "v=spf1 ip4:192.0.2.10 x-note=\(Self.script) -all")
        #expect(hostile.spf.recordSHA256 == SnapshotBuilder.sha256(hostile.spf.record!))
        #expect(hostile.senders.map(\.status) == ["authorized", "unauthorized"])
        #expect(hostile.findings.contains { $0.kind == "spf.sender-unauthorized" && $0.subject == "ip:192.0.2.99" })
        #expect(snapshot.summary.openFindings == calm.findings.count + hostile.findings.count)
        #expect(snapshot.observedSenders == .empty)
    }

    @Test func hostileTextIsEscapedEverywhereInTheHTML() async throws {
        let snapshot = try await Self.take()
        let html = SnapshotHTML.render(snapshot)
        let lower = html.lowercased()
        #expect(!lower.contains("<script"), "a TXT record became a script element")
        #expect(!lower.contains("<img"), "a DMARC record became an image element")
        #expect(!lower.contains("<b>"))
        #expect(html.contains("x-note=&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("x=&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("&lt;b&gt;Relay&lt;/b&gt;"))
        // Self-contained: no script, stylesheet, image or font is fetched.
        #expect(!lower.contains("src=\"http") && !lower.contains("href=\"http") && !lower.contains("@import") && !lower.contains("url("))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 3)
        #expect(html.contains("limit 10"))
        #expect(html.contains("id=\"d-hostile.example\""))
    }

    @Test func theCSVHasOneRowPerDomainAndNeutralisesFormulas() async throws {
        let snapshot = try await Self.take()
        let csv = SnapshotCSV.render(snapshot)
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("domain,taken_at,sequence,status"))
        #expect(lines[1].hasPrefix("calm.example,2026-11-18T11:06:40Z,,ok,"))
        #expect(lines[2].contains("v=spf1 ip4:192.0.2.10 x-note=<script>alert(1)</script> -all"))
        #expect(SnapshotCSV.cell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(SnapshotCSV.cell("a,b") == "\"a,b\"")
        // OWASP's list includes "-": a spreadsheet reads "-all" as a formula too.
        #expect(SnapshotCSV.cell("-all") == "'-all")
    }

    @Test func theDMARCPassRateChartDrawsEachDomainPerDay() async throws {
        var snapshot = try await Self.take()
        snapshot.observedSenders = ObservedSenders(available: true, sources: [], daily: [
            DailyPassRateSnapshot(day: "2026-11-01", domain: "calm.example", messages: 40, dmarcPassRate: "97.50"),
            DailyPassRateSnapshot(day: "2026-11-02", domain: "calm.example", messages: 10, dmarcPassRate: "50.00"),
            DailyPassRateSnapshot(day: "2026-11-02", domain: "<i>x</i>", messages: 1, dmarcPassRate: "0.00"),
        ])
        let chart = SnapshotCharts.dmarcPassRate(snapshot.observedSenders.daily)
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(chart.components(separatedBy: "<circle").count - 1 == 3)
        // 97.50 % sits near the top of the 200-pixel scale, 0 % at its foot.
        #expect(chart.contains("cy=\"15\"") && chart.contains("cy=\"210\""))
        #expect(chart.contains("&lt;i&gt;x&lt;/i&gt;") && !chart.contains("<i>"))
        #expect(SnapshotHTML.render(snapshot).contains("2026-11-01"))
    }

    @Test func percentagesAreFixedDecimalText() {
        #expect(percentText(1, of: 3) == "33.33")
        #expect(percentText(2, of: 3) == "66.67")
        #expect(percentText(39, of: 40) == "97.50")
        #expect(percentText(0, of: 0) == "0.00")
        #expect(percentText(5, of: 5) == "100.00")
    }
}
