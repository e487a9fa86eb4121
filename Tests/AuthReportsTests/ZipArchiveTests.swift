import Foundation
import Testing
@testable import AuthReports

/// Zip archives are read whole: every report entry, in order, however its sizes are given; other entries
/// are skipped without being held; an entry that cannot be read is named and the walk goes on.
struct ZipArchiveTests {
    static func report(_ id: String, count: Int = 3) -> [UInt8] {
        Array(String(decoding: ToleranceTests.report("", records: ToleranceTests.record(count: count)), as: UTF8.self)
            .replacingOccurrences(of: "<report_id>id-1</report_id>", with: "<report_id>\(id)</report_id>").utf8)
    }

    static func read(_ bytes: [UInt8]) -> [ReportOutcome] {
        ReportReader().read(DataByteSource(bytes)) { _, _ in }
    }

    @Test func everyReportEntryIsRead() throws {
        let archive = Containers.zip([
            .init(name: "a.xml", data: Self.report("a")),
            .init(name: "README.txt", data: Array("not a report\n".utf8)),
            .init(name: "dir/", data: [], deflated: false),
            .init(name: "b.xml", data: Self.report("b", count: 5), deflated: false),
            .init(name: "c.xml", data: Self.report("c", count: 7), descriptor: true),
            .init(name: "d.xml.gz", data: Containers.gzip(Self.report("d", count: 11)), deflated: false),
        ])
        let outcomes = Self.read(archive)
        let summaries = outcomes.compactMap { try? $0.result.get() }
        #expect(summaries.map(\.metadata.reportID) == ["a", "b", "c", "d"], "\(outcomes.map(\.result))")
        #expect(summaries.map(\.messageCount) == [3, 5, 7, 11])
        #expect(outcomes.map(\.location) == ["zip entry a.xml", "zip entry b.xml", "zip entry c.xml", "zip entry d.xml.gz"])
        #expect(Set(outcomes.map(\.part)).count == outcomes.count, "each report its own part")
    }

    @Test func anEntryThatCannotBeReadIsNamedAndTheOthersAreStillRead() {
        let archive = Containers.zip([
            .init(name: "locked.xml", data: Self.report("x"), encrypted: true),
            .init(name: "bzip2.xml", data: Self.report("y"), deflated: false, method: 12),
            .init(name: "good.xml", data: Self.report("z")),
        ])
        let outcomes = Self.read(archive)
        #expect(outcomes.count == 3)
        guard outcomes.count == 3 else { return }
        if case .failure(let error) = outcomes[0].result {
            #expect(error.code == .unsupportedContainer && error.message.contains("'locked.xml' is encrypted"))
        } else { Issue.record("an encrypted entry was read") }
        if case .failure(let error) = outcomes[1].result {
            #expect(error.message.contains("method 12"), "\(error)")
        } else { Issue.record("an unknown method was read") }
        #expect((try? outcomes[2].result.get())?.metadata.reportID == "z")
    }

    @Test func aBrokenReportInOneEntryLeavesTheNextOneReadable() {
        var broken = Self.report("broken")
        broken.removeLast(60)
        let archive = Containers.zip([.init(name: "broken.xml", data: broken, descriptor: true),
                                      .init(name: "next.xml", data: Self.report("next"))])
        let outcomes = Self.read(archive)
        #expect(outcomes.count == 2)
        if case .failure(let error)? = outcomes.first?.result { #expect(error.code == .malformedXML) }
        #expect((try? outcomes.last?.result.get())?.metadata.reportID == "next")
    }

    @Test func anArchiveWithoutReportsSaysSo() {
        let outcomes = Self.read(Containers.zip([.init(name: "notes.txt", data: Array("hello".utf8))]))
        guard case .failure(let error)? = outcomes.first?.result else { Issue.record("accepted"); return }
        #expect(outcomes.count == 1 && error.code == .notAggregateReport)
    }

    /// A large non-report entry is skipped a chunk at a time: its declared size is never allocated.
    @Test func aHugeDeclaredSkippedEntryIsNotAllocated() {
        var archive = Containers.zip([.init(name: "big.bin", data: [UInt8](repeating: 7, count: 1000), deflated: false)],
                                     centralDirectory: false)
        // Claim 4 GiB - 2 of compressed data: the archive ends long before.
        archive.replaceSubrange(18..<22, with: [0xFE, 0xFF, 0xFF, 0xFF])
        let outcomes = Self.read(archive)
        guard case .failure(let error)? = outcomes.last?.result else { Issue.record("accepted"); return }
        #expect(error.code == .notAggregateReport || error.code == .decompression, "\(error)")
    }

    @Test func damageBetweenEntriesIsReportedAfterTheReportsBeforeIt() {
        var archive = Containers.zip([.init(name: "a.xml", data: Self.report("a"))], centralDirectory: false)
        archive += [0x00, 0x11, 0x22, 0x33, 0x44]
        let outcomes = Self.read(archive)
        #expect(outcomes.count == 2)
        #expect((try? outcomes.first?.result.get())?.metadata.reportID == "a")
        if case .failure(let error)? = outcomes.last?.result {
            #expect(error.code == .decompression && error.message.contains("entry 2"), "\(error)")
        } else { Issue.record("damage not reported") }
    }
}
