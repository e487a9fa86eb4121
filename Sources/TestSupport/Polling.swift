import Foundation

/// Waiting in tests for something another process does. Under the full suite, other tests' blocking work
/// can keep the waiting task off the shared cooperative threads for longer than the whole timeout, while
/// what it waits for had long happened: so the last attempt is always made after the deadline.
public enum Polling {
    /// Calls `attempt` every `interval` seconds until it gives a value, for `timeout` seconds, and once
    /// more after the deadline; nil if no attempt gave one.
    public static func until<T>(timeout: Double, every interval: Double,
                                _ attempt: () async throws -> T?) async rethrows -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let last = Date() >= deadline
            if let value = try await attempt() { return value }
            if last { return nil }
            try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
        }
    }
}
