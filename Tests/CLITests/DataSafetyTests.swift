import Foundation
import GRDB
import Testing
import TestSupport

/// Issue 13, part 1: nothing is removed or replaced on input that did not parse, `--prune` is guarded and
/// undoable, `--dry-run` writes nothing, a broken `--config` is an error. All through the built binary.
@Suite struct DataSafetyTests {
    struct Workspace {
        let root: URL
        var monitors: URL { root.appendingPathComponent("monitors") }
        var database: String { root.appendingPathComponent("sw.sqlite").path }

        /// The demo's monitor files (without its settings file) in a directory the test may edit.
        init() throws {
            root = try CLIRunner.temporaryDirectory()
            try FileManager.default.createDirectory(at: monitors, withIntermediateDirectories: true)
            for file in ["acme-widgets.yaml", "brightpath.yaml", "portfolio.yaml"] {
                try FileManager.default.copyItem(atPath: CLIRunner.demoMonitors + "/" + file,
                                                 toPath: monitors.appendingPathComponent(file).path)
            }
        }

        func run(_ arguments: [String], database: Bool = true) async throws -> CLIRunner.Output {
            try await CLIRunner.launch(arguments + (database ? ["--db", self.database] : []))
        }

        func write(_ file: String, _ text: String) throws {
            try text.write(to: monitors.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }

        func domains(removed: Bool = false) async throws -> [String] {
            let list = try await run(["domains", "list", "--json"] + (removed ? ["--removed"] : []))
            return (try list.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["domain"] as? String }
        }

        func cleanup() { try? FileManager.default.removeItem(at: root) }
    }

    static let all = ["acme-widgets.example", "brightpath.example", "harborline.example", "ledgerly.example"]

    /// Issue 13: each broken file read as an empty one, and `--prune` removed its domains with their history.
    @Test(arguments: [
        ("domains:\n  - domain: ledgerly.example\n    senders: [ { host: ledgerly.example }\n", "portfolio.yaml:4:1:"),
        ("domains:\n  - { domain: ledgerly.example\n", "portfolio.yaml:3:1:"),
        ("domains:\n  - domain: \"ledgerly.example\n", "portfolio.yaml:3:1:"),
        ("domains:\n\t- domain: ledgerly.example\n", "portfolio.yaml:2:1:"),
        ("domains:\n  - domain: ledgerly.example\n---\ndomains: [ { domain: harborline.example }\n", "portfolio.yaml:5:1:"),
    ])
    func brokenYAMLRemovesNothing(broken: String, location: String) async throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        #expect(try await ws.run(["apply", ws.monitors.path]).status == 0)
        _ = try await ws.run(["poll", "--all", "--zone", CLIRunner.demoZones])
        let findingsBefore = try await ws.run(["findings", "--json"]).stdout
        try ws.write("portfolio.yaml", broken)
        for extra in [["--dry-run", "--prune"], ["--prune"], ["--prune", "--force"]] {
            let applied = try await ws.run(["apply", ws.monitors.path] + extra)
            #expect(applied.status == 2, "\(extra): \(applied.stdout)")
            #expect(applied.stderr.contains(location) && applied.stderr.contains("not valid YAML"), "\(applied.stderr)")
            #expect(!applied.stdout.contains("removed"), "\(applied.stdout)")
        }
        #expect(try await ws.domains() == Self.all)
        #expect(try await ws.run(["findings", "--json"]).stdout == findingsBefore)
    }

    /// --prune beyond prune_max_percent (or of everything) needs --force; what it removes is listed with
    /// what it carries, stays restorable, and is invisible to every listing, poll and snapshot meanwhile.
    @Test func pruneIsGuardedPlannedAndUndoable() async throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        #expect(try await ws.run(["apply", ws.monitors.path]).status == 0)
        #expect(try await ws.run(["poll", "--all", "--zone", CLIRunner.demoZones]).status == 1)
        let ledgerlyFindings = try await ws.run(["findings", "--domain", "ledgerly.example", "--json"]).stdout

        // Half of the domains: refused, nothing written, the plan still shown.
        try FileManager.default.removeItem(at: ws.monitors.appendingPathComponent("portfolio.yaml"))
        let refused = try await ws.run(["apply", ws.monitors.path, "--prune"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--prune would remove 2 of the 4 domains of the inventory (50%, more than prune_max_percent: 25)"),
                "\(refused.stderr)")
        #expect(refused.stdout.contains("refused, nothing written"))
        #expect(refused.stdout.contains("removed   ledgerly.example")
                && refused.stdout.contains("6 sender(s), 1 observation(s), 1 finding(s) (1 open); restorable until"), "\(refused.stdout)")
        #expect(try await ws.domains() == Self.all)

        // An empty directory would remove everything: refused even in a dry run.
        let empty = ws.root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let everything = try await ws.run(["apply", empty.path, "--prune", "--dry-run"])
        #expect(everything.status == 2 && everything.stderr.contains("would remove all 4 domain(s)"), "\(everything.stderr)")
        #expect(try await ws.domains() == Self.all)

        // --force removes, restorably.
        let forced = try await ws.run(["apply", ws.monitors.path, "--prune", "--force", "--json"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let actions = (try forced.json()["entries"] as? [[String: Any]] ?? []).map { "\($0["action"] ?? "") \($0["domain"] ?? "")" }
        #expect(actions.contains("removed ledgerly.example") && actions.contains("removed harborline.example"))
        #expect(try await ws.domains() == ["acme-widgets.example", "brightpath.example"])
        #expect(try await ws.domains(removed: true) == ["harborline.example", "ledgerly.example"])

        // Invisible meanwhile: findings, history, poll, snapshot.
        let allFindings = try await ws.run(["findings", "--json"]).stdout
        #expect(!allFindings.contains("ledgerly.example") && !allFindings.contains("harborline.example"))
        let history = try await ws.run(["history", "ledgerly.example"])
        #expect(history.status == 2 && history.stderr.contains("`senderwatch domains restore ledgerly.example` brings it back"),
                "\(history.stderr)")
        let findings = try await ws.run(["findings", "--domain", "ledgerly.example"])
        #expect(findings.status == 2 && findings.stderr.contains("apply --prune removed it"))
        let poll = try await ws.run(["poll", "--all", "--zone", CLIRunner.demoZones, "--json"])
        let polled = (try poll.json()["domains"] as? [[String: Any]] ?? []).compactMap { $0["domain"] as? String }
        #expect(polled == ["acme-widgets.example", "brightpath.example"])
        let snapshot = try await ws.run(["snapshot", "--zone", CLIRunner.demoZones])
        let snapped = (try snapshot.json()["domains"] as? [[String: Any]] ?? []).compactMap { $0["domain"] as? String }
        #expect(snapped == ["acme-widgets.example", "brightpath.example"])

        // Restored with its history, by command or by applying a file that defines it again.
        let restore = try await ws.run(["domains", "restore", "ledgerly.example"])
        #expect(restore.status == 0 && restore.stdout.contains("restored ledgerly.example"), "\(restore.stderr)")
        #expect(try await ws.run(["findings", "--domain", "ledgerly.example", "--json"]).stdout == ledgerlyFindings)
        let again = try await ws.run(["domains", "restore", "ledgerly.example"])
        #expect(again.status == 2 && again.stderr.contains("not among the removed domains"), "\(again.stderr)")
        try FileManager.default.copyItem(atPath: CLIRunner.demoMonitors + "/portfolio.yaml",
                                         toPath: ws.monitors.appendingPathComponent("portfolio.yaml").path)
        let reapplied = try await ws.run(["apply", ws.monitors.path])
        #expect(reapplied.stdout.contains("restored  harborline.example"), "\(reapplied.stdout)")
        #expect(try await ws.domains() == Self.all)
        #expect(try await ws.domains(removed: true).isEmpty)
    }

    /// `senders remove` prints the command that undoes it; run through a shell, it restores the labels too.
    @Test func sendersRemovePrintsItsUndo() async throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        #expect(try await ws.run(["apply", ws.monitors.path]).status == 0)
        let before = try await ws.run(["senders", "list", "brightpath.example", "--json"]).stdout
        let removed = try await ws.run(["senders", "remove", "brightpath.example", "host", "crm-mailer.crmcloud.example"])
        #expect(removed.status == 0, "\(removed.stderr)")
        let undo = try #require(removed.stdout.components(separatedBy: "; to undo: ").last?.trimmingCharacters(in: .newlines))
        #expect(undo == "senderwatch senders add brightpath.example host crm-mailer.crmcloud.example --name 'CRM invoices' "
                + "--owner finance@brightpath.example", "\(removed.stdout)")
        #expect(try await ws.run(["senders", "list", "brightpath.example", "--json"]).stdout != before)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", undo + " --db " + ws.database]
        shell.environment = ["PATH": CLIRunner.binary.deletingLastPathComponent().path + ":/usr/bin:/bin"]
        shell.standardOutput = FileHandle.nullDevice
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)
        #expect(try await ws.run(["senders", "list", "brightpath.example", "--json"]).stdout == before)
    }

    /// `--dry-run` creates no database, and migrates none written by an older senderwatch.
    @Test func dryRunWritesNothing() async throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let plan = try await ws.run(["apply", ws.monitors.path, "--dry-run"])
        #expect(plan.status == 0 && plan.stdout.contains("(no database yet)") && plan.stdout.contains("4 added"), "\(plan.stdout)")
        #expect(!FileManager.default.fileExists(atPath: ws.database))

        #expect(try await ws.run(["apply", ws.monitors.path]).status == 0)
        // Take the file back to the v3 schema, as an older senderwatch left it.
        try await DatabaseQueue(path: ws.database).write { db in
            try db.execute(sql: "DROP TABLE removedDomain; DELETE FROM grdb_migrations WHERE identifier NOT IN ('v1-inventory', 'v2-observed', 'v3-snapshots')")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ws.database))
        try FileManager.default.removeItem(at: ws.monitors.appendingPathComponent("acme-widgets.yaml"))
        let second = try await ws.run(["apply", ws.monitors.path, "--dry-run", "--prune"])
        #expect(second.status == 0 && second.stdout.contains("removed   acme-widgets.example"), "\(second.stdout)\(second.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.database)) == bytes)
        let migrations = try await DatabaseQueue(path: ws.database).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations == ["v1-inventory", "v2-observed", "v3-snapshots"])
    }

    /// Issue 13: a --config with a syntax error was ignored and ./senderwatch.sqlite used instead.
    @Test func brokenConfigIsAnError() async throws {
        let ws = try Workspace()
        defer { ws.cleanup() }
        let fallback = SharedData.packageRoot.appendingPathComponent("senderwatch.sqlite").path
        let fallbackExisted = FileManager.default.fileExists(atPath: fallback)
        let settings = ws.root.appendingPathComponent("settings.yaml")
        try "settings:\n  database: \(ws.database)\n  zones: [\(CLIRunner.demoZones)\n".write(to: settings, atomically: true, encoding: .utf8)
        for arguments in [["domains", "list"], ["apply", ws.monitors.path], ["poll", "--all"], ["alerts", "list"]] {
            let out = try await ws.run(arguments + ["--config", settings.path], database: false)
            #expect(out.status == 2, "\(arguments)")
            #expect(out.stderr.contains("settings file \(settings.path) (--config):\n\(settings.path):4:1: not valid YAML"), "\(out.stderr)")
        }
        let viaEnvironment = try await CLIRunner.launch(["domains", "list"], environment: ["SENDERWATCH_CONFIG": settings.path])
        #expect(viaEnvironment.status == 2 && viaEnvironment.stderr.contains("(SENDERWATCH_CONFIG)"))
        let notSettings = ws.monitors.appendingPathComponent("brightpath.yaml").path
        let wrongFile = try await ws.run(["domains", "list", "--config", notSettings], database: false)
        #expect(wrongFile.status == 2 && wrongFile.stderr.contains("has neither settings: nor alerts:"), "\(wrongFile.stderr)")
        let missing = try await ws.run(["domains", "list", "--config", ws.root.appendingPathComponent("nope.yaml").path], database: false)
        #expect(missing.status == 2 && missing.stderr.contains("no such file or directory"))
        if !fallbackExisted { #expect(!FileManager.default.fileExists(atPath: fallback), "no fallback database was created") }
    }
}
