import Foundation
import MonitorConfig
import Testing

/// The settings file's DNSSEC keys: their values, and a clear error for each bad one.
@Suite struct DNSSECSettingsTests {
    static func load(_ settings: String) throws -> MonitorConfiguration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-dnssec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("settings.yaml")
        try "settings:\n\(settings)".write(to: file, atomically: true, encoding: .utf8)
        return try MonitorLoader.load(paths: [file.path])
    }

    @Test func valuesAndDefaults() throws {
        let none = try Self.load("  timeout: 5\n").settings
        #expect(none.dnssec == nil && none.dnssecWarningDays == 7 && none.dnssecErrorDays == 2)
        let set = try Self.load("  dnssec: true\n  dnssec_warning_days: 10\n  dnssec_error_days: 3\n").settings
        #expect(set.dnssec == true && set.dnssecWarningDays == 10 && set.dnssecErrorDays == 3)
        let anchored = try Self.load("  dnssec_trust_anchor: keys/root.ds\n").settings
        #expect(anchored.dnssec == true, "a trust anchor turns validation on")
        #expect(anchored.dnssecTrustAnchor?.hasSuffix("/keys/root.ds") == true, "relative to the settings file")
    }

    @Test(arguments: [
        ("  dnssec: maybe\n", "settings.dnssec: expected true or false"),
        ("  dnssec_warning_days: 0\n", "settings.dnssec_warning_days"),
        ("  dnssec_error_days: 9\n", "expected fewer days than dnssec_warning_days (7), found 9"),
    ])
    func badValuesSayWhatWasExpected(_ text: String, _ expected: String) {
        do {
            _ = try Self.load(text)
            Issue.record("\(text) loaded")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
