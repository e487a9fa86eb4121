import Foundation
import MonitorConfig
import Testing

/// A monitor file that is not valid YAML is an error at its line and column, never a file without domains
/// (issue 13: every case below loaded as an empty file, and `apply --prune` removed the file's domains).
@Suite struct YAMLErrorTests {
    func write(_ yaml: String, name: String = "broken.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [
        ("domain: a.example\nsenders: [ { ip: 192.0.2.1 }\n", "3:1", "the [ opened at line 2, column 10 is not closed with ]"),
        ("domain: a.example\nexpect: { spf_all: \"-all\"\nsenders: []\n", "3:1", "the { opened at line 2, column 9 is not closed with }"),
        ("domain: a.example\nsenders:\n  - { name: \"CRM, ip: 192.0.2.1 }\n", "4:1", "the quote opened at line 3, column 13 is not closed"),
        ("domain: a.example\nsenders:\n\t- { ip: 192.0.2.1 }\n", "3:1", "a tab character: YAML indents with spaces only"),
        ("domain: a.example\n---\ndomain: b.example\nsenders: [ { ip: 192.0.2.1 }\n", "5:1", "is not closed with ]"),
    ])
    func syntaxErrorIsLocated(yaml: String, at: String, hint: String) throws {
        let path = try write(yaml)
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [path]) }
        #expect(error.problems.count == 1, "\(error.description)")
        let text = error.description
        #expect(text.hasPrefix("\(path):\(at): not valid YAML: "), "\(text)")
        #expect(text.contains(hint), "\(text)")
    }

    /// The valid documents of a file with one broken document are not used either: a file counts whole or not at all.
    @Test func brokenDocumentDiscardsTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sw-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "domain: good.example\n".write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "domain: b.example\n---\ndomain: [c.example\n".write(to: directory.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [directory.path]) }
        #expect(error.problems.map(\.file) == [directory.appendingPathComponent("b.yaml").path])
    }

    /// Files that are valid YAML still load, empty ones included.
    @Test func validFilesStillLoad() throws {
        #expect(try MonitorLoader.load(paths: [try write("# nothing yet\n")]).domains.isEmpty)
        let two = try MonitorLoader.load(paths: [try write("domain: a.example\n---\ndomain: b.example\n")])
        #expect(two.domains.map(\.name.text) == ["a.example", "b.example"])
    }

    /// The names of monitor files follow the mail-domain rule; a CIDR with host bits set is a typo.
    @Test(arguments: [
        ("domain: brightpath.example..\n", "1:9: domain: \"brightpath.example..\" is not a domain name: label 3 is empty"),
        ("domain: 1.2.3.4\n", "1:9: domain: \"1.2.3.4\" is an IP address"),
        ("domain: \"*.example\"\n", "1:9: domain: \"*.example\" is a wildcard"),
        ("domain: bücher.example\n", "xn--bcher-kva.example"),
        ("domain: a.example\nsenders: [ { cidr: 192.0.2.1/24 } ]\n",
         "2:20: senders[0].cidr: \"192.0.2.1/24\" has host bits set: the network is 192.0.2.0/24 (write that, or ip: 192.0.2.1"),
        ("domain: a.example\nsenders: [ { include: \"*.spf.example\" } ]\n", "senders[0].include: \"*.spf.example\" is a wildcard"),
    ])
    func namesAndNetworks(yaml: String, message: String) throws {
        let path = try write(yaml)
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [path]) }
        #expect(error.description.contains(message), "\(error.description)")
    }

    @Test func settingsForPruningAndDelivery() throws {
        let path = try write("settings:\n  prune_max_percent: 10\n  removed_retention: 7d\n  alert_timeout: 4s\n", name: "settings.yaml")
        let settings = try MonitorLoader.load(paths: [path]).settings
        #expect(settings.pruning.maxPercent == 10 && settings.pruning.retention == 7 * 86400)
        #expect(settings.alertTimeouts.total == 4 && settings.alertTimeouts.connect == 3)
        let bad = try write("settings:\n  prune_max_percent: 120\n  removed_retention: 12h\n", name: "settings.yaml")
        let error = try #require(throws: MonitorFileError.self) { try MonitorLoader.load(paths: [bad]) }
        #expect(error.problems.count == 2, "\(error.description)")
        #expect(error.description.contains("\(bad):2:22: settings.prune_max_percent: expected a whole number from 0 to 100"))
    }
}
