import Audit
import Foundation
import Inventory
import MonitorConfig
import Testing

/// DKIM selectors in monitor files: `dkim:` on a sender, `dkim_selectors:` on a domain; errors at their line
/// and column, saying what a selector is; selectors stored and applied again without change.
@Suite struct DKIMMonitorFileTests {
    func write(_ yaml: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-dkim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("monitor.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func selectorsLoadLowerCasedFromListsAndScalars() throws {
        let path = try write("""
            domain: a.example
            dkim_selectors: [Brand2024, s1]
            senders:
              - { name: Mailer, ip: 192.0.2.1, dkim: [S2, s3.rotated] }
              - { name: CRM, include: _spf.crm.example, dkim: crm }
            """)
        let domain = try #require(try MonitorLoader.load(paths: [path]).domains.first)
        #expect(domain.dkimSelectors == ["brand2024", "s1"])
        #expect(domain.senders.map(\.dkimSelectors) == [["s2", "s3.rotated"], ["crm"]])
    }

    @Test(arguments: [
        ("domain: a.example\ndkim_selectors: [\"bad_selector\"]\n", "2:18: dkim_selectors[0]: \"bad_selector\" is not a DKIM selector"),
        ("domain: a.example\nsenders: [ { ip: 192.0.2.1, dkim: \"-s1\" } ]\n", "senders[0].dkim: \"-s1\" is not a DKIM selector"),
        ("domain: a.example\nsenders: [ { ip: 192.0.2.1, dkim: [s1, S1] } ]\n", "senders[0].dkim[1]: selector s1 is listed twice"),
        ("domain: a.example\ndkim_selectors: [\"a..b\"]\n", "labels of letters, digits and inner hyphens"),
        ("domain: a.example\ndkim_selector: [s1]\n", "dkim_selector"),
    ])
    func mistakesAreLocated(yaml: String, message: String) throws {
        let path = try write(yaml)
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [path]) }
        #expect(error.description.contains(message), "\(error.description)")
    }

    @Test func selectorsAreStoredAndAChangeIsReported() throws {
        let store = try InventoryStore(path: try write("").replacingOccurrences(of: "monitor.yaml", with: "sw.sqlite"))
        var domain = MonitoredDomain(name: try .init("a.example"), senders: [ApprovedSender(kind: .ip, value: "192.0.2.1", dkimSelectors: ["s1"])],
                                     dkimSelectors: ["brand"])
        let (row, senders) = InventoryMapping.rows(for: domain)
        #expect(try store.upsertDomain(row, senders: senders, now: 1) == .added)
        #expect(try store.upsertDomain(row, senders: senders, now: 2) == .unchanged)
        let stored = try store.domains().first!
        let back = try #require(InventoryMapping.monitoredDomain(stored, senders: try store.senders(domainId: stored.id!)))
        #expect(back.dkimSelectors == ["brand"] && back.senders.first?.dkimSelectors == ["s1"])
        domain.senders[0].dkimSelectors = ["s1", "s2"]
        domain.dkimSelectors = []
        let (changedRow, changedSenders) = InventoryMapping.rows(for: domain)
        guard case .changed(let changes) = try store.upsertDomain(changedRow, senders: changedSenders, now: 3) else {
            Issue.record("expected a change"); return
        }
        #expect(changes.contains("DKIM selectors brand -> none"), "\(changes)")
        #expect(changes.contains { $0.contains("dkim selectors changed") }, "\(changes)")
    }
}
