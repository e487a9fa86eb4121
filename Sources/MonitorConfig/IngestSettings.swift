import AuthReports
import Foundation
import Yams

extension MonitorLoader {
    /// Settings keys for reading outside input: `ingest_limits` (a mapping of `ReportLimits` keys) and
    /// `trusted_receivers` (the authserv-ids and hosts whose verdicts `headers` believes). Monitors/README.md.
    static let ingestSettingsKeys = ["ingest_limits", "trusted_receivers", "failure_report_headers"]

    /// The most a limit may be raised to: sizes up to 64 GiB, counts and ratios up to a billion.
    static let maximumLimit = 64 << 30

    static func parseIngestSettings(_ entries: [String: Node], into settings: inout MonitorSettings, _ reader: YAMLReader) {
        if let node = entries["trusted_receivers"] {
            for (index, item) in reader.list(node, "settings.trusted_receivers").enumerated() {
                let path = "settings.trusted_receivers[\(index)]"
                guard let text = reader.string(item, path) else { continue }
                let name = text.trimmingCharacters(in: .whitespaces).lowercased()
                if name.isEmpty || name.contains(" ") || !name.contains(".") {
                    reader.problem(item, path,
                                   "expected a host name or authserv-id such as mx.example.com, found \"\(text)\"")
                } else {
                    settings.trustedReceivers.append(name)
                }
            }
        }
        if let node = entries["failure_report_headers"], let text = reader.string(node, "settings.failure_report_headers") {
            switch text.lowercased() {
            case "true", "yes", "on": settings.keepFailureReportHeaders = true
            case "false", "no", "off": settings.keepFailureReportHeaders = false
            default: reader.problem(node, "settings.failure_report_headers", "expected true or false, found \"\(text.prefix(40))\"")
            }
        }
        guard let node = entries["ingest_limits"] else { return }
        let keys = ReportLimits.keys
        guard let limits = reader.mapping(node, "settings.ingest_limits", allowed: keys.map(\.key)) else { return }
        for (key, path) in keys {
            guard let value = limits[key], let text = reader.string(value, "settings.ingest_limits.\(key)") else { continue }
            if let number = parseSize(text), number >= 1, number <= maximumLimit {
                settings.ingestLimits[keyPath: path] = number
            } else {
                reader.problem(value, "settings.ingest_limits.\(key)", "expected a whole number from 1 to \(maximumLimit), "
                    + "optionally with KiB, MiB or GiB (such as 512MiB), found \"\(text)\"")
            }
        }
    }
}
