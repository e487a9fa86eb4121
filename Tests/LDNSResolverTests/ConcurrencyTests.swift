import DNSCore
import Foundation
import LDNSResolver
import Testing
import TestSupport

@Suite("LDNSResolver under concurrency")
struct ConcurrencyTests {
    /// Names whose answers differ, so a reply delivered to the wrong caller shows up as a mismatch.
    static let expectations: [(String, DNSRecordType, String)] = [
        ("multi.senderwatch.test", .txt, "v=spf1 ip4:192.0.2.1 -all"),
        ("chain1.senderwatch.test", .txt, "end of chain"),
        ("_spf.provider.test", .txt, "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:100::/48 ~all"),
        ("_dmarc.senderwatch.test", .txt, "v=DMARC1; p=reject; rua=mailto:dmarc@senderwatch.test"),
        ("anything.wild.senderwatch.test", .txt, "wildcard"),
        ("a.b.ent.senderwatch.test", .txt, "leaf"),
        ("bigset.senderwatch.test", .txt, "10 records"),
        ("midset.senderwatch.test", .txt, "5 records"),
        ("missing.senderwatch.test", .txt, "nxdomain"),
    ]

    static func summary(_ result: DNSResult) -> String {
        switch result {
        case .success(.nxdomain): "nxdomain"
        case .success(.records(let records)) where records.count > 1: "\(records.count) records"
        default: result.texts.joined()
        }
    }

    @Test("8 tasks x 200 queries through 4 workers all get their own answers")
    func manyConcurrentQueries() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address, timeout: 3, retries: 1, workers: 4)
            defer { resolver.shutdown() }
            let clock = ContinuousClock()
            let start = clock.now
            let mismatches = await withTaskGroup(of: [String].self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var wrong: [String] = []
                        for i in 0..<200 {
                            let (owner, type, expected) = Self.expectations[(task + i) % Self.expectations.count]
                            let got = Self.summary(await resolver.resolve(name(owner), type))
                            if got != expected { wrong.append("\(owner): \(got)") }
                        }
                        return wrong
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            let elapsed = clock.now - start
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
            #expect(resolver.statistics.answers == 1600)
            let rate = 1600 / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            print("measurement: 1600 lookups (8 tasks, 4 workers, incl. TCP and CNAME) in \(elapsed): \(Int(rate)) lookups/s; \(resolver.statistics)")
        }
    }

    @Test("shutdown fails queued and later lookups instead of hanging")
    func shutdown() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address, workers: 1)
            #expect(await resolver.resolve(name("multi.senderwatch.test"), .txt).texts == ["v=spf1 ip4:192.0.2.1 -all"])
            resolver.shutdown()
            let after = await resolver.resolve(name("multi.senderwatch.test"), .txt)
            #expect(after.failureKind == .network)
        }
    }
}
