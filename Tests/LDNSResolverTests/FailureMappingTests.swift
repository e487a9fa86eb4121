import DNSCore
import Foundation
import LDNSResolver
import Testing
import TestSupport

/// LDNSResolver against ldns-testns serving Tests/Fixtures/zones/testns/failures.testns: the answers a
/// real server gives only when something is wrong, each mapped to its DNSAnswer or DNSFailure.
/// Serialized: ldns-testns answers one query at a time, and one entry sleeps.
@Suite("LDNSResolver failure mapping (ldns-testns)", .serialized)
struct FailureMappingTests {
    /// Source: RFC 1035 section 4.1.1 RCODEs; DESIGN.md's mapping table.
    static let rcodeCases: [(String, DNSFailure.Kind)] = [
        ("servfail.failures.test", .serverFailure),
        ("refused.failures.test", .refused),
        ("formerr.failures.test", .formatError),
        ("notimp.failures.test", .notImplemented),
    ]

    @Test("error RCODEs map to their failure kinds", arguments: rcodeCases)
    func rcodes(_ owner: String, _ kind: DNSFailure.Kind) async throws {
        try await Fixtures.withTestNS { server in
            let resolver = try Fixtures.resolver(server.address, timeout: 1, retries: 0)
            defer { resolver.shutdown() }
            let result = await resolver.resolve(name(owner), .txt)
            #expect(result.failureKind == kind)
            #expect(resolver.statistics.failures[kind] == 1)
        }
    }

    @Test("NXDOMAIN and no data take min(SOA TTL, MINIMUM) as negative TTL")
    func negativeTTL() async throws {
        try await Fixtures.withTestNS { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            #expect(await resolver.resolve(name("nx.failures.test"), .txt).answer == .nxdomain(negativeTTL: 50))
            #expect(await resolver.resolve(name("nodata.failures.test"), .txt).answer == .noData(negativeTTL: 30))
        }
    }

    @Test("a truncated UDP answer is repeated over TCP, byte-exact")
    func truncationFallsBackToTCP() async throws {
        try await Fixtures.withTestNS { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            let texts = await resolver.resolve(name("big.failures.test"), .txt).texts
            #expect(texts == (0..<12).map { String(format: "record-%02d=", $0) + String(repeating: String(format: "%02d", $0), count: 90) })
        }
    }

    @Test("without TCP fallback a truncated answer is not passed off as complete")
    func truncationWithoutFallback() async throws {
        try await Fixtures.withTestNS { server in
            var configuration = LDNSConfiguration(nameservers: [try Nameserver(parsing: server.address)])
            configuration.tcpFallback = false
            configuration.timeout = 1
            let resolver = try LDNSResolver(configuration: configuration, workers: 1)
            defer { resolver.shutdown() }
            let result = await resolver.resolve(name("big.failures.test"), .txt)
            #expect(result.failureKind == .malformedResponse)
        }
    }

    @Test("a CNAME whose target is missing from the response is re-queried")
    func cnameRequery() async throws {
        try await Fixtures.withTestNS { server in
            let resolver = try Fixtures.resolver(server.address)
            defer { resolver.shutdown() }
            #expect(await resolver.resolve(name("alias.failures.test"), .txt).texts == ["target"])
            #expect(resolver.statistics.queriesSent == 2)
            #expect(await resolver.resolve(name("loop.failures.test"), .txt).failureKind == .cnameLoop)
        }
    }

    @Test("a timeout ends promptly, and the same server answers the next query")
    func timeoutThenRecovery() async throws {
        try await Fixtures.withTestNS { server in
            // One worker, so the second query uses the very libldns resolver that timed out.
            let resolver = try Fixtures.resolver(server.address, timeout: 0.5, retries: 0, workers: 1)
            defer { resolver.shutdown() }
            // Timed on a thread of its own, not the cooperative pool other suites can hold.
            let (slow, elapsed) = await withTaskExecutorPreference(ThreadTaskExecutor.shared) {
                let start = ContinuousClock.now
                let slow = await resolver.resolve(name("slow.failures.test"), .txt)
                return (slow, ContinuousClock.now - start)
            }
            #expect(slow.failureKind == .timeout)
            #expect(elapsed < .seconds(2), "\(elapsed)")
            // ldns-testns is single-threaded and sleeps 2 s on that entry: wait until it answers again.
            let answering = Date().addingTimeInterval(10)
            while LoopbackPorts.probe(port: server.port, name: "ok.failures.test", type: 16, timeout: 0.2) == nil, Date() < answering {}
            #expect(await resolver.resolve(name("ok.failures.test"), .txt).texts == ["healthy"])
            #expect(resolver.statistics.failures[.timeout] == 1)
        }
    }

    @Test("a port with nothing listening is a temporary failure, not an answer")
    func nothingListening() async throws {
        guard let port = LoopbackPorts.freePort() else { Issue.record("no free loopback port"); return }
        let resolver = try Fixtures.resolver("127.0.0.1:\(port)", timeout: 0.3, retries: 1)
        defer { resolver.shutdown() }
        let result = await resolver.resolve(name("example.com"), .txt)
        guard case .failure(let failure) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(failure.isTemporary)
        #expect([.timeout, .network].contains(failure.kind))
    }
}
