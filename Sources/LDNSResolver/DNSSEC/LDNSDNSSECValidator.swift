import CLDNS
import DNSCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the validator's threads share within a run: validated DNSKEY sets (as text, never as pointers) and
/// the delegations shown to be unsigned, so that every name below one costs no query at all.
final class DNSSECCache: Sendable {
    struct KeySet: Sendable {
        let texts: [String]
        /// When the first signature of the chain that validated the set runs out.
        let expires: Int64
    }

    private struct State {
        var keys: [String: Result<KeySet, DNSSECStop>] = [:]
        var insecureCuts: Set<String> = []
    }

    private let state = Mutex(State())
    /// Zones (and cuts) remembered; a run over more is hostile or huge, and older entries are dropped.
    static let maximumEntries = 100_000

    func keys(_ zone: String) -> Result<KeySet, DNSSECStop>? { state.withLock { $0.keys[zone] } }

    func storeKeys(_ zone: String, _ result: Result<KeySet, DNSSECStop>) {
        // A key set that could not be read now is asked for again by the next name.
        if case .failure(let stop) = result, stop.status.isIndeterminate { return }
        state.withLock { state in
            if state.keys.count >= Self.maximumEntries { state.keys.removeAll(keepingCapacity: true) }
            state.keys[zone] = result
        }
    }

    /// The unsigned delegation at or above `name`, if one is known.
    func insecureCut(covering name: String) -> String? {
        state.withLock { state in
            var current: String? = name
            while let candidate = current {
                if state.insecureCuts.contains(candidate) { return candidate }
                current = DNSSECEngine.parent(candidate)
            }
            return nil
        }
    }

    func storeInsecureCut(_ name: String) {
        state.withLock { state in
            if state.insecureCuts.count >= Self.maximumEntries { state.insecureCuts.removeAll(keepingCapacity: true) }
            state.insecureCuts.insert(name)
        }
    }
}

/// DNSSEC validation over libldns from a trust anchor (RFC 4035 section 5): each answer's signatures are
/// checked with `ldns_verify_rrsig_keylist_time` against DNSKEY sets validated down from the anchor through
/// the DS sets; an unsigned answer is insecure only behind a signed denial of DS at a delegation
/// (`ldns_dnssec_verify_denial`, or its NSEC3 form). Validations run on their own threads (libldns blocks),
/// each with its own resolver; `shutdown()` joins them.
public final class LDNSDNSSECValidator: DNSSECValidator, @unchecked Sendable {
    private let configuration: LDNSConfiguration
    private let anchors: DNSSECTrustAnchors
    private let cache = DNSSECCache()
    private let maxThreads: Int
    private let queries = QueryCounter()
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable (DNSSECEngine?) -> Void] = []
    private var closed = false
    private var idle = 0
    private var threads: [pthread_t] = []

    public init(configuration: LDNSConfiguration, anchors: DNSSECTrustAnchors = .root, threads: Int = 4) throws {
        guard !configuration.nameservers.isEmpty else {
            throw ResolverConfigurationError("DNSSEC validation needs a nameserver to ask for keys")
        }
        LDNSRuntime.prepare()
        self.configuration = configuration
        self.anchors = anchors
        maxThreads = min(max(threads, 1), 16)
    }

    deinit { shutdown() }

    /// Queries the validations sent (DS, DNSKEY and the answers with their signatures).
    public var queriesSent: Int { queries.value }

    public func status(_ name: DomainName, _ type: DNSRecordType, now: Int64) async -> DNSSECStatus {
        await withCheckedContinuation { continuation in
            submit { [queries] engine in
                guard let engine else {
                    continuation.resume(returning: .indeterminate("the validator was shut down"))
                    return
                }
                let before = engine.queriesSent
                let status = engine.status(name, type, now: now)
                queries.add(engine.queriesSent - before)
                continuation.resume(returning: status)
            }
        }
    }

    private func submit(_ job: @escaping @Sendable (DNSSECEngine?) -> Void) {
        condition.lock()
        if closed {
            condition.unlock()
            job(nil)
            return
        }
        jobs.append(job)
        if jobs.count > idle, threads.count < maxThreads { startThread() }
        condition.signal()
        condition.unlock()
    }

    /// Fails what is queued and joins the threads (each finishes the validation it is in).
    public func shutdown() {
        condition.lock()
        let abandoned = jobs
        jobs.removeAll()
        closed = true
        let running = threads
        threads.removeAll()
        condition.broadcast()
        condition.unlock()
        for job in abandoned { job(nil) }
        JoinableThread.join(running)
    }

    /// Called with `condition` held.
    private func startThread() {
        if let thread = JoinableThread.start(stackSize: 1 << 20, { [self] in work() }) { threads.append(thread) }
    }

    private func work() {
        let engine = DNSSECEngine(configuration: configuration, anchors: anchors, cache: cache)
        while let job = next() { job(engine) }
    }

    private func next() -> (@Sendable (DNSSECEngine?) -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        idle += 1
        while jobs.isEmpty, !closed { condition.wait() }
        idle -= 1
        guard !jobs.isEmpty else { return nil }
        return jobs.removeFirst()
    }
}

/// The validator's query count, shared by its threads.
final class QueryCounter: Sendable {
    private let count = Mutex(0)
    func add(_ value: Int) { count.withLock { $0 += value } }
    var value: Int { count.withLock { $0 } }
}
