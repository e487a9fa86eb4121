/// The ranges a report's numbers and dates can hold, and their readers with checked arithmetic. A value out of
/// its possible range rejects the report; a possible but implausible one is kept with a warning.
public enum ReportValues {
    /// 1990-01-01T00:00:00Z: no aggregate report (RFC 7489 appendix C) covers an earlier day.
    public static let earliestDate: Int64 = 631_152_000
    /// 2100-01-01T00:00:00Z.
    public static let latestDate: Int64 = 4_102_444_800
    /// The most messages one record, one report or one stored line can count: 10^12, more than the whole
    /// world's mail of a day. Stored counts and every sum read back saturate here, so no sum overflows.
    public static let maximumMessages = 1_000_000_000_000
    /// A record counting more messages than this is kept, with a warning.
    public static let implausibleRecordMessages = 100_000_000
    /// A date range (end - begin) of more days than this is kept, with a warning (RFC 7489 section 7.2 asks
    /// for daily reports; weekly ones are seen).
    public static let implausibleRangeDays: Int64 = 31
    /// The longest date range a report may cover: a report spread over more days is rejected.
    public static let maximumRangeDays: Int64 = 366
    /// Identifiers (org_name, email, report_id, domains, addresses) longer than this are rejected: no real
    /// reporter sends them, and they would be stored and printed with every result.
    public static let maximumIdentifierBytes = 1024
    /// Free text (human_result, comments, errors, extra contact info) is cut to this many bytes, with a warning.
    public static let maximumFreeTextBytes = 1024

    /// What a number in a report turned out to be.
    public enum Reading<Value: Sendable & Equatable>: Sendable, Equatable {
        case value(Value)
        /// Not written as a number at all.
        case notANumber
        /// A number, but outside the range the field can hold.
        case outOfRange
    }

    /// A `<count>`: plain decimal digits, at most `maximumMessages`.
    public static func count<C: Collection<UInt8>>(_ digits: C) -> Reading<Int> {
        guard !digits.isEmpty else { return .notANumber }
        var value = 0
        var tooLarge = false
        for byte in digits {
            let digit = byte &- 0x30
            guard digit <= 9 else { return .notANumber }
            if tooLarge { continue }
            value = value * 10 + Int(digit)
            // 10^12 * 10 + 9 fits an Int: checking after each digit keeps every step exact.
            if value > maximumMessages { tooLarge = true }
        }
        return tooLarge ? .outOfRange : .value(value)
    }

    /// A date: epoch seconds (some reporters add a fraction, `1530133200.0`), within 1990..2100.
    public static func date(_ text: String) -> Reading<Int64> {
        if let value = Int64(text) {
            return (earliestDate...latestDate).contains(value) ? .value(value) : .outOfRange
        }
        // `1e19` is a Double too: compare before converting, since Int64(1e19) traps.
        guard let value = Double(text), value.isFinite else { return .notANumber }
        guard value >= Double(earliestDate), value <= Double(latestDate) else { return .outOfRange }
        return .value(Int64(value))
    }

    /// `a + b`, or nil when the sum passes `maximumMessages` (or an Int).
    public static func addMessages(_ a: Int, _ b: Int) -> Int? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow || sum > maximumMessages ? nil : sum
    }

    /// `a + b`, held at `maximumMessages`: for sums read back from storage.
    public static func saturatingMessages(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? 0 : maximumMessages) : min(max(sum, 0), maximumMessages)
    }

    /// A value for a message, cut so a hostile 50 MB field is never echoed whole.
    static func shown(_ text: String) -> String {
        let limit = 60
        guard text.utf8.count > limit else { return "'\(text)'" }
        return "'\(String(decoding: text.utf8.prefix(limit), as: UTF8.self))...' (\(text.utf8.count) bytes)"
    }
}
