import Monitor
import MonitorConfig
import Snapshots
import Testing

/// The scheduler's timing rule, with a clock that is just a number: spread, stability, settling on the slot,
/// catch-up once after a pause, and back-off on temporary failures.
@Suite struct PollScheduleTests {
    static let names = (0..<10_000).map { "d\($0).bench.example" }

    @Test func tenThousandDomainsSpreadOverTheHour() {
        // Sixty one-minute buckets of an hour: ~166.7 domains each if the phases are uniform.
        var buckets = [Int](repeating: 0, count: 60)
        for name in Self.names { buckets[Int(PollSchedule.phase(of: name, interval: 3600) / 60)] += 1 }
        let mean = Double(Self.names.count) / 60
        #expect(Double(buckets.max()!) < mean * 1.35, "busiest minute \(buckets.max()!) vs mean \(mean)")
        #expect(Double(buckets.min()!) > mean * 0.65, "quietest minute \(buckets.min()!) vs mean \(mean)")
        // And not all at the top of the hour: the first minute holds about a sixtieth, not everything.
        #expect(buckets[0] < 300)
    }

    @Test func phaseIsStableAndInsideTheInterval() {
        for name in Self.names.prefix(500) {
            let phase = PollSchedule.phase(of: name, interval: 900)
            #expect((0..<900).contains(phase))
            #expect(PollSchedule.phase(of: name, interval: 900) == phase)
            #expect(PollSchedule.phase(of: name.uppercased(), interval: 900) == phase, "case does not move a domain")
        }
        // Fixed values: a restart, or another machine, computes the same offsets (FNV-1a 64 of the name).
        #expect(PollSchedule.phase(of: "example.com", interval: 3600) == PollSchedule.phase(of: "example.com", interval: 3600))
        #expect(PollSchedule.phase(of: "a", interval: 1) == 0)
    }

    @Test func slotsAreThePhasePlusWholeIntervals() {
        let name = "example.com", interval = 600
        let phase = PollSchedule.phase(of: name, interval: interval)
        let base: Int64 = 1_800_000_000 - 1_800_000_000 % 600
        #expect(PollSchedule.slot(atOrAfter: base + phase, domain: name, interval: interval) == base + phase)
        #expect(PollSchedule.slot(atOrAfter: base + phase + 1, domain: name, interval: interval) == base + phase + 600)
        #expect(PollSchedule.slot(atOrAfter: base + phase - 1, domain: name, interval: interval) == base + phase)
    }

    @Test func aPollOnItsSlotIsFollowedByTheNextSlot() {
        let schedule = PollSchedule()
        let name = "crm.example.org", interval = 3600
        let slot = PollSchedule.slot(atOrAfter: 1_800_000_000, domain: name, interval: interval)
        // On time, or late by less than half an interval: the next slot, one interval on.
        #expect(schedule.nextPoll(domain: name, interval: interval, polledAt: slot, consecutiveTempFailures: 0) == slot + 3600)
        #expect(schedule.nextPoll(domain: name, interval: interval, polledAt: slot + 1200, consecutiveTempFailures: 0) == slot + 3600)
    }

    @Test func aFirstPollSettlesOnTheSlotWithinHalfToOneAndAHalfIntervals() {
        let schedule = PollSchedule()
        for (index, name) in Self.names.prefix(1000).enumerated() {
            let polledAt: Int64 = 1_800_000_000 + Int64(index)
            let next = schedule.nextPoll(domain: name, interval: 120, polledAt: polledAt, consecutiveTempFailures: 0)
            #expect(next - polledAt >= 60 && next - polledAt < 180)
            #expect((next - PollSchedule.phase(of: name, interval: 120)) % 120 == 0, "lands on its slot")
        }
    }

    /// A domain polled at 10:00 on its slot, then the daemon stops for five hours: at restart the domain is
    /// due once; after that one poll it is not due again until its next slot, so five missed polls are
    /// caught up by one, not replayed.
    @Test func missedPollsAfterAPauseAreCaughtUpOnce() {
        let schedule = PollSchedule()
        let name = "paused.example", interval = 3600
        let slot = PollSchedule.slot(atOrAfter: 1_800_000_000, domain: name, interval: interval)
        var next = schedule.nextPoll(domain: name, interval: interval, polledAt: slot, consecutiveTempFailures: 0)
        let restart = slot + 5 * 3600 + 17
        var polls: [Int64] = []
        var now = restart
        // Drive a clock second by second for two hours after the restart, polling whenever due.
        while now < restart + 2 * 3600 {
            if PollSchedule.isDue(nextPollAt: next, now: now) {
                polls.append(now)
                next = schedule.nextPoll(domain: name, interval: interval, polledAt: now, consecutiveTempFailures: 0)
            }
            now += 1
        }
        #expect(polls.first == restart, "the overdue domain is polled at once")
        #expect(polls.count <= 3, "one catch-up, then one per interval: \(polls)")
        #expect(polls.dropFirst().allSatisfy { ($0 - PollSchedule.phase(of: name, interval: interval)) % 3600 == 0 })
    }

    @Test func temporaryFailuresBackOffAndAreCapped() {
        let schedule = PollSchedule()
        let delays = (1...8).map { schedule.backoff(interval: 3600, failures: $0) }
        #expect(delays == [450, 900, 1800, 3600, 7200, 14400, 14400, 14400])
        #expect(schedule.nextPoll(domain: "x.example", interval: 3600, polledAt: 1000, consecutiveTempFailures: 2) == 1900)
        // Three failures in a row (dns.unreachable's default) fit in about one interval.
        #expect(delays.prefix(3).reduce(0, +) < 3600)
        // Short intervals never back off to zero, and huge failure counts do not overflow.
        #expect(schedule.backoff(interval: 3, failures: 1) == 1)
        #expect(schedule.backoff(interval: 3600, failures: 10_000) == 14400)
    }

    @Test func neverPolledDomainsAreDue() {
        #expect(PollSchedule.isDue(nextPollAt: nil, now: 0))
        #expect(PollSchedule.isDue(nextPollAt: 100, now: 100))
        #expect(!PollSchedule.isDue(nextPollAt: 101, now: 100))
    }
}
