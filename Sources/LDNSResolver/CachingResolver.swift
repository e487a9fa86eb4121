import DNSCore
import Synchronization

/// A per-run cache in front of any `DNSResolver`. Answers are kept for their TTL (the smallest record TTL,
/// or the SOA-derived negative TTL of NXDOMAIN and no data, RFC 2308), capped at `maxTTL`. Failures are not
/// kept beyond `failureTTL` (0 by default): a timeout must be retried, never remembered as the answer.
///
/// Concurrent lookups of the same name and type share one upstream query: when thousands of domains
/// `include:` the same provider, its record is fetched once per run, not once per domain.
public final class CachingResolver: DNSResolver, Sendable {
    public struct Statistics: Sendable, Hashable, CustomStringConvertible {
        /// Lookups answered from the cache.
        public var hits = 0
        /// Lookups that went upstream.
        public var misses = 0
        /// Lookups that waited for an identical upstream query already under way.
        public var coalesced = 0
        public var description: String { "cache hits \(hits), misses \(misses), coalesced \(coalesced)" }
    }

    private struct Key: Hashable {
        let name: DomainName
        let type: DNSRecordType
    }

    private enum Entry {
        case ready(DNSResult, expires: Double)
        case inFlight(Flight)
    }

    /// One upstream query under way: the lookup that started it waits for the answer itself, and every
    /// identical lookup meanwhile waits here (no task of its own per query, no hop to reach the answer).
    /// Confined to the state's lock. The upstream resolvers finish a query whether or not the lookup that
    /// started it is cancelled, so the followers always get the real answer; were one to stop early, they
    /// would get its failure, which is never kept and never taken for an answer.
    private final class Flight: @unchecked Sendable {
        var waiters: [CheckedContinuation<DNSResult, Never>] = []
        var result: DNSResult?
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var statistics = Statistics()
    }

    private let upstream: any DNSResolver
    private let maxTTL: Double
    private let failureTTL: Double
    private let now: @Sendable () -> Double
    private let state = Mutex(State())

    public convenience init(upstream: any DNSResolver, maxTTL: Double = 3600) {
        let clock = ContinuousClock()
        let start = clock.now
        self.init(upstream: upstream, maxTTL: maxTTL, failureTTL: 0) { (clock.now - start).seconds }
    }

    /// `now` returns seconds on any monotonic scale; tests pass a hand-driven clock to check expiry.
    public init(upstream: any DNSResolver, maxTTL: Double = 3600, failureTTL: Double = 0, now: @escaping @Sendable () -> Double) {
        self.upstream = upstream
        self.maxTTL = maxTTL
        self.failureTTL = failureTTL
        self.now = now
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Number of names and types currently held (fresh or stale), for metrics.
    public var count: Int { state.withLock { $0.entries.count } }

    public func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        enum Lookup { case hit(DNSResult), lead(Flight), follow(Flight) }
        let key = Key(name: name, type: type)
        let time = now()
        let lookup: Lookup = state.withLock { state in
            switch state.entries[key] {
            case .ready(let result, let expires) where expires > time:
                state.statistics.hits += 1
                return .hit(result)
            case .inFlight(let flight):
                state.statistics.coalesced += 1
                return .follow(flight)
            default:
                state.statistics.misses += 1
                let flight = Flight()
                state.entries[key] = .inFlight(flight)
                return .lead(flight)
            }
        }
        switch lookup {
        case .hit(let result):
            return result
        case .follow(let flight):
            return await withCheckedContinuation { continuation in
                let done: DNSResult? = state.withLock { _ in
                    if let result = flight.result { return result }
                    flight.waiters.append(continuation)
                    return nil
                }
                if let done { continuation.resume(returning: done) }
            }
        case .lead(let flight):
            let result = await upstream.resolve(name, type)
            let waiters = store(key, result, flight)
            for waiter in waiters { waiter.resume(returning: result) }
            return result
        }
    }

    /// Keeps `result` for its lifetime and hands back the lookups that waited for it.
    private func store(_ key: Key, _ result: DNSResult, _ flight: Flight) -> [CheckedContinuation<DNSResult, Never>] {
        let lifetime: Double = switch result {
        case .success(let answer): min(Double(answer.ttl), maxTTL)
        case .failure: failureTTL
        }
        let time = now()
        return state.withLock { state in
            if case .inFlight(let current) = state.entries[key], current === flight {
                state.entries[key] = lifetime > 0 ? .ready(result, expires: time + lifetime) : nil
            }
            flight.result = result
            let waiters = flight.waiters
            flight.waiters = []
            return waiters
        }
    }

    /// Forgets everything, e.g. between two polls of a long-running daemon.
    public func removeAll() {
        state.withLock { state in
            state.entries = state.entries.filter { if case .inFlight = $0.value { true } else { false } }
        }
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
