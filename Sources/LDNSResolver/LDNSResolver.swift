import DNSCore
import Synchronization

/// A `DNSResolver` over libldns: stub queries to the configured nameservers, EDNS0, TCP when an answer is
/// truncated, CNAME chains followed across responses.
///
/// Queries run on up to `workers` dedicated threads, started as the work needs them, each with its own
/// libldns resolvers (they are not safe to share); callers suspend until their answer arrives. Call
/// `shutdown()` when done (it joins the threads); dropping the last reference does the same.
public final class LDNSResolver: DNSResolver, Sendable {
    private let pool: WorkerPool
    private let counters = Mutex(ResolverStatistics())

    public init(configuration: LDNSConfiguration, workers: Int = 4) throws {
        guard (1...256).contains(workers) else {
            throw ResolverConfigurationError("workers \(workers): expected 1 to 256 threads")
        }
        LDNSRuntime.prepare()
        // Build (and drop) one engine here so a bad configuration fails now rather than on a worker.
        _ = try LDNSQueryEngine(configuration: configuration)
        pool = WorkerPool(configuration: configuration, maxWorkers: workers)
    }

    deinit { pool.close() }

    /// Lets running queries finish, fails any still queued and joins the worker threads; later lookups fail
    /// at once.
    public func shutdown() { pool.close() }

    /// Worker threads started so far (they start as queries need them).
    public var workerThreads: Int { pool.workerCount }

    public var statistics: ResolverStatistics { counters.withLock { $0 } }

    public func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        let result = await lookup(name, type)
        counters.withLock { stats in
            switch result {
            case .success: stats.answers += 1
            case .failure(let failure): stats.failures[failure.kind, default: 0] += 1
            }
        }
        return result
    }

    private func lookup(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        var current = name
        var visited = [name]
        while true {
            let message: DNSMessage
            switch await send(current, type) {
            case .failure(var failure):
                failure.name = name
                if current != name { failure.detail += " (while following CNAME to \(current))" }
                return .failure(failure)
            case .success(let m): message = m
            }
            switch CNAMEChain.interpret(message, asked: current, type: type, visited: &visited) {
            case .answer(let answer): return .success(answer)
            case .requery(let target): current = target
            case .loop(let detail): return .failure(DNSFailure(.cnameLoop, name: name, type: type, detail: detail))
            }
        }
    }

    private func send(_ name: DomainName, _ type: DNSRecordType) async -> Result<DNSMessage, DNSFailure> {
        counters.withLock { $0.queriesSent += 1 }
        return await withCheckedContinuation { continuation in
            pool.submit(name, type) { continuation.resume(returning: $0) }
        }
    }
}
