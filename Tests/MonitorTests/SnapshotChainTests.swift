import Foundation
import Inventory
@testable import Snapshots
import Monitor
import MonitorConfig
import Testing

/// The snapshot chain: canonical bytes, sealing against the database's head, and verification that names
/// the edited file, the removed one and the broken link.
@Suite struct SnapshotChainTests {
    static func snapshot(_ takenAt: String, record: String = "v=spf1 -all") -> Snapshot {
        let spf = SPFSnapshot(record: record, recordSHA256: SnapshotBuilder.sha256(record), result: nil, dnsLookups: 3,
                              lookupLimit: 10, lookupBudget: 10, voidLookups: 0, allQualifier: "-all",
                              authorizedNetworks: [NetworkSnapshot(network: "192.0.2.0/24", source: "ip4:192.0.2.0/24", via: "chain.example")],
                              includes: [], diagnostics: [])
        let dmarc = DMARCSnapshot(record: "v=DMARC1; p=reject", recordSHA256: nil, status: "found", policyDomain: "chain.example",
                                  appliedPolicy: "reject", reportDestinations: [], problem: nil)
        let domain = DomainSnapshot(domain: "chain.example", status: "ok", intervalSeconds: 3600, lastPollAt: nil,
                                    expectations: ExpectationsSnapshot(), spf: spf, dmarc: dmarc, senders: [], flattened: [],
                                    findings: [], worstSeverity: nil)
        return Snapshot(takenAt: takenAt, generator: "senderwatch test",
                        summary: .init(domains: 1, healthy: 1, openFindings: 0, findingsBySeverity: [:], findingsByKind: [:], lookupLimit: 10),
                        domains: [domain], observedSenders: .empty)
    }

    /// Three sealed snapshots, each linked to the one before through the store's head.
    static func chain() throws -> [(path: String, bytes: Data)] {
        let store = try InventoryStore.inMemory()
        var files: [(path: String, bytes: Data)] = []
        for (index, time) in ["2026-11-29T10:00:00Z", "2026-11-29T11:00:00Z", "2026-11-29T12:00:00Z"].enumerated() {
            let (bytes, link) = try SnapshotChain.seal(snapshot(time, record: "v=spf1 ip4:192.0.2.\(index) -all"),
                                                       after: try store.snapshotHead(), path: nil, now: Int64(index))
            try store.appendSnapshotLink(link)
            files.append(("s\(index + 1).json", bytes))
        }
        return files
    }

    @Test func canonicalTextIsStableAndParsesBack() throws {
        let value = try CanonicalJSON.encode(Self.snapshot("2026-11-29T10:00:00Z", record: "v=spf1 \"quoted\" \\ \u{1} é -all"))
        let text = value.text
        #expect(try CanonicalJSON.parse(Array(text.utf8)) == value)
        #expect(text.contains("\"generator\": \"senderwatch test\""))
        #expect(text.contains("\\u0001") && text.contains("é"))
        // Keys come sorted at every level.
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted())
        #expect(throws: CanonicalJSON.ParseError.self) { try CanonicalJSON.parse(Array("{\"a\": 1.5}".utf8)) }
        #expect(throws: CanonicalJSON.ParseError.self) { try CanonicalJSON.parse(Array("{\"a\": 1, \"a\": 2}".utf8)) }
    }

    @Test func anIntactChainVerifies() throws {
        let files = try Self.chain()
        let report = SnapshotChain.verify(files.shuffled())
        #expect(report.ok, "\(report.linkProblems) \(report.files.map(\.problems))")
        #expect(report.files.compactMap(\.sequence).sorted() == [1, 2, 3])
        let second = try JSONDecoder().decode(Snapshot.self, from: files[1].bytes)
        #expect(second.previousSHA256 == SnapshotBuilder.sha256(files[0].bytes))
        #expect(second.sequence == 2)
    }

    @Test func aChangedByteFailsThatFileAndItsLink() throws {
        var files = try Self.chain()
        var text = String(decoding: files[1].bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "ip4:192.0.2.1 ", with: "ip4:192.0.2.9 ")
        files[1].bytes = Data(text.utf8)
        let report = SnapshotChain.verify(files)
        #expect(!report.ok)
        let edited = report.files.first { $0.path == "s2.json" }
        #expect(edited?.problems.contains { $0.contains("contentSHA256") } == true, "\(String(describing: edited?.problems))")
        #expect(report.linkProblems.count == 1)
        #expect(report.linkProblems.first?.contains("broken link: s3.json (sequence 3)") == true)
        #expect(report.files.first { $0.path == "s1.json" }?.problems.isEmpty == true)

        // White space alone is a change too.
        var spaced = try Self.chain()
        spaced[0].bytes = Data(String(decoding: spaced[0].bytes, as: UTF8.self).replacingOccurrences(of: "\": ", with: "\":  ").utf8)
        let whitespace = SnapshotChain.verify(spaced)
        #expect(whitespace.files.first { $0.path == "s1.json" }?.problems.first?.contains("canonical form") == true)
    }

    @Test func aRecomputedDigestStillBreaksTheNextLink() throws {
        var files = try Self.chain()
        var forged = try JSONDecoder().decode(Snapshot.self, from: files[0].bytes)
        forged.domains[0].spf.record = "v=spf1 +all"
        files[0].bytes = try SnapshotChain.canonicalBytes(forged).0
        let report = SnapshotChain.verify(files)
        #expect(report.files.allSatisfy { $0.problems.isEmpty })
        #expect(report.linkProblems.map { $0.hasPrefix("broken link: s2.json") } == [true])
    }

    @Test func aRemovedFileIsAMissingLink() throws {
        let files = try Self.chain()
        let middle = SnapshotChain.verify([files[0], files[2]])
        #expect(middle.linkProblems.count == 1)
        #expect(middle.linkProblems.first?.contains("missing link: snapshot 2 between s1.json (sequence 1) and s3.json (sequence 3)") == true)
        let first = SnapshotChain.verify([files[1], files[2]])
        #expect(first.linkProblems.first?.contains("starts at sequence 2") == true)
        #expect(SnapshotChain.verify([files[1], files[2]], fromStart: false).ok)
    }

    @Test func theStoreRefusesASecondLinkToTheSameHead() throws {
        let store = try InventoryStore.inMemory()
        let (_, first) = try SnapshotChain.seal(Self.snapshot("2026-11-29T10:00:00Z"), after: nil, path: nil, now: 1)
        try store.appendSnapshotLink(first)
        #expect(throws: InventoryError.self) { try store.appendSnapshotLink(first) }
        #expect(try store.snapshotHead()?.sequence == 1)
    }
}
