import DNSCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Works out `work(0)`, `work(1)`, ... on threads of its own, at most `window` items ahead of the one the
/// caller is waiting for, and hands the results over strictly in order (`take`). `ingest` reads the next
/// report files with it while the writer stores the current one. `close()` (or the deinit) stops the
/// threads and joins them; an item being worked on is finished first.
public final class ReadAhead<Output: Sendable>: @unchecked Sendable {
    private let count: Int
    private let window: Int
    private let work: @Sendable (Int) -> Output
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var next = 0
    private var taken = 0
    private var done: [Int: Output] = [:]
    private var closed = false
    private var threads: [pthread_t] = []
    /// No thread could be started: `take` does the work itself.
    private var inline = false

    /// `threads` workers (at least one), `window` items (at least `threads`) done or in progress ahead of the
    /// caller.
    public init(count: Int, threads: Int, window: Int, work: @escaping @Sendable (Int) -> Output) {
        self.count = count
        self.window = max(window, threads, 1)
        self.work = work
        condition.lock()
        for _ in 0..<min(max(threads, 1), max(count, 0)) { start() }
        inline = self.threads.isEmpty
        condition.unlock()
    }

    deinit { close() }

    /// The output for item `index`, waiting until it is done. Items are taken once each, in order.
    public func take(_ index: Int) -> Output {
        condition.lock()
        defer { condition.unlock() }
        precondition(index == taken && index < count, "ReadAhead items are taken once each, in order")
        if inline {
            taken = index + 1
            return work(index)
        }
        while done[index] == nil { condition.wait() }
        taken = index + 1
        condition.broadcast()
        return done.removeValue(forKey: index)!
    }

    /// Stops handing out work and joins the threads.
    public func close() {
        condition.lock()
        closed = true
        let running = threads
        threads.removeAll()
        condition.broadcast()
        condition.unlock()
        JoinableThread.join(running)
    }

    /// Called with `condition` held.
    private func start() {
        // Containers nest and the scanner recurses a little: the default 8 MiB is far more than needed.
        if let thread = JoinableThread.start(stackSize: 4 << 20, { [self] in run() }) { threads.append(thread) }
    }

    private func run() {
        while true {
            condition.lock()
            while !closed, next < count, next >= taken + window { condition.wait() }
            guard !closed, next < count else {
                condition.unlock()
                return
            }
            let index = next
            next += 1
            condition.unlock()
            let output = work(index)
            condition.lock()
            done[index] = output
            condition.broadcast()
            condition.unlock()
        }
    }
}

