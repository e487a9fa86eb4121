import CLDNS
import DNSCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Dedicated threads, each owning its own `LDNSQueryEngine`, fed from one locked queue. libldns calls
/// block, so they run on these threads rather than on the cooperative pool, and because a libldns resolver
/// must never be shared, every engine lives and dies on the thread that created it.
///
/// Threads start only as the work needs them (one `check_host` gets one thread, a 10,000-domain poll up to
/// `maxWorkers`), and `close()` joins every one: libldns draws its query ids from OpenSSL, and a thread still
/// running (or still tearing down its thread-local OpenSSL state) when the process exits races OpenSSL's
/// cleanup and can crash the process.
final class WorkerPool: @unchecked Sendable {
    typealias Completion = @Sendable (Result<DNSMessage, DNSFailure>) -> Void

    private struct Job {
        let name: DomainName
        let type: DNSRecordType
        let completion: Completion
    }

    private let configuration: LDNSConfiguration
    private let maxWorkers: Int
    // All mutable state below is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false
    private var idle = 0
    private var threads: [pthread_t] = []

    init(configuration: LDNSConfiguration, maxWorkers: Int) {
        self.configuration = configuration
        self.maxWorkers = max(1, maxWorkers)
    }

    /// Threads started so far.
    var workerCount: Int {
        condition.lock(); defer { condition.unlock() }
        return threads.count
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
        // A queued job with no idle worker to take it gets a new worker, up to the limit.
        if jobs.count - head > idle, threads.count < maxWorkers { startWorker() }
        condition.signal()
        condition.unlock()
    }

    /// Stops the workers after the query each is running and waits until every thread has exited, for at
    /// most `grace` seconds: a thread still blocked on a silent server after that (a query with a long
    /// timeout) is left to the process exit. It waits in `poll`, not in OpenSSL, and OpenSSL has no exit
    /// handler to race (see `LDNSRuntime`). Queued queries fail with a network failure. Safe to call twice.
    func close(grace: Double = 2) {
        condition.lock()
        let abandoned = jobs[head...]
        jobs.removeAll()
        head = 0
        closed = true
        let running = threads
        threads.removeAll()
        condition.broadcast()
        condition.unlock()
        for job in abandoned { job.completion(.failure(Self.closedFailure(job.name, job.type))) }
        let current = pthread_self()
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += Int(grace)
        deadline.tv_nsec += Int((grace - grace.rounded(.down)) * 1_000_000_000)
        if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
        for thread in running where pthread_equal(thread, current) == 0 {
            if senderwatch_timed_join(thread, &deadline) != 0 { pthread_detach(thread) }
        }
    }

    /// Called with `condition` held.
    private func startWorker() {
        if let thread = JoinableThread.start(stackSize: 1 << 20, { [self] in work() }) { threads.append(thread) }
    }

    private func work() {
        // Validated by the resolver before any worker starts, so creation cannot fail for configuration reasons.
        guard let engine = try? LDNSQueryEngine(configuration: configuration) else { return }
        while let job = next() {
            job.completion(engine.query(job.name, job.type))
        }
    }

    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        idle += 1
        while head == jobs.count, !closed { condition.wait() }
        idle -= 1
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
