import ArgumentParser
import Foundation
import Monitor
import MonitorConfig
import Snapshots

/// `senderwatch apply`: load monitor files into the database.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Load monitor files (domains, approved senders, expectations) into the database.",
        discussion: """
        Validates every file first and reports every mistake with file:line:column; nothing is written \
        unless all files are valid. Idempotent: applying the same files again changes nothing. Domains in \
        the database but not in the files are kept unless --prune is given. A file with a settings: key \
        provides the database path and DNS settings. See Monitors/README.md for the format.

        Example: senderwatch apply Monitors/ --dry-run
        """
    )

    @Argument(help: "Monitor files or directories of them (*.yaml, *.yml).")
    var paths: [String]

    @Flag(help: "Print the plan without writing anything.")
    var dryRun = false

    @Flag(help: "Remove domains that the files do not define.")
    var prune = false

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let configuration: MonitorConfiguration
        do { configuration = try MonitorLoader.load(paths: paths) } catch {
            throw InputError("invalid monitor files:\n\(error.description)")
        }
        // A route whose secret is missing fails now, not at 3 a.m. when the first alert is due.
        let settingsFile = try store.configuration()
        let secretProblems = AlertRoutesLoader.secretProblems(configuration.routes + (settingsFile?.routes ?? []))
        if !secretProblems.isEmpty {
            throw InputError("alert routes cannot deliver:\n\(MonitorFileError(problems: secretProblems).description)")
        }
        let settings = settingsFile?.settings ?? (configuration.settings.source != nil ? configuration.settings : nil)
        let (inventory, path) = try store.openStore(settings)
        let entries = dryRun
            ? try MonitorApply.plan(configuration, store: inventory, prune: prune)
            : try MonitorApply.apply(configuration, store: inventory, prune: prune, now: epochNow())
        if output.json {
            printJSON(ApplyOutput(database: path, dryRun: dryRun, entries: entries))
            return
        }
        print("\(dryRun ? "plan (dry run, nothing written)" : "applied") for \(path):")
        for entry in entries {
            print("  \(entry.action.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.domain)")
            for change in entry.changes where entry.action != .added { print("      \(change)") }
            if entry.action == .added { print("      \(entry.changes.count) approved sender(s)") }
        }
        let counts = Dictionary(grouping: entries, by: \.action).mapValues(\.count)
        print("\(counts[.added] ?? 0) added, \(counts[.changed] ?? 0) changed, \(counts[.unchanged] ?? 0) unchanged, \(counts[.removed] ?? 0) removed")
    }
}

struct ApplyOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let database: String
    let dryRun: Bool
    let entries: [MonitorApply.Entry]
}
