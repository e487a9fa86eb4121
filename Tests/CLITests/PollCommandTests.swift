import Foundation
import Testing

/// apply and poll through the binary, offline from a copy of the demo zones that the tests edit.
@Suite struct PollCommandTests {
    struct Workspace {
        let root: URL
        var zones: URL { root.appendingPathComponent("zones") }
        var database: String { root.appendingPathComponent("sw.sqlite").path }

        init() throws {
            root = try CLIRunner.temporaryDirectory()
            try FileManager.default.copyItem(atPath: CLIRunner.demoZones, toPath: zones.path)
        }

        func run(_ arguments: [String]) throws -> CLIRunner.Output {
            try CLIRunner.run(arguments + ["--db", database])
        }

        func poll(_ extra: [String] = []) throws -> CLIRunner.Output {
            try run(["poll", "--zone", zones.path] + extra)
        }

        /// Rewrites one zone file with a replacement.
        func edit(_ file: String, _ old: String, _ new: String) throws {
            let url = zones.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.contains(old), "fixture \(file) contains the text to replace")
            try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
        }

        func cleanup() { try? FileManager.default.removeItem(at: root) }
    }

    func openFindings(_ ws: Workspace) throws -> [[String: Any]] {
        let output = try ws.run(["findings", "--open", "--json"])
        return (try output.json()["items"] as? [[String: Any]]) ?? []
    }

    @Test func applyIsIdempotentAndPointsAtMistakes() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let first = try ws.run(["apply", CLIRunner.demoMonitors, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let entries = try first.json()["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == 4)
        #expect(entries.allSatisfy { $0["action"] as? String == "added" })
        let second = try ws.run(["apply", CLIRunner.demoMonitors, "--json"])
        let again = try second.json()["entries"] as? [[String: Any]] ?? []
        #expect(again.allSatisfy { $0["action"] as? String == "unchanged" }, "\(again)")

        let bad = ws.root.appendingPathComponent("bad.yaml")
        try """
        domain: example.com
        interval: 5 minutes
        senders:
          - { name: Relay, ip: 203.0.113.300 }
          - { cidr: 198.51.100.0/28, include: x.example }
          - { name: Typo, hots: mail.example.com }
        """.write(to: bad, atomically: true, encoding: .utf8)
        let failed = try ws.run(["apply", bad.path])
        #expect(failed.status == 2)
        #expect(failed.stderr.contains("bad.yaml:2:11: interval: expected a duration"), "\(failed.stderr)")
        #expect(failed.stderr.contains("bad.yaml:4:24: senders[0].ip: \"203.0.113.300\" is not an IP address"), "\(failed.stderr)")
        #expect(failed.stderr.contains("senders[1]: a sender has exactly one of"), "\(failed.stderr)")
        #expect(failed.stderr.contains("senders[2].hots: unknown key \"hots\""), "\(failed.stderr)")
        let list = try ws.run(["domains", "list", "--json"])
        #expect((try list.json()["items"] as? [[String: Any]])?.count == 4, "a failed apply writes nothing")
    }

    @Test func pollOpensStillsAndResolvesFindings() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        _ = try ws.run(["apply", CLIRunner.demoMonitors])
        let first = try ws.poll(["--json"])
        #expect(first.status == 1, "\(first.stderr)")
        let open = try openFindings(ws)
        let crm = open.first { ($0["kind"] as? String) == "spf.sender-unauthorized" && ($0["domain"] as? String) == "brightpath.example" }
        #expect((crm?["message"] as? String)?.contains("CRM invoices") == true)
        #expect((crm?["message"] as? String)?.contains("softfail") == true)
        #expect(open.contains { $0["kind"] as? String == "spf.lookup-limit" && $0["domain"] as? String == "ledgerly.example" })
        #expect(open.contains { $0["kind"] as? String == "dmarc.invalid" && $0["domain"] as? String == "harborline.example" })

        // Nothing is due right after a poll; --all polls again and finds nothing new.
        let notDue = try ws.poll(["--json"])
        #expect((try notDue.json()["domains"] as? [[String: Any]])?.isEmpty == true)
        let second = try ws.poll(["--all", "--json"])
        let domains = try second.json()["domains"] as? [[String: Any]] ?? []
        #expect(domains.allSatisfy { ($0["opened"] as? [Any])?.isEmpty == true }, "second poll opens nothing")
        #expect(try openFindings(ws).count == open.count)

        // Fix the CRM problem in DNS: the finding resolves and a record.changed drift finding opens.
        try ws.edit("brightpath.example.zone", "ip4:203.0.113.10 include", "ip4:203.0.113.10 a:crm-mailer.crmcloud.example include")
        let third = try ws.poll(["--all", "--json"])
        let bright = (try third.json()["domains"] as? [[String: Any]] ?? []).first { $0["domain"] as? String == "brightpath.example" }
        let resolved = (bright?["resolved"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        let opened = (bright?["opened"] as? [[String: Any]] ?? [])
        #expect(resolved.contains("spf.sender-unauthorized"))
        let drift = opened.first { $0["kind"] as? String == "record.changed" }
        #expect((drift?["message"] as? String)?.contains("added a:crm-mailer.crmcloud.example") == true)

        let history = try ws.run(["history", "brightpath.example", "--json"])
        let observations = try history.json()["observations"] as? [[String: Any]] ?? []
        #expect(observations.count == 2, "unchanged polls share one observation")
        #expect(observations.first?["polls"] as? Int == 1)
        #expect(observations.last?["polls"] as? Int == 2)
    }

    @Test func aSecondPollWhileOneRunsExitsZero() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        _ = try ws.run(["apply", CLIRunner.demoMonitors])
        // Hold the lock from this process, as a running poll would.
        let fd = open(ws.database + ".lock", O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        defer { flock(fd, LOCK_UN); close(fd) }
        let output = try ws.poll()
        #expect(output.status == 0)
        #expect(output.stdout.contains("another poll of"))
    }

    @Test func sendersCanBeManagedFromTheCommandLine() throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        _ = try ws.run(["apply", CLIRunner.demoMonitors])
        let add = try ws.run(["senders", "add", "harborline.example", "ip", "198.51.100.7", "--name", "Scanner"])
        #expect(add.status == 0, "\(add.stderr)")
        let list = try ws.run(["senders", "list", "harborline.example", "--json"])
        let items = try list.json()["items"] as? [[String: Any]] ?? []
        #expect(items.contains { $0["value"] as? String == "198.51.100.7" && $0["name"] as? String == "Scanner" })
        let bad = try ws.run(["senders", "add", "harborline.example", "cidr", "198.51.100.7"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("not a network in CIDR notation"))
        let remove = try ws.run(["senders", "remove", "harborline.example", "ip", "198.51.100.7"])
        #expect(remove.status == 0)
    }
}
