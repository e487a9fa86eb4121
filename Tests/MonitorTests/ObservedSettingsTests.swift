import Audit
import Foundation
import Monitor
import MonitorConfig
import Snapshots
import Testing

/// The settings that tune the observed-sender findings, and the located errors for bad values.
@Suite struct ObservedSettingsTests {
    func write(_ yaml: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-observed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("settings.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsAndValues() throws {
        let none = try MonitorLoader.load(paths: [try write("settings:\n  default_interval: 1h\n")])
        #expect(none.settings.observed == ObservedThresholds(minMessages: 10, windowDays: 30, staleDays: 30))
        let set = try MonitorLoader.load(paths: [try write("settings:\n  observed_min_messages: 3\n  observed_window: 14d\n  stale_after: 60d\n")])
        #expect(set.settings.observed == ObservedThresholds(minMessages: 3, windowDays: 14, staleDays: 60))
    }

    @Test func badValuesArePointedAt() throws {
        let path = try write("settings:\n  observed_min_messages: 0\n  observed_window: 36h\n  stale_after: soon\n")
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [path]) }
        let text = error.description
        #expect(error.problems.count == 3, "\(text)")
        #expect(text.contains("\(path):2:"), "\(text)")
        #expect(text.contains("\(path):3:") && text.contains("whole number of days"), "\(text)")
        #expect(text.contains("\(path):4:") && text.contains("\"soon\""), "\(text)")
    }
}
