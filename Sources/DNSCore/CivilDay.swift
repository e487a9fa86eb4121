/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil), the one place
/// the calendar arithmetic lives: report days (`UTCDay`), RFC 3339 and RFC 5322 dates read from reports.
/// The caller checks the ranges; a year within ±10^12 cannot overflow.
public enum CivilDay {
    public static func number(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days of `month` (1...12) in `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
