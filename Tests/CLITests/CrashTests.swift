import Audit
import DNSCore
import Foundation
import GRDB
import Inventory
import Monitor
import MonitorConfig
import Snapshots
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `senderwatch poll` killed with SIGKILL part way through 2,000 domains served by NSD, then run again:
/// the database must be sound, every domain polled exactly once, the killed run marked interrupted, and
/// the findings exactly those of a clean in-memory poll.
@Suite(.serialized) struct CrashTests {
    static let count = 2_000
    static let origin = "crash.test"

    /// The generated fixture: DNS records, the monitor file, and the planted unauthorized senders.
    struct Generated {
        var records: [(owner: String, text: String)] = []
        var yaml = "domains:\n"
        var plantedUnauthorized = 0
        var names: [String] = []
    }

    static func generate() -> Generated {
        var g = Generated()
        let esp = "_spf.esp.\(origin)"
        g.records.append((esp, "v=spf1 ip4:192.0.2.0/25 -all"))
        for i in 0..<count {
            let name = String(format: "d%04d.%@", i, origin)
            g.names.append(name)
            let a = "198.18.\(i / 256).\(i % 256)", b = "198.19.\(i / 256).\(i % 256)"
            var terms = ["ip4:\(a)"]
            var senders = ["{ name: Office, ip: \"\(a)\" }"]
            switch i % 3 {
            case 1:
                terms.append("include:\(esp)")
                senders.append("{ name: ESP, include: \"\(esp)\" }")
            case 2:
                terms.append("ip4:\(b)")
                senders.append("{ name: Branch, ip: \"\(b)\" }")
            default: break
            }
            // Planted: an approved sender the record does not authorize.
            if i % 7 == 3 {
                senders.append("{ name: CRM, ip: \"203.0.113.\(i % 250)\" }")
                g.plantedUnauthorized += 1
            }
            if i % 50 == 0 {
                senders.append("{ name: Helpdesk, include: \"_spf.helpdesk.\(origin)\" }")
                g.plantedUnauthorized += 1
            }
            g.records.append((name, "v=spf1 \(terms.joined(separator: " ")) \(i % 5 == 4 ? "~all" : "-all")"))
            g.records.append(("_dmarc.\(name)", "v=DMARC1; p=\(i % 10 == 5 ? "none" : "reject"); rua=mailto:dmarc@\(name)"))
            g.yaml += "  - domain: \(name)\n    senders: [\(senders.joined(separator: ", "))]\n"
        }
        g.records.append(("_spf.helpdesk.\(origin)", "v=spf1 ip4:192.0.2.200 -all"))
        return g
    }

    static func zones(_ g: Generated) -> [NSDServer.Zone] {
        func soa(_ origin: String) -> String {
            "$TTL 3600\n\(origin). IN SOA ns1.\(origin). hostmaster.\(origin). 1 3600 600 86400 300\n\(origin). IN NS ns1.\(origin).\nns1.\(origin). IN A 127.0.0.1\n"
        }
        let body = g.records.map { "\($0.owner). IN TXT \"\($0.text)\"" }.joined(separator: "\n")
        // `test` answers the DMARC tree walk's `_dmarc.test` with NXDOMAIN instead of REFUSED.
        return [NSDServer.Zone(origin: "test", text: soa("test")),
                NSDServer.Zone(origin: origin, text: soa(origin) + body + "\n")]
    }

    /// An authoritative in-memory answerer for the generated zone, indexed by name: `MemoryZone` finds
    /// empty non-terminals by scanning every name, which for 6,000 names made the reference poll take ~45 s.
    final class IndexedZone: DNSResolver {
        let records: [DomainName: [DNSRecord]]
        let existing: Set<DomainName>

        init(_ g: Generated) {
            var records: [DomainName: [DNSRecord]] = [:]
            var existing: Set<DomainName> = []
            for (owner, text) in g.records {
                let name = try! DomainName(owner)
                records[name, default: []].append(DNSRecord(name: name, ttl: 3600, data: .txt([Array(text.utf8)])))
                var current: DomainName? = name
                while let node = current, existing.insert(node).inserted { current = node.parent }
            }
            self.records = records
            self.existing = existing
        }

        func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
            let matching = (records[name] ?? []).filter { $0.data.type == type }
            if !matching.isEmpty { return .success(.records(matching)) }
            return .success(existing.contains(name) ? .noData(negativeTTL: 300) : .nxdomain(negativeTTL: 300))
        }
    }

    /// Open finding fingerprints by domain name, from a clean poll of the same data in memory.
    static func reference(_ g: Generated, monitorFile: String) async throws -> [String: Set<String>] {
        let store = try InventoryStore.inMemory()
        _ = try MonitorApply.apply(try MonitorLoader.load(paths: [monitorFile]), store: store, prune: false, now: 1)
        let poller = Poller(store: store, resolver: IndexedZone(g), concurrency: 32)
        _ = try await poller.poll(try store.domains(), runId: nil)
        return try openByDomain(store)
    }

    static func openByDomain(_ store: InventoryStore) throws -> [String: Set<String>] {
        let names = Dictionary(uniqueKeysWithValues: try store.domains().map { ($0.id!, $0.name) })
        var out: [String: Set<String>] = [:]
        for row in try store.findings(openOnly: true) { out[names[row.domainId]!, default: []].insert(row.fingerprint) }
        return out
    }

    @Test("poll killed with SIGKILL part way, then resumed: consistent, complete, no duplicates")
    func killedPollResumes() async throws {
        let g = Self.generate()
        guard let server = try NSDServer.start(zones: Self.zones(g)) else { try Test.cancel("NSD is not installed") }
        defer { server.stop() }
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("crash.sqlite").path
        let monitorFile = root.appendingPathComponent("domains.yaml").path
        try g.yaml.write(toFile: monitorFile, atomically: true, encoding: .utf8)

        var clock = Date()
        let apply = try CLIRunner.run(["apply", monitorFile, "--db", database])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("\(Self.count) added"), "\(apply.stdout.suffix(300))")
        let applySeconds = Date().timeIntervalSince(clock)

        // Start the poll and watch the database from outside, read-only, as an operator would.
        let log = root.appendingPathComponent("poll1.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = CLIRunner.binary
        // Two domains at a time: slow enough that the kill always lands mid-poll on a fast, idle machine too.
        process.arguments = ["poll", "--all", "--db", database, "--resolver", server.address, "--timeout", "2", "--retries", "1",
                             "--concurrency", "2"]
        process.currentDirectoryURL = root
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        clock = Date()
        try process.run()

        var readOnly = Configuration()
        readOnly.readonly = true
        let reader = try DatabaseQueue(path: database, configuration: readOnly)
        func observationCount() throws -> Int { try reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM observation") ?? 0 } }
        // Kill once a few hundred domains are done: late enough that findings and runs exist, early enough
        // that most of the work is left for the resumed poll.
        let killAt = 150
        var seen = 0
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline {
            seen = (try? observationCount()) ?? seen
            if seen >= killAt { break }
            // A blocking wait on purpose: after an `await`, this loop could be left unscheduled while CPU-bound
            // tests hold the cooperative pool's two threads, and the poll would finish before the kill.
            usleep(2_000)
        }
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The reference poll runs while the resumed poll does its work; started only now, so it cannot
        // starve the watch loop above.
        let referenceStarted = Date()
        let reference = Task { () throws -> ([String: Set<String>], TimeInterval) in
            (try await Self.reference(g, monitorFile: monitorFile), Date().timeIntervalSince(referenceStarted))
        }
        let firstSeconds = Date().timeIntervalSince(clock)
        try reader.close()
        #expect(wasRunning, "the poll finished before it could be killed (saw \(seen) observations); the crash was not exercised")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

        let store = try InventoryStore(path: database)
        let killedAfter = try Self.observationsPerDomain(database).count
        #expect(killedAfter > 0 && killedAfter < Self.count, "killed after \(killedAfter) domains")
        // Polls are written a batch per transaction: the kill leaves whole batches and nothing of the next.
        #expect(killedAfter % Poller.batchSize == 0, "\(killedAfter) domains stored: not whole batches of \(Poller.batchSize)")
        #expect(try store.runs().map(\.status) == ["running"], "the killed run is still marked running until the next poll")

        // Resume without --all: only the domains not yet polled are due.
        clock = Date()
        let resumed = try CLIRunner.run(["poll", "--db", database, "--resolver", server.address, "--json"])
        let resumeSeconds = Date().timeIntervalSince(clock)
        #expect([0, 1].contains(resumed.status), "\(resumed.stderr)")
        let polled = (try resumed.json()["domains"] as? [[String: Any]]) ?? []
        #expect(polled.count + killedAfter == Self.count, "resumed poll covered \(polled.count), killed run \(killedAfter)")
        #expect(polled.allSatisfy { $0["status"] as? String == "ok" })

        // The file is sound; every domain has exactly one observation.
        #expect(try store.integrityCheck() == "ok")
        let perDomain = try Self.observationsPerDomain(database)
        #expect(perDomain.count == Self.count, "every domain observed")
        #expect(perDomain.values.allSatisfy { $0 == 1 }, "duplicates: \(perDomain.filter { $0.value != 1 }.prefix(5))")

        // Runs: the killed one is interrupted, the resumed one ok.
        let runs = try store.runs()
        #expect(runs.map(\.status) == ["ok", "interrupted"], "\(runs.map { "\($0.id!): \($0.status)" })")
        #expect(runs.last?.finishedAt != nil)
        #expect(runs.first?.domainsPolled == polled.count)

        // Findings: as a clean poll gives them, each fingerprint open once.
        let verifyStarted = Date()
        let duplicates = try Self.duplicateOpenFingerprints(store)
        #expect(duplicates.isEmpty, "fingerprints open twice: \(duplicates.prefix(5))")
        let actual = try Self.openByDomain(store)
        let (expected, referenceSeconds) = try await reference.value
        let differing = g.names.filter { actual[$0] ?? [] != expected[$0] ?? [] }
        #expect(differing.isEmpty, "\(differing.count) domains differ, e.g. \(differing.prefix(3).map { "\($0): \((actual[$0] ?? []).sorted()) vs \((expected[$0] ?? []).sorted())" })")
        let unauthorized = try store.findings(openOnly: true).filter { $0.kind == "spf.sender-unauthorized" }.count
        #expect(unauthorized == g.plantedUnauthorized)
        let openCount = actual.values.map(\.count).reduce(0, +)
        #expect(openCount == expected.values.map(\.count).reduce(0, +))

        print(String(format: "crash-test: apply %d domains %.1f s; killed after %d observations (%.1f s); resumed poll covered %d domains in %.1f s; %d open findings (%d planted spf.sender-unauthorized); reference in-memory poll %.1f s (concurrently); checks %.1f s; %@ NSD queries",
                     Self.count, applySeconds, killedAfter, firstSeconds, polled.count, resumeSeconds, openCount, g.plantedUnauthorized,
                     referenceSeconds, Date().timeIntervalSince(verifyStarted),
                     server.queryCount.map(String.init) ?? "?"))
    }

    /// Observation rows per domain id, in one query on a read-only connection.
    static func observationsPerDomain(_ database: String) throws -> [Int64: Int] {
        var readOnly = Configuration()
        readOnly.readonly = true
        let queue = try DatabaseQueue(path: database, configuration: readOnly)
        defer { try? queue.close() }
        return try queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT domainId, count(*) AS n FROM observation GROUP BY domainId")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["domainId"] as Int64, $0["n"] as Int) })
        }
    }

    static func duplicateOpenFingerprints(_ store: InventoryStore) throws -> [String] {
        let open = try store.findings(openOnly: true).map(\.fingerprint)
        return Dictionary(grouping: open, by: { $0 }).filter { $0.value.count > 1 }.map(\.key)
    }
}
