import DNSCore
import Foundation

/// One line of `observed_sender`: what a reporter saw from one source on one day, every attribute a
/// postmaster filters by. Absent values are ''.
public struct ObservedKey: Hashable, Sendable, Codable {
    public var domain: String
    /// UTC day, YYYY-MM-DD.
    public var day: String
    public var sourceIP: String
    public var headerFrom: String
    public var envelopeFrom: String
    /// DMARC-aligned verdicts (`pass` / `fail`), from `<policy_evaluated>`.
    public var dkimAligned: String
    public var spfAligned: String
    /// The raw verdicts from `<auth_results>` and the domain each was for.
    public var dkimResult: String
    public var dkimDomain: String
    public var spfResult: String
    public var spfDomain: String
    /// What the receiver did: `none`, `quarantine`, `reject`.
    public var disposition: String
    /// The reporting organisation, or `message headers` for `senderwatch headers --record`.
    public var reporter: String

    public init(domain: String, day: String, sourceIP: String, headerFrom: String = "", envelopeFrom: String = "",
                dkimAligned: String = "", spfAligned: String = "", dkimResult: String = "", dkimDomain: String = "",
                spfResult: String = "", spfDomain: String = "", disposition: String = "", reporter: String = "") {
        self.domain = domain; self.day = day; self.sourceIP = sourceIP; self.headerFrom = headerFrom
        self.envelopeFrom = envelopeFrom; self.dkimAligned = dkimAligned; self.spfAligned = spfAligned
        self.dkimResult = dkimResult; self.dkimDomain = dkimDomain; self.spfResult = spfResult
        self.spfDomain = spfDomain; self.disposition = disposition; self.reporter = reporter
    }
}

/// UTC calendar days without Foundation's calendar (hot in ingestion): days since 1970-01-01 to YYYY-MM-DD.
public enum UTCDay {
    /// Floor division, safe for every Int64 (the day of `Int64.min` is computed without overflow).
    public static func number(_ epochSeconds: Int64) -> Int64 {
        epochSeconds >= 0 ? epochSeconds / 86400 : -((-(epochSeconds + 1)) / 86400) - 1
    }

    /// Howard Hinnant's civil-from-days.
    public static func text(dayNumber: Int64) -> String {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    public static func text(epochSeconds: Int64) -> String { text(dayNumber: number(epochSeconds)) }

    /// Parses YYYY-MM-DD; nil when it is not a real date.
    public static func dayNumber(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let number = CivilDay.number(year: y, month: m, day: d)
        return Self.text(dayNumber: number) == text ? number : nil
    }

    /// How a report's date range is spread over UTC days: a range up to 25 hours counts on the day of its
    /// midpoint (most reporters send midnight to midnight, some 24 hours from any hour); a longer one on every
    /// day it touches, weighted by the seconds it covers. Nil for a reversed range, one that touches more than
    /// `maximumDays` days, or dates beyond a million years, so the loop is bounded whatever the input.
    public static func spread(begin: Int64, end: Int64, maximumDays: Int64 = 400) -> [(day: Int64, weight: Int64)]? {
        let bound: Int64 = 31_556_952_000_000
        guard end >= begin, begin > -bound, end < bound, (end - begin) / 86400 < maximumDays else { return nil }
        guard end - begin > 90_000 else { return [(number(begin + (end - begin) / 2), 1)] }
        var days: [(Int64, Int64)] = []
        var day = number(begin)
        while day * 86400 < end {
            let from = max(begin, day * 86400), to = min(end, (day + 1) * 86400)
            if to > from { days.append((day, to - from)) }
            day += 1
        }
        return days
    }

    /// `count` split in proportion to `weights`, largest remainders first (ties to the earlier day).
    public static func split(_ count: Int, weights: [Int64]) -> [Int] {
        guard weights.count > 1 else { return [count] }
        let total = weights.reduce(0, +)
        var shares = weights.map { Int(Int64(count) * $0 / total) }
        var left = count - shares.reduce(0, +)
        let order = weights.indices.sorted {
            let a = Int64(count) * weights[$0] % total, b = Int64(count) * weights[$1] % total
            return a != b ? a > b : $0 < $1
        }
        for index in order where left > 0 { shares[index] += 1; left -= 1 }
        return shares
    }
}
