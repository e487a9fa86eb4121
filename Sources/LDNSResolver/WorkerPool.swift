import DNSCore
import Foundation

/// A fixed set of dedicated threads, each owning its own `LDNSQueryEngine`, fed from one locked queue.
/// libldns calls block, so they run on these threads rather than on the cooperative pool, and because a
/// libldns resolver must never be shared, every engine lives and dies on the thread that created it.
final class WorkerPool: @unchecked Sendable {
    typealias Completion = @Sendable (Result<DNSMessage, DNSFailure>) -> Void

    private struct Job {
        let name: DomainName
        let type: DNSRecordType
        let completion: Completion
    }

    // All mutable state below is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false

    init(configuration: LDNSConfiguration, workers: Int) {
        for index in 0..<workers {
            let thread = Thread { [self] in
                // Validated by the caller, so creation cannot fail for configuration reasons here.
                guard let engine = try? LDNSQueryEngine(configuration: configuration) else { return }
                while let job = next() {
                    job.completion(engine.query(job.name, job.type))
                }
            }
            thread.name = "senderwatch-ldns-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Queues a query; after `close()` the completion runs at once with a failure.
    func submit(_ name: DomainName, _ type: DNSRecordType, completion: @escaping Completion) {
        condition.lock()
        if closed {
            condition.unlock()
            completion(.failure(Self.closedFailure(name, type)))
            return
        }
        jobs.append(Job(name: name, type: type, completion: completion))
        condition.signal()
        condition.unlock()
    }

    /// Stops the workers after the query each is running; queued queries fail with a network failure.
    func close() {
        condition.lock()
        let abandoned = jobs[head...]
        jobs.removeAll()
        head = 0
        closed = true
        condition.broadcast()
        condition.unlock()
        for job in abandoned { job.completion(.failure(Self.closedFailure(job.name, job.type))) }
    }

    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count, !closed { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        // Compact now and then so the array does not grow without bound.
        if head == jobs.count { jobs.removeAll(keepingCapacity: true); head = 0 }
        else if head > 1024 { jobs.removeFirst(head); head = 0 }
        return job
    }

    private static func closedFailure(_ name: DomainName, _ type: DNSRecordType) -> DNSFailure {
        DNSFailure(.network, name: name, type: type, detail: "the resolver was shut down")
    }
}
