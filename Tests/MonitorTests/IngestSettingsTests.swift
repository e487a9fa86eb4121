import Audit
import AuthReports
import Foundation
import MonitorConfig
import Testing

/// `ingest_limits:` and `trusted_receivers:` in the settings file, with located errors for bad values, and
/// durations that would overflow refused rather than trapping.
@Suite struct IngestSettingsTests {
    func write(_ yaml: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("settings.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsAndValues() throws {
        let none = try MonitorLoader.load(paths: [try write("settings:\n  default_interval: 1h\n")])
        #expect(none.settings.ingestLimits == ReportLimits())
        #expect(none.settings.trustedReceivers.isEmpty)
        #expect(!none.settings.keepFailureReportHeaders && !none.settings.reportReader.keepFailureHeaders,
                "failure reports' headers are personal data: not kept unless asked")
        let yaml = """
            settings:
              ingest_limits:
                report_bytes: 2GiB
                text_bytes: 64KiB
                element_depth: 16
                zip_entries: 8
                tlsrpt_bytes: 1MiB
              trusted_receivers: [mx.example.com, Google.com]
              failure_report_headers: yes
              tlsrpt_min_sessions: 20
              tlsrpt_min_percent: 2.5%
              tlsrpt_error_percent: 25
            """
        let set = try MonitorLoader.load(paths: [try write(yaml)]).settings
        #expect(set.ingestLimits.reportBytes == 2 << 30 && set.ingestLimits.textBytes == 64 << 10)
        #expect(set.ingestLimits.elementDepth == 16 && set.ingestLimits.zipEntries == 8)
        #expect(set.ingestLimits.records == ReportLimits().records, "keys not given keep their defaults")
        #expect(set.trustedReceivers == ["mx.example.com", "google.com"])
        #expect(set.ingestLimits.tlsReportBytes == 1 << 20)
        #expect(set.reportReader.keepFailureHeaders && set.reportReader.limits == set.ingestLimits)
        #expect(set.tlsReports == TLSReportThresholds(minSessions: 20, minShare: 0.025, errorShare: 0.25))
        #expect(none.settings.tlsReports == TLSReportThresholds())
    }

    @Test func badValuesArePointedAt() throws {
        let path = try write("""
            settings:
              ingest_limits:
                records: 0
                text_bytes: 99999999999999999999GiB
                depth: 5
              trusted_receivers: [not a host]
              failure_report_headers: sometimes
              tlsrpt_min_percent: 120
            """)
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [path]) }
        let text = error.description
        #expect(error.problems.count == 6, "\(text)")
        #expect(text.contains("\(path):8:") && text.contains("tlsrpt_min_percent") && text.contains("\"120\""), "\(text)")
        #expect(text.contains("\(path):7:") && text.contains("failure_report_headers") && text.contains("\"sometimes\""), "\(text)")
        #expect(text.contains("\(path):3:") && text.contains("ingest_limits.records"), "\(text)")
        #expect(text.contains("\(path):4:") && text.contains("99999999999999999999GiB"), "\(text)")
        #expect(text.contains("unknown key \"depth\"") && text.contains("element_depth"), "\(text)")
        #expect(text.contains("\(path):6:") && text.contains("\"not a host\""), "\(text)")
    }

    /// `parseDuration` used to add and multiply unchecked: `9999999999999999d` trapped the loader.
    @Test func overflowingDurationsAreRefused() throws {
        for duration in ["9999999999999999d", "106751991167301d", "99999999999999999999s", "1d9223372036854775807s"] {
            let path = try write("settings:\n  default_interval: \(duration)\n  observed_window: \(duration)\n")
            let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [path]) }
            #expect(error.problems.count == 2, "\(duration): \(error)")
        }
        let path = try write("settings:\n  default_interval: 1h30m\n")
        #expect(try MonitorLoader.load(paths: [path]).settings.defaultInterval == 5400)
    }
}
