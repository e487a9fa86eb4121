import Audit
import DNSCore
import TestSupport
import Testing

/// Drift compares only parts known on both sides: a provider that does not answer is never "removed", one
/// that answers again is never "added", and a poll that knew less stores the same observation.
@Suite struct SummaryMergeTests {
    static let domain = EvidenceCoverageTests.domain

    static func summary(_ zone: MemoryZone) async -> ObservationSummary {
        await DomainAssessor(resolver: ZoneResolver(zone)).assess(try! DomainName(domain)).summary
    }

    @Test func anUnansweredProviderIsCarriedAndNeverDrift() async throws {
        let baseline = await Self.summary(EvidenceCoverageTests.healthy())
        #expect(baseline.status == .ok)
        #expect(baseline.providerNetworks["_spf.provider.test"] == ["198.51.100.0/24"])

        let lossy = await Self.summary(EvidenceCoverageTests.timeout("_spf.provider.test")())
        #expect(lossy.providerPart("_spf.provider.test") == .unknown)
        let merged = lossy.merged(onto: baseline)
        #expect(merged.status == .partial)
        #expect(merged.providerPart("_spf.provider.test") == .carried)
        #expect(merged.providerNetworks["_spf.provider.test"] == ["198.51.100.0/24"], "the last known networks are kept")
        #expect(merged.contentDigest == baseline.contentDigest, "the same observation")
        #expect(Drift.findings(domain: Self.domain, previous: baseline, current: merged).isEmpty, "nothing was removed")

        let back = await Self.summary(EvidenceCoverageTests.healthy())
        #expect(Drift.findings(domain: Self.domain, previous: merged, current: back.merged(onto: merged)).isEmpty, "nothing was added")
    }

    @Test func aProviderThatAnswersAndMovedIsDriftEvenWhileAnotherPartIsUnanswered() async throws {
        let baseline = await Self.summary(EvidenceCoverageTests.healthy())
        var zone = EvidenceCoverageTests.healthy()
        zone.replaceTXT("_spf.provider.test", "v=spf1 ip4:198.51.101.0/24 -all")
        zone.addTimeout(try DomainName("mx.example.test"))
        let moved = await Self.summary(zone).merged(onto: baseline)
        let drift = Drift.findings(domain: Self.domain, previous: baseline, current: moved)
        #expect(drift.map(\.kind) == [.providerChanged])
        #expect(drift.first?.evidence["networksAdded"] == "198.51.101.0/24")
        #expect(drift.first?.evidence["networksRemoved"] == "198.51.100.0/24")
    }

    @Test func unansweredOwnRecordsCarryEverythingAndCompareNothing() async throws {
        let baseline = await Self.summary(EvidenceCoverageTests.healthy())
        let silent = await Self.summary(EvidenceCoverageTests.timeout(Self.domain, "_dmarc.\(Self.domain)")())
        #expect(silent.status == .temperror && silent.spfRecord == nil, "nothing answered: nothing is claimed")
        let merged = silent.merged(onto: baseline)
        #expect(merged.spfPart == .carried && merged.dmarcPart == .carried)
        #expect(merged.spfRecord == baseline.spfRecord && merged.dmarcRecord == baseline.dmarcRecord)
        #expect(merged.contentDigest == baseline.contentDigest)
        #expect(Drift.findings(domain: Self.domain, previous: baseline, current: merged).isEmpty)
        // Without a baseline nothing is carried, and still nothing is compared.
        #expect(Drift.findings(domain: Self.domain, previous: silent, current: baseline).isEmpty)
    }

    @Test func aRealRecordChangeIsDriftWithLowerBoundCountsLeftOut() async throws {
        let baseline = await Self.summary(EvidenceCoverageTests.healthy())
        var zone = EvidenceCoverageTests.healthy()
        zone.replaceTXT(Self.domain, "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 include:_spf.provider.test mx -all")
        zone.addTimeout(try DomainName("_spf.provider.test"))
        let changed = await Self.summary(zone).merged(onto: baseline)
        let drift = Drift.findings(domain: Self.domain, previous: baseline, current: changed)
        #expect(drift.map(\.kind) == [.recordChanged])
        #expect(drift.first?.message.contains("added ip4:192.0.2.2") == true)
        #expect(drift.first?.message.contains("lookups") == false, "a lower-bound count is not compared: \(drift.first?.message ?? "")")
    }
}

/// A lower bound already over the limit is proof: it opens spf.lookup-limit (and says "at least").
@Suite struct LowerBoundTests {
    @Test func aLowerBoundOverTheLimitOpensTheLimitFinding() async throws {
        var zone = EvidenceCoverageTests.healthy()
        let includes = (1...11).map { "include:_p\($0).provider.test" }.joined(separator: " ")
        zone.replaceTXT(EvidenceCoverageTests.domain, "v=spf1 \(includes) -all")
        for i in 2...11 { zone.add("_p\(i).provider.test", txt: "v=spf1 ip4:198.51.\(i).0/24 -all") }
        zone.addTimeout(try DomainName("_p1.provider.test"))
        let assessment = await DomainAssessor(resolver: ZoneResolver(zone)).assess(try DomainName(EvidenceCoverageTests.domain))
        let limit = try #require(assessment.findings.first { $0.kind == .spfLookupLimit })
        #expect(limit.subject == "limit")
        #expect(limit.message.contains("at least 11"), "\(limit.message)")
        #expect(assessment.status == .partial)
        #expect(assessment.unknownParts.contains { $0.id == "spf.include:_p1.provider.test" })
    }
}
