import AuthReports
import Foundation
import Inventory
import Testing

/// Reports are whole or named (issue 14): a report id seen again with other content is a conflict with both
/// digests, the same content in another container is a duplicate, a report dated in the future is rejected
/// against the injected clock, and a message recorded through its headers counts once. Each test runs on an
/// in-memory and on a file store.
@Suite struct IngestIntegrityTests {
    static let day: Int64 = 1_764_201_600   // 2025-11-27T00:00:00Z

    static func report(id: String = "r-1", begin: Int64 = day, end: Int64 = day + 86399, count: Int = 5) -> [UInt8] {
        Array("""
            <?xml version="1.0"?>
            <feedback><report_metadata><org_name>rx.example</org_name><email>r@rx.example</email><report_id>\(id)</report_id>
            <date_range><begin>\(begin)</begin><end>\(end)</end></date_range></report_metadata>
            <policy_published><domain>example.com</domain><p>none</p></policy_published>
            <record><row><source_ip>192.0.2.1</source_ip><count>\(count)</count><policy_evaluated><disposition>none</disposition>
            <dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>
            </record></feedback>
            """.utf8)
    }

    static func ingest(_ store: InventoryStore, _ bytes: [UInt8], now: Int64 = day + 86400) throws -> IngestResult {
        let results = try store.ingestReports(DataByteSource(bytes), file: "in.xml", now: now)
        return try #require(results.first)
    }

    @Test(arguments: StoreKind.allCases)
    func aReportEndingAfterTomorrowIsRejected(_ kind: StoreKind) throws {
        try withStore(kind) { store in
            let now = Self.day + 86399
            // Ends exactly one day of clock skew after now: accepted.
            let skewed = try Self.ingest(store, Self.report(id: "skew", begin: Self.day + 86400, end: now + 86400), now: now)
            #expect(skewed.status == .ingested, "\(skewed)")
            let future = try Self.ingest(store, Self.report(id: "future", begin: Self.day + 86400, end: now + 86401), now: now)
            #expect(future.status == .rejected)
            #expect(future.error?.contains("report 'future'") == true && future.error?.contains("have not happened") == true,
                    "\(String(describing: future.error))")
            #expect(try store.reportCount() == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theSameIdWithOtherContentIsAConflictWithBothDigests(_ kind: StoreKind) throws {
        try withStore(kind) { store in
            let first = try Self.ingest(store, Self.report(count: 5))
            #expect(first.status == .ingested)
            let digest = try #require(first.digest)
            #expect(digest.count == 16)
            let again = try Self.ingest(store, Self.report(count: 5))
            #expect(again.status == .duplicate && again.digest == digest && again.storedDigest == digest)
            let other = try Self.ingest(store, Self.report(count: 6))
            #expect(other.status == .conflict)
            #expect(other.storedDigest == digest && other.digest != nil && other.digest != digest)
            #expect(other.error?.contains(digest) == true && other.error?.contains(other.digest ?? "?") == true)
            #expect(try store.observedSources(domain: "example.com").first?.messages == 5, "the conflict stores nothing")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theSameReportInAnotherContainerIsADuplicate(_ kind: StoreKind) throws {
        try withStore(kind) { store in
            let xml = Self.report()
            #expect(try Self.ingest(store, xml).status == .ingested)
            // The digest is of the content, not the bytes: other line ends (or a container) change nothing.
            let reformatted = Array(String(decoding: xml, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
            let result = try Self.ingest(store, reformatted)
            #expect(result.status == .duplicate, "\(result)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aHeaderMessageIsRecordedOnce(_ kind: StoreKind) throws {
        try withStore(kind) { store in
            let key = ObservedKey(domain: "example.com", day: "2025-11-27", sourceIP: "192.0.2.7", reporter: "message headers")
            let first = try store.recordHeaderMessage(key: "message-id:<a@b>", observation: key, now: Self.day)
            #expect(first)
            #expect(try !store.recordHeaderMessage(key: "message-id:<a@b>", observation: key, now: Self.day + 60))
            #expect(try store.headerMessageRecordedAt(key: "message-id:<a@b>") == Self.day)
            #expect(try store.recordHeaderMessage(key: "message-id:<c@d>", observation: key, now: Self.day))
            #expect(try store.observedSources(domain: "example.com").first?.messages == 2)
        }
    }

    @Test func spreadIsBoundedWhateverTheRange() {
        #expect(UTCDay.spread(begin: 1, end: 9_999_999_999) == nil)
        #expect(UTCDay.spread(begin: Int64.min, end: Int64.max) == nil)
        #expect(UTCDay.spread(begin: 10, end: 5) == nil)
        #expect(UTCDay.spread(begin: Self.day, end: Self.day + 3 * 86400)?.count == 3)
        #expect(UTCDay.number(Int64.min) < 0 && UTCDay.number(-1) == -1 && UTCDay.number(0) == 0)
    }
}
