import Audit
import Yams

extension MonitorLoader {
    /// Settings keys for the findings drawn from ingested reports (see Monitors/README.md).
    static let observedSettingsKeys = ["observed_min_messages", "observed_window", "stale_after"]

    static func parseObservedSettings(_ entries: [String: Node], into settings: inout MonitorSettings, _ reader: YAMLReader) {
        if let node = entries["observed_min_messages"] {
            settings.observed.minMessages = reader.int(node, "settings.observed_min_messages", range: 1...1_000_000_000) ?? settings.observed.minMessages
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
