import Audit
import Alerting
import ArgumentParser
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots

/// Where the database and the settings file are, shared by the commands that use the inventory.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The SQLite database. Default: $SENDERWATCH_DB, else the settings file's, else ./senderwatch.sqlite.", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("The settings file (YAML with a settings: key). Default: $SENDERWATCH_CONFIG.", valueName: "path"))
    var config: String?

    /// The settings file path: `--config`, else `SENDERWATCH_CONFIG`.
    var configPath: String? {
        let path = config ?? ProcessInfo.processInfo.environment["SENDERWATCH_CONFIG"]
        return path?.isEmpty == false ? path : nil
    }

    /// The settings file's contents (settings and alert routes), or nil when none is given. A settings file
    /// that is given but cannot be used (missing, not valid YAML, without settings: or alerts:) is an error:
    /// silently falling back to the defaults would poll or write another database than the one meant.
    func configuration() throws -> MonitorConfiguration? {
        guard let path = configPath else { return nil }
        let source = config != nil ? "--config" : "SENDERWATCH_CONFIG"
        let loaded: MonitorConfiguration
        do {
            loaded = try MonitorLoader.load(paths: [path])
        } catch {
            throw InputError("settings file \(path) (\(source)):\n\(error.description)")
        }
        guard loaded.settings.source != nil || !loaded.routes.isEmpty else {
            throw InputError("settings file \(path) (\(source)) has neither settings: nor alerts: at its top level "
                + "(expected a file such as Monitors/demo/settings.yaml)")
        }
        return loaded
    }

    /// The settings file's settings, or nil when there is none.
    func settings() throws -> MonitorSettings? {
        try configuration()?.settings
    }

    func databasePath(_ settings: MonitorSettings?) -> String {
        DatabaseLocation.resolve(option: db, environment: ProcessInfo.processInfo.environment, settings: settings)
    }

    func openStore(_ settings: MonitorSettings?) throws -> (InventoryStore, String) {
        let path = databasePath(settings)
        do {
            return (try InventoryStore(path: path), path)
        } catch {
            throw InputError("cannot open the database \(path): \(error)")
        }
    }

    /// Opens an existing database for reading commands, with a clear message when there is none yet.
    func openExistingStore(_ settings: MonitorSettings?) throws -> InventoryStore {
        let path = databasePath(settings)
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError("no database at \(path): run `senderwatch apply MONITOR_FILES` first (or give --db)")
        }
        return try openStore(settings).0
    }
}

extension MonitorSettings {
    var dnsSettings: DNSSettings {
        DNSSettings(resolvers: resolvers, zones: zones, timeout: timeout, retries: retries, concurrency: concurrency,
                    dnssec: dnssec, trustAnchor: dnssecTrustAnchor)
    }
}

/// The current time in epoch seconds: every command's "now" comes from here. `SENDERWATCH_NOW` (epoch seconds)
/// fixes it, for reproducible runs and for tests that need a date other than today.
func epochNow() -> Int64 {
    if let fixed = fixedNow { return fixed }
    return Int64(Date().timeIntervalSince1970)
}

/// `SENDERWATCH_NOW`, read once: the environment is copied into a dictionary on every read, which cost a
/// poll more than its SQL did when it was read per domain.
private let fixedNow: Int64? = ProcessInfo.processInfo.environment["SENDERWATCH_NOW"].flatMap { Int64($0) }

func isoDate(_ seconds: Int64?) -> String? { seconds.map(Timestamp.iso) }
