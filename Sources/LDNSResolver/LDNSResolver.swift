import DNSCore
import Synchronization

/// A `DNSResolver` over the network: stub queries to the configured nameservers with EDNS0, TCP when an answer
/// is truncated, CNAME chains followed across responses. Queries go out through `UDPTransport` (a few
/// long-lived sockets on one event-loop thread, any number in flight; libldns reads the answers); callers
/// suspend until their answer arrives. Call `shutdown()` when done; it joins the transport's threads.
public final class LDNSResolver: DNSResolver, Sendable {
    private let transport: UDPTransport
    private let counters = Mutex(ResolverStatistics())
    private let stopped = Mutex(false)

    /// `workers` bounds the threads that carry TCP queries (answers too large for UDP), started on demand.
    public init(configuration: LDNSConfiguration, workers: Int = 4) throws {
        guard (1...256).contains(workers) else {
            throw ResolverConfigurationError("workers \(workers): expected 1 to 256 threads")
        }
        LDNSRuntime.prepare()
        // Build (and drop) one engine here so a bad configuration fails now rather than on a query.
        _ = try LDNSQueryEngine(configuration: configuration)
        transport = try UDPTransport(configuration: configuration, tcpWorkers: min(workers, 8))
    }

    deinit { shutdown() }

    /// Fails what is still waiting, closes the sockets and joins the threads; later lookups fail at once.
    public func shutdown() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first { transport.shutdown() }
    }

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
            transport.query(name, type) { continuation.resume(returning: $0) }
        }
    }
}
