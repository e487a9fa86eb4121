/// When a failed alert is tried again: exponential back-off with "equal jitter" (half the delay fixed,
/// half random), so receivers that come back are not hit by every sender at once, and each delay is at
/// least as long as the one before whatever the random draw.
public struct RetryPolicy: Sendable, Hashable {
    /// Delay after the first failure, in seconds.
    public var base: Int
    /// Upper bound of any delay, in seconds.
    public var maximum: Int

    public init(base: Int = 60, maximum: Int = 6 * 3600) {
        self.base = max(1, base); self.maximum = max(self.base, maximum)
    }

    /// Seconds to wait after failed attempt number `attempt` (1-based); `random` is in 0..<1.
    public func delay(afterAttempt attempt: Int, random: Double) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 30)
        let full = min(Double(maximum), Double(base) * Double(1 << exponent))
        let jitter = min(max(random, 0), 1)
        return Int64((full / 2 + full / 2 * jitter).rounded())
    }
}
