import Foundation
import Testing
import Inventory

/// Where a test's store lives. Every behavioural test runs on both, because a file store (a WAL-mode
/// `DatabasePool`) and an in-memory one (a `DatabaseQueue`) take different paths through GRDB.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case file

    var description: String { rawValue }
}

/// A fresh temporary directory, removed when the test is done with it.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("senderwatch-inventory-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` on a new, migrated store of the given kind, then deletes its file.
func withStore<T>(_ kind: StoreKind, _ body: (InventoryStore) throws -> T) throws -> T {
    switch kind {
    case .memory:
        return try body(try InventoryStore.inMemory())
    case .file:
        let directory = try TemporaryDirectory()
        return try withExtendedLifetime(directory) {
            try body(try InventoryStore(path: directory.path("inventory.sqlite")))
        }
    }
}

// MARK: Sample rows

let t0: Int64 = 1_750_000_000

func sampleDomain(_ name: String = "example.com", interval: Int = 3600, spfAll: String? = "-",
                  dmarcPolicy: String? = "reject", maxLookups: Int? = 8, source: String? = "monitors/a.yaml:3")
    -> DomainRow {
    DomainRow(name: name, intervalSeconds: interval, expectSPFAll: spfAll, expectDMARCPolicy: dmarcPolicy,
              expectMaxLookups: maxLookups, source: source)
}

let sampleSenders = [
    SenderRow(kind: "ip", value: "192.0.2.10", name: "Office relay"),
    SenderRow(kind: "include", value: "_spf.mail.example.net", name: "Mail provider", owner: "it@example.com"),
]

/// Adds a domain and returns its id.
func addDomain(_ store: InventoryStore, _ name: String = "example.com", now: Int64 = t0) throws -> Int64 {
    try store.upsertDomain(sampleDomain(name), senders: sampleSenders, now: now)
    return try #require(try store.domain(named: name)?.id)
}

func sampleObservation(hash: String = "h1", status: String = ObservationRow.statusOK) -> ObservationRow {
    ObservationRow(status: status, contentHash: hash, spfRecord: "v=spf1 ip4:192.0.2.10 -all",
                   spfRecordsJSON: #"["v=spf1 ip4:192.0.2.10 -all"]"#, dmarcRecord: "v=DMARC1; p=reject",
                   dmarcRecordsJSON: #"["v=DMARC1; p=reject"]"#, summaryJSON: #"{"result":"pass"}"#,
                   networksJSON: #"["192.0.2.10/32"]"#, spfLookups: 1, spfResult: "pass",
                   dmarcStatus: "ok", dmarcPolicy: "reject")
}

func sampleFinding(_ fingerprint: String, kind: String = "spf.lookup-limit", severity: String = "error",
                   subject: String? = nil, message: String = "too many lookups") -> FindingRow {
    FindingRow(fingerprint: fingerprint, kind: kind, severity: severity, subject: subject, message: message,
               evidenceJSON: #"{"lookups":"11"}"#)
}

func poll(_ domainId: Int64, at now: Int64, hash: String = "h1", status: String = ObservationRow.statusOK,
          runId: Int64? = nil, opened: [FindingRow] = [], touched: [String] = [], resolved: [String] = [],
          outbox: [OutboxRow] = []) -> PollRecord {
    PollRecord(domainId: domainId, runId: runId, now: now, observation: sampleObservation(hash: hash, status: status),
               opened: opened, touched: touched, resolved: resolved, nextPollAt: now + 3600,
               consecutiveTempFailures: status == ObservationRow.statusOK ? 0 : 1, outbox: outbox)
}

struct InjectedFailure: Error {}

func withStore<T>(_ kind: StoreKind, _ body: (InventoryStore) async throws -> T) async throws -> T {
    switch kind {
    case .memory:
        return try await body(try InventoryStore.inMemory())
    case .file:
        let directory = try TemporaryDirectory()
        let result = try await body(try InventoryStore(path: directory.path("inventory.sqlite")))
        withExtendedLifetime(directory) {}
        return result
    }
}
