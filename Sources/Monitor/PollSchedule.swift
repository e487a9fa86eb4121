import Audit
import DNSCore
/// When each domain is polled next: the one timing rule that `poll` (cron) and `run` (daemon) share.
///
/// - **Spread.** Every domain owns a fixed phase inside its interval, taken from a hash of its name (FNV-1a,
///   64 bit), and is polled at the slots `phase + k·interval`. 10,000 domains at 1h are spread evenly over the
///   hour instead of all firing at its top, and a restart does not reshuffle them: the same name always gets
///   the same phase.
/// - **Settling.** After a poll at `t` the next slot is the first one at or after `t + interval/2`. A poll on
///   time (or a little late) is followed by the slot one interval later; a first poll, or a catch-up, moves the
///   domain onto its slot with a gap of between half and one and a half intervals.
/// - **Catch-up once.** Only the next due time is stored. After a pause (the daemon stopped, the machine
///   asleep), a domain whose time has passed is due once, however many slots it missed; its poll moves it to
///   the first slot after it, so missed polls are never replayed one by one.
/// - **Back-off.** After the n-th temporary DNS failure in a row the domain is tried again after
///   `base · 2^(n-1)`, with `base` an eighth of its interval (at least a second), capped at four intervals:
///   a failure at 1h is retried after 7.5m, 15m, 30m, then 1h, 2h, 4h. Three failures in a row (the
///   default `unreachable_after`) are therefore noticed within about one interval, and a domain whose DNS
///   stays broken is polled less often, not more. Its first good poll puts it back on its slot.
///
/// Pure: no clock, no I/O. Times are epoch seconds.
public struct PollSchedule: Sendable, Hashable {
    /// The back-off base as a fraction of the interval.
    public var backoffDivisor: Int64 = 8
    /// The back-off cap, in intervals.
    public var backoffCapIntervals: Int64 = 4

    public init() {}

    /// The domain's offset inside its interval, in `0..<interval`, stable across runs and machines.
    public static func phase(of domain: String, interval: Int) -> Int64 {
        let interval = UInt64(max(interval, 1))
        var hash = FNV1a()
        hash.add(domain.lowercased())
        return Int64(hash.value % interval)
    }

    /// The first of the domain's slots at or after `time`.
    public static func slot(atOrAfter time: Int64, domain: String, interval: Int) -> Int64 {
        let length = Int64(max(interval, 1))
        let phase = Self.phase(of: domain, interval: interval)
        // Floor division, so times before the epoch phase still land on a slot.
        let k = (time - phase + length - 1).floorDivided(by: length)
        return phase + k * length
    }

    /// When to poll next, after a poll that started at `polledAt` and left `consecutiveTempFailures`
    /// failures in a row (0 when it reached a verdict).
    public func nextPoll(domain: String, interval: Int, polledAt: Int64, consecutiveTempFailures: Int) -> Int64 {
        let length = Int64(max(interval, 1))
        guard consecutiveTempFailures > 0 else {
            return Self.slot(atOrAfter: polledAt + length / 2, domain: domain, interval: interval)
        }
        return polledAt + backoff(interval: interval, failures: consecutiveTempFailures)
    }

    /// The delay before the next try after `failures` temporary failures in a row (failures ≥ 1).
    public func backoff(interval: Int, failures: Int) -> Int64 {
        let length = Int64(max(interval, 1))
        let base = max(length / backoffDivisor, 1)
        let cap = length * backoffCapIntervals
        let doublings = min(max(failures - 1, 0), 40)
        let delay = base.multipliedReportingOverflow(by: Int64(1) << doublings)
        return delay.overflow ? cap : min(delay.partialValue, cap)
    }

    /// True when a domain with this stored next-poll time is due at `now`; never-polled domains (nil) are due.
    public static func isDue(nextPollAt: Int64?, now: Int64) -> Bool {
        guard let nextPollAt else { return true }
        return nextPollAt <= now
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
