import DNSCore
import Synchronization
import LDNSResolver
import Testing
import TestSupport

/// A resolver that answers after a pause and counts its queries, so identical lookups overlap in time.
final class SlowCountingResolver: DNSResolver {
    let queries = Mutex(0)
    let answer: DNSResult
    let delay: Duration

    init(answer: DNSResult, delay: Duration = .milliseconds(100)) {
        self.answer = answer
        self.delay = delay
    }

    func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        queries.withLock { $0 += 1 }
        try? await Task.sleep(for: delay)
        return answer
    }

    var count: Int { queries.withLock { $0 } }
}

/// A hand-driven clock in seconds.
final class ManualClock: Sendable {
    let time = Mutex(0.0)
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
    var now: Double { time.withLock { $0 } }
}

@Suite("CachingResolver")
struct CachingResolverTests {
    static let record = DNSRecord(name: name("_spf.provider.test"), ttl: 300, data: .txt([Array("v=spf1 -all".utf8)]))

    @Test("5,000 concurrent identical lookups make one upstream query")
    func coalescing() async {
        let upstream = SlowCountingResolver(answer: .success(.records([Self.record])))
        let cache = CachingResolver(upstream: upstream)
        let results = await withTaskGroup(of: DNSResult.self) { group in
            for _ in 0..<5000 { group.addTask { await cache.resolve(name("_spf.provider.test"), .txt) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(upstream.count == 1)
        #expect(results.allSatisfy { $0.answer == .records([Self.record]) })
        let stats = cache.statistics
        #expect(stats.misses == 1)
        #expect(stats.hits + stats.coalesced == 4999)
        #expect(stats.coalesced > 0)
    }

    @Test("answers expire after their TTL, capped at maxTTL")
    func ttlExpiry() async {
        let clock = ManualClock()
        let upstream = SlowCountingResolver(answer: .success(.records([Self.record])), delay: .zero)
        let cache = CachingResolver(upstream: upstream, maxTTL: 3600, now: { clock.now })
        _ = await cache.resolve(name("_spf.provider.test"), .txt)
        clock.advance(299)
        _ = await cache.resolve(name("_spf.provider.test"), .txt)
        #expect(upstream.count == 1)
        clock.advance(2)
        _ = await cache.resolve(name("_spf.provider.test"), .txt)
        #expect(upstream.count == 2)
        #expect(cache.statistics.hits == 1)
        #expect(cache.statistics.misses == 2)

        let capped = CachingResolver(upstream: upstream, maxTTL: 10, now: { clock.now })
        _ = await capped.resolve(name("_spf.provider.test"), .txt)
        clock.advance(11)
        _ = await capped.resolve(name("_spf.provider.test"), .txt)
        #expect(upstream.count == 4)
    }

    @Test("negative answers are kept for their negative TTL; a zero TTL is not kept")
    func negativeCaching() async {
        let clock = ManualClock()
        let nx = SlowCountingResolver(answer: .success(.nxdomain(negativeTTL: 60)), delay: .zero)
        let cache = CachingResolver(upstream: nx, now: { clock.now })
        _ = await cache.resolve(name("missing.test"), .txt)
        clock.advance(59)
        #expect(await cache.resolve(name("missing.test"), .txt).answer == .nxdomain(negativeTTL: 60))
        #expect(nx.count == 1)
        clock.advance(2)
        _ = await cache.resolve(name("missing.test"), .txt)
        #expect(nx.count == 2)

        let zero = SlowCountingResolver(answer: .success(.noData(negativeTTL: 0)), delay: .zero)
        let uncached = CachingResolver(upstream: zero, now: { clock.now })
        _ = await uncached.resolve(name("nodata.test"), .txt)
        _ = await uncached.resolve(name("nodata.test"), .txt)
        #expect(zero.count == 2)
    }

    @Test("failures are shared by concurrent waiters but not remembered")
    func failuresNotCached() async {
        let failing = SlowCountingResolver(answer: .failure(DNSFailure(.timeout, detail: "test")))
        let cache = CachingResolver(upstream: failing)
        async let first = cache.resolve(name("slow.test"), .txt)
        async let second = cache.resolve(name("slow.test"), .txt)
        let results = await [first, second]
        #expect(results.allSatisfy { $0.failureKind == .timeout })
        #expect(failing.count == 1)
        #expect(await cache.resolve(name("slow.test"), .txt).failureKind == .timeout)
        #expect(failing.count == 2)
    }

    @Test("names and types are separate keys; names compare case-insensitively")
    func keys() async {
        let upstream = SlowCountingResolver(answer: .success(.records([Self.record])), delay: .zero)
        let cache = CachingResolver(upstream: upstream)
        _ = await cache.resolve(name("a.test"), .txt)
        _ = await cache.resolve(name("A.TEST"), .txt)
        _ = await cache.resolve(name("a.test"), .mx)
        #expect(upstream.count == 2)
    }

    @Test("in front of LDNSResolver, NSD sees one query for many identical lookups")
    func againstNSD() async throws {
        try await Fixtures.withNSD { server in
            let resolver = try Fixtures.resolver(server.address, workers: 4)
            defer { resolver.shutdown() }
            guard let before = server.queryCount else { print("note: nsd-control stats unavailable; skipping count"); return }
            let cache = CachingResolver(upstream: resolver)
            let texts = await withTaskGroup(of: [String].self) { group in
                for _ in 0..<500 { group.addTask { await cache.resolve(name("_spf.provider.test"), .txt).texts } }
                return await group.reduce(into: Set<[String]>()) { $0.insert($1) }
            }
            #expect(texts == [["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:100::/48 ~all"]])
            #expect(server.queryCount.map { $0 - before } == 1)
            #expect(resolver.statistics.queriesSent == 1)
        }
    }
}
