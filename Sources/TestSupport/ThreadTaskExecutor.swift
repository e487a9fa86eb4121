import Foundation

/// A task executor on threads of its own, for tests that time async work: the shared cooperative pool
/// (two threads on a two-core machine) is often held by other tests' blocking calls, which would add their
/// duration to what is being timed. `withTaskExecutorPreference(ThreadTaskExecutor.shared) { ... }` runs
/// the body and its child tasks here. Its threads live as long as the process.
public final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    public static let shared = ThreadTaskExecutor(threads: 2)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    public init(threads: Int) {
        for index in 0..<max(1, threads) {
            let thread = Thread { self.work() }
            thread.name = "senderwatch.test-executor.\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
