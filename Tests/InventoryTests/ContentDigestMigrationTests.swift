import Audit
import Foundation
import Inventory

import Testing

@Suite("Observation digests across the v8 upgrade")
struct ContentDigestMigrationTests {
    static let summaryJSON = """
        {"status":"ok","spfRecord":"v=spf1 ip4:192.0.2.10 -all","spfResult":"pass","dnsLookups":0,"voidLookups":0,
         "allQualifier":"-","ownTerms":["ip4:192.0.2.10","-all"],"networks":["192.0.2.10/32"],"includes":[],
         "providerNetworks":{},"dmarcStatus":"ok","dmarcRecord":"v=DMARC1; p=reject","dmarcPolicy":"reject",
         "spfState":"known","dmarcState":"known"}
        """

    @Test("rows written with the JSON-text digest get the field digest, so the next poll extends them")
    func recomputed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("inventory.sqlite")
        let summary = try JSONDecoder().decode(ObservationSummary.self, from: Data(Self.summaryJSON.utf8))
        let legacy = ObservationSummary.digest(Self.summaryJSON)
        #expect(legacy != summary.contentDigest)
        let id: Int64
        do {
            let store = try InventoryStore(path: path)
            try store.upsertDomain(DomainRow(name: "example.com", intervalSeconds: 3600), senders: [], now: 1_750_000_000)
            id = try #require(try store.domain(named: "example.com")?.id)
            var record = PollRecord(domainId: id, now: 1_750_000_000,
                                    observation: ObservationRow(status: "ok", contentHash: legacy, summaryJSON: Self.summaryJSON),
                                    nextPollAt: 1_750_003_600, consecutiveTempFailures: 0)
            // An old database: the row holds the old digest, and v8 has not run yet.
            record.extra = { db in try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v8-content-digest'") }
            _ = try store.recordPoll(record)
            // More rows than one page of the migration (1,000), each with a distinct legacy digest.
            for index in 1...2_100 {
                _ = try store.recordPoll(PollRecord(
                    domainId: id, now: 1_700_000_000 + Int64(index),
                    observation: ObservationRow(status: "ok", contentHash: "legacy-\(index)", summaryJSON: Self.summaryJSON),
                    nextPollAt: 1_750_003_600, consecutiveTempFailures: 0))
            }
        }
        let store = try InventoryStore(path: path)
        #expect(try store.appliedMigrations() == InventoryStore.knownMigrations)
        let rows = try store.observations(domainId: id)
        #expect(rows.count == 2_101)
        #expect(rows.allSatisfy { $0.contentHash == summary.contentDigest }, "every page of rows recomputed")
        // The same contents polled again extend that row instead of starting a second one.
        let again = PollRecord(domainId: id, now: 1_750_003_600,
                               observation: ObservationRow(status: "ok", contentHash: summary.contentDigest, summaryJSON: Self.summaryJSON),
                               nextPollAt: 1_750_007_200, consecutiveTempFailures: 0)
        #expect(try store.recordPoll(again).observationInserted == false)
        #expect(try store.observations(domainId: id).count == 2_101)
    }
}
