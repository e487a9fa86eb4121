import ArgumentParser
import Foundation
import Inventory
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
        unless all files are valid (a file that is not valid YAML is an error, never an empty file). \
        Idempotent: applying the same files again changes nothing. Domains in the database but not in the \
        files are kept unless --prune is given. A file with a settings: key provides the database path and \
        DNS settings. See Monitors/README.md for the format.

        --prune removes the domains the files do not define, after printing what each one carries. It refuses \
        (exit 2, nothing written) to remove every domain, or more than the settings' prune_max_percent \
        (default 25) of them, unless --force is given. Removed domains stay restorable with their senders, \
        observations and findings for removed_retention (default 30d): `senderwatch domains restore NAME`, \
        or apply a file that defines them again. `senderwatch domains list --removed` lists them.

        --dry-run prints the plan and writes nothing: it creates no database and migrates none.

        Example: senderwatch apply Monitors/ --dry-run --prune
        """
    )

    @Argument(help: "Monitor files or directories of them (*.yaml, *.yml).")
    var paths: [String]

    @Flag(help: "Print the plan without writing anything (no database is created or migrated).")
    var dryRun = false

    @Flag(help: "Remove domains that the files do not define (restorably; see `domains restore`).")
    var prune = false

    @Flag(help: "With --prune: remove even every domain, or more than prune_max_percent of them.")
    var force = false

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if force && !prune { throw ValidationError("--force only matters with --prune") }
    }

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
        let options = MonitorApply.Options(prune: prune, force: force, limits: settings?.pruning ?? PruneGuard())
        let now = epochNow()
        let path = store.databasePath(settings)
        let entries: [MonitorApply.Entry]
        var refusal: PruneRefusal?
        if dryRun {
            let plan = try MonitorApply.plan(configuration, store: try Self.storeForPlanning(path), options: options, now: now)
            entries = plan.entries
            refusal = plan.refusal
        } else {
            let (inventory, _) = try store.openStore(settings)
            do {
                entries = try MonitorApply.apply(configuration, store: inventory, options: options, now: now)
            } catch let error as PruneRefusal {
                refusal = error
                entries = try MonitorApply.plan(configuration, store: inventory, options: options, now: now).entries
            }
        }
        if output.json {
            printJSON(ApplyOutput(database: path, dryRun: dryRun, written: !dryRun && refusal == nil, entries: entries,
                                  refused: refusal?.description))
        } else {
            print(Self.text(entries, path: path, dryRun: dryRun, refused: refusal != nil))
        }
        if let refusal { throw InputError(refusal.description) }
    }

    /// The store a dry run plans against: the database read as it is, or an empty one when there is none.
    static func storeForPlanning(_ path: String) throws -> InventoryStore {
        guard FileManager.default.fileExists(atPath: path) else { return try InventoryStore.inMemory() }
        do { return try InventoryStore.readOnly(path: path) } catch {
            throw InputError("cannot read the database \(path): \(error)")
        }
    }

    static func text(_ entries: [MonitorApply.Entry], path: String, dryRun: Bool, refused: Bool) -> String {
        let exists = FileManager.default.fileExists(atPath: path)
        let heading = refused ? "refused, nothing written" : (dryRun ? "plan (dry run, nothing written)" : "applied")
        var lines = ["\(heading) for \(path)" + (dryRun && !exists ? " (no database yet)" : "") + ":"]
        for entry in entries {
            lines.append("  \(entry.action.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.domain)")
            if entry.action == .added {
                lines.append("      \(entry.changes.count) approved sender(s)")
            } else {
                lines += entry.changes.map { "      \($0)" }
            }
        }
        let counts = Dictionary(grouping: entries, by: \.action).mapValues(\.count)
        let restored = counts[.restored].map { ", \($0) restored" } ?? ""
        lines.append("\(counts[.added] ?? 0) added, \(counts[.changed] ?? 0) changed, \(counts[.unchanged] ?? 0) unchanged, "
                     + "\(counts[.removed] ?? 0) removed" + restored)
        return lines.joined(separator: "\n")
    }
}

struct ApplyOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let database: String
    let dryRun: Bool
    /// False for a dry run and for a refused prune.
    let written: Bool
    let entries: [MonitorApply.Entry]
    /// Why nothing was written (a prune beyond prune_max_percent without --force), or null.
    @NullEncoded var refused: String?
}
