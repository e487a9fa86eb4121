import Audit
import Foundation
import Yams

extension MonitorLoader {
    /// Settings keys for the findings drawn from ingested reports (see Monitors/README.md).
    static let observedSettingsKeys = ["observed_min_messages", "observed_window", "stale_after", "tlsrpt_min_sessions",
                                       "tlsrpt_min_percent", "tlsrpt_error_percent"]

    static func parseObservedSettings(_ entries: [String: Node], into settings: inout MonitorSettings, _ reader: YAMLReader) {
        if let node = entries["observed_min_messages"] {
            settings.observed.minMessages = reader.int(node, "settings.observed_min_messages", range: 1...1_000_000_000) ?? settings.observed.minMessages
        }
        if let node = entries["tlsrpt_min_sessions"] {
            settings.tlsReports.minSessions = reader.int(node, "settings.tlsrpt_min_sessions", range: 1...1_000_000_000)
                ?? settings.tlsReports.minSessions
        }
        for (key, keyPath) in [("tlsrpt_min_percent", \TLSReportThresholds.minShare), ("tlsrpt_error_percent", \TLSReportThresholds.errorShare)] {
            guard let node = entries[key], let text = reader.string(node, "settings.\(key)") else { continue }
            let number = text.hasSuffix("%") ? String(text.dropLast()) : text
            if let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0, value <= 100 {
                settings.tlsReports[keyPath: keyPath] = value / 100
            } else {
                reader.problem(node, "settings.\(key)", "expected a percentage above 0 and at most 100, such as 1 or 2.5%, found \"\(text.prefix(40))\"")
            }
        }
        if settings.tlsReports.errorShare < settings.tlsReports.minShare, let node = entries["tlsrpt_error_percent"] ?? entries["tlsrpt_min_percent"] {
            reader.problem(node, "settings.tlsrpt_error_percent", "tlsrpt_error_percent must not be below tlsrpt_min_percent")
        }
        for (key, keyPath) in [("observed_window", \ObservedThresholds.windowDays), ("stale_after", \ObservedThresholds.staleDays)] {
            guard let node = entries[key], let text = reader.string(node, "settings.\(key)") else { continue }
            if let seconds = parseDuration(text), seconds >= 86400, seconds % 86400 == 0, seconds <= 3650 * 86400 {
                settings.observed[keyPath: keyPath] = seconds / 86400
            } else {
                reader.problem(node, "settings.\(key)", "expected a whole number of days from 1d to 3650d, such as 30d, found \"\(text)\"")
            }
        }
    }
}
