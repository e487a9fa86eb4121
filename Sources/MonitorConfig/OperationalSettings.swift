import Alerting
import Yams

extension MonitorLoader {
    /// Settings keys for pruning and alert delivery (see Monitors/README.md, Settings).
    static let operationalSettingsKeys = ["prune_max_percent", "removed_retention", "alert_connect_timeout", "alert_timeout"]

    static func parseOperationalSettings(_ entries: [String: Node], into settings: inout MonitorSettings,
                                         _ reader: YAMLReader) {
        if let node = entries["prune_max_percent"] {
            settings.pruning.maxPercent = reader.int(node, "settings.prune_max_percent", range: 0...100)
                ?? settings.pruning.maxPercent
        }
        if let node = entries["removed_retention"], let text = reader.string(node, "settings.removed_retention") {
            if let seconds = parseDuration(text), seconds >= 86400, seconds % 86400 == 0, seconds <= 3650 * 86400 {
                settings.pruning.retention = seconds
            } else {
                reader.problem(node, "settings.removed_retention",
                               "expected a whole number of days from 1d to 3650d, such as 30d, found \"\(text)\"")
            }
        }
        if let node = entries["alert_connect_timeout"] {
            settings.alertTimeouts.connect = AlertRoutesLoader.timeout(node, "settings.alert_connect_timeout", reader)
                ?? settings.alertTimeouts.connect
        }
        if let node = entries["alert_timeout"] {
            settings.alertTimeouts.total = AlertRoutesLoader.timeout(node, "settings.alert_timeout", reader)
                ?? settings.alertTimeouts.total
        }
    }
}
