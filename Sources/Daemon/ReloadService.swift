import Foundation
import Logging
import Monitor
import MonitorConfig
import ServiceLifecycle
import UnixSignals

/// SIGHUP: re-reads the monitor files and the settings file and applies them as `senderwatch apply` does,
/// logging the plan; new domains are due at once and the scheduler picks them up at its next tick. Files
/// with mistakes are reported and nothing is changed. The settings' alert routes and mailboxes are replaced;
/// the other settings (DNS, the database path, thresholds) need a restart.
public struct ReloadService: Service, CustomStringConvertible {
    public var description: String { "reload (SIGHUP)" }
    let signals: UnixSignalsSequence
    let reload: @Sendable () async -> Void

    /// `signals` should be created before the service group starts, so a SIGHUP sent early is not lost.
    public init(signals: UnixSignalsSequence, reload: @escaping @Sendable () async -> Void) {
        self.signals = signals
        self.reload = reload
    }

    public func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }
}

/// What SIGHUP (and the start) applies: the monitor files given to `run`, plus the settings file's routes.
public struct MonitorReload: Sendable {
    public let monitorPaths: [String]
    public let settingsPath: String?
    public let prune: Bool

    public init(monitorPaths: [String], settingsPath: String?, prune: Bool) {
        self.monitorPaths = monitorPaths; self.settingsPath = settingsPath; self.prune = prune
    }

    /// Applies the files; on any mistake (a file that does not parse, a prune beyond prune_max_percent) logs
    /// it and changes nothing: the daemon keeps the last good state. Returns false on a mistake.
    @discardableResult
    public func apply(to state: DaemonState, logger: Logger, now: Int64) -> Bool {
        do {
            let settings = try settingsPath.map { try MonitorLoader.load(paths: [$0]) }
            if !monitorPaths.isEmpty {
                let configuration = try MonitorLoader.load(paths: monitorPaths)
                let fromSettingsFile = settings?.settings.source != nil ? settings?.settings : nil
                let limits = (fromSettingsFile ?? configuration.settings).pruning
                let entries = try MonitorApply.apply(configuration, store: state.store,
                                                     options: MonitorApply.Options(prune: prune, limits: limits), now: now)
                let counts = Dictionary(grouping: entries, by: \.action).mapValues(\.count)
                logger.info("monitor files applied", metadata: [
                    "files": .array(configuration.files.map { .string($0) }),
                    "added": .stringConvertible(counts[.added] ?? 0), "changed": .stringConvertible(counts[.changed] ?? 0),
                    "unchanged": .stringConvertible(counts[.unchanged] ?? 0), "removed": .stringConvertible(counts[.removed] ?? 0),
                ])
                for entry in entries where entry.action != .unchanged && entry.action != .kept {
                    logger.info("plan", metadata: [
                        "domain": .string(entry.domain), "action": .string(entry.action.rawValue),
                        "changes": .array(entry.changes.map { .string($0) }),
                    ])
                }
            }
            if let settings {
                state.replaceRoutes(settings.routes)
                let before = state.mailboxes.map(\.url.description), after = settings.settings.mailboxes.map(\.url.description)
                if before != after {
                    logger.info("mailboxes replaced", metadata: ["mailboxes": .array(after.map { .string($0) })])
                }
                state.replaceMailboxes(settings.settings.mailboxes)
            }
            return true
        } catch let error as MonitorFileError {
            logger.error("monitor files not applied; still running with the previous state",
                         metadata: ["problems": .string(error.description)])
        } catch let error as PruneRefusal {
            logger.error("monitor files not applied; still running with the previous state",
                         metadata: ["problems": .string(error.description
                                                       + " (the daemon never forces: use `senderwatch apply --prune --force`)")])
        } catch {
            logger.error("monitor files not applied; still running with the previous state",
                         metadata: ["error": .string("\(error)")])
        }
        return false
    }
}
