import Alerting
import Audit
import DNSCore
import Inventory

/// `apply`: makes the store's desired state match the monitor files. Idempotent: applying the same files
/// twice changes nothing the second time. Domains absent from the files are only removed with `prune`, then
/// restorably (see `PruneGuard`), and never more than the guard's share of them without `force`. A domain
/// removed earlier that the files define again comes back with its history.
public enum MonitorApply {
    public enum Action: String, Sendable, Codable { case added, changed, unchanged, removed, kept, restored }

    public struct Entry: Sendable, Codable {
        public var domain: String
        public var action: Action
        public var changes: [String]
        public var source: String?
    }

    public struct Options: Sendable, Hashable {
        /// Remove the domains the files do not define.
        public var prune: Bool
        /// Prune even beyond `limits.maxPercent` (or every domain).
        public var force: Bool
        public var limits: PruneGuard

        public init(prune: Bool, force: Bool = false, limits: PruneGuard = PruneGuard()) {
            self.prune = prune; self.force = force; self.limits = limits
        }
    }

    /// What applying would do, and why it would be refused (a prune beyond the guard), if it would.
    public struct Plan: Sendable {
        public var entries: [Entry]
        public var refusal: PruneRefusal?
    }

    public static func plan(_ configuration: MonitorConfiguration, store: InventoryStore, options: Options,
                            now: Int64) throws -> Plan {
        var entries: [Entry] = []
        var defined: Set<String> = []
        for domain in configuration.domains {
            defined.insert(domain.name.key)
            if let existing = try store.domain(named: domain.name.key), let id = existing.id {
                let stored = InventoryMapping.monitoredDomain(existing, senders: try store.senders(domainId: id))
                let changes = stored.map { differences(from: $0, to: domain) } ?? ["stored definition unreadable"]
                entries.append(Entry(domain: domain.name.text, action: changes.isEmpty ? .unchanged : .changed, changes: changes,
                                     source: domain.source))
            } else if let removed = try store.removedDomain(named: domain.name.key) {
                let history = "removed \(Timestamp.iso(removed.removedAt)); its \(describe(removed)) come back"
                let before = try store.removedDefinition(removed).flatMap {
                    InventoryMapping.monitoredDomain($0.domain, senders: $0.senders)
                }
                let changes = [history] + (before.map { differences(from: $0, to: domain) } ?? [])
                entries.append(Entry(domain: domain.name.text, action: .restored, changes: changes, source: domain.source))
            } else {
                let senders = domain.senders.map { "sender \($0.kind.rawValue) \($0.value)" }
                entries.append(Entry(domain: domain.name.text, action: .added, changes: senders, source: domain.source))
            }
        }
        let live = try store.domains()
        for row in live where !defined.contains(row.name) {
            guard options.prune else {
                entries.append(Entry(domain: row.name, action: .kept, changes: ["not in these files; kept (use --prune to remove)"],
                                     source: row.source))
                continue
            }
            let counts = try row.id.map { try store.historyCounts(domainId: $0) } ?? DomainHistoryCounts()
            let until = Timestamp.iso(now + Int64(options.limits.retention))
            entries.append(Entry(domain: row.name, action: .removed, changes: [
                "\(counts.senders) sender(s), \(counts.observations) observation(s), \(counts.findings) finding(s) "
                    + "(\(counts.openFindings) open); restorable until \(until) with `senderwatch domains restore \(row.name)`",
            ], source: row.source))
        }
        let removing = entries.filter { $0.action == .removed }.map(\.domain)
        let refusal = options.force ? nil : options.limits.refusal(removing: removing, of: live.count)
        return Plan(entries: entries, refusal: refusal)
    }

    /// Writes the plan in one transaction; throws `PruneRefusal` (and writes nothing) when the prune goes past
    /// the guard without `force`.
    public static func apply(_ configuration: MonitorConfiguration, store: InventoryStore, options: Options,
                             now: Int64) throws -> [Entry] {
        let plan = try plan(configuration, store: store, options: options, now: now)
        if let refusal = plan.refusal { throw refusal }
        var changes = InventoryChanges()
        changes.retention = options.limits.retention
        changes.restore = plan.entries.filter { $0.action == .restored }.map(\.domain)
        changes.upserts = configuration.domains.map { InventoryMapping.rows(for: $0) }
        changes.remove = plan.entries.filter { $0.action == .removed }.map(\.domain)
        try store.apply(changes, now: now)
        return plan.entries
    }

    public static func apply(_ configuration: MonitorConfiguration, store: InventoryStore, prune: Bool, now: Int64) throws -> [Entry] {
        try apply(configuration, store: store, options: Options(prune: prune, limits: configuration.settings.pruning), now: now)
    }

    static func describe(_ removed: RemovedDomainRow) -> String {
        "\(removed.senders) sender(s), \(removed.observations) observation(s) and \(removed.findings) finding(s) "
            + "(\(removed.openFindings) open)"
    }

    static func differences(from old: MonitoredDomain, to new: MonitoredDomain) -> [String] {
        var changes: [String] = []
        if old.interval != new.interval { changes.append("interval \(old.interval)s -> \(new.interval)s") }
        if old.expectations != new.expectations {
            let describe = { (e: Expectations) in
                "spf_all \(e.spfAll.map { $0 + "all" } ?? "-"), dmarc_policy \(e.dmarcPolicy?.rawValue ?? "-"), max_lookups \(e.maxLookups.map(String.init) ?? "-")"
            }
            changes.append("expectations \(describe(old.expectations)) -> \(describe(new.expectations))")
        }
        let oldSenders = Dictionary(old.senders.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let newSenders = Dictionary(new.senders.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for key in newSenders.keys.sorted() {
            guard let added = newSenders[key] else { continue }
            if let before = oldSenders[key] {
                if before != added { changes.append("sender \(added.kind.rawValue) \(added.value) details changed") }
            } else {
                changes.append("sender added: \(added.kind.rawValue) \(added.value)" + (added.name.map { " (\($0))" } ?? ""))
            }
        }
        for key in oldSenders.keys.sorted() where newSenders[key] == nil {
            if let removed = oldSenders[key] { changes.append("sender removed: \(removed.kind.rawValue) \(removed.value)") }
        }
        return changes
    }
}

/// Where the database lives: `--db`, else `SENDERWATCH_DB`, else the settings file, else ./senderwatch.sqlite.
public enum DatabaseLocation {
    public static func resolve(option: String?, environment: [String: String], settings: MonitorSettings?) -> String {
        if let option, !option.isEmpty { return option }
        if let env = environment["SENDERWATCH_DB"], !env.isEmpty { return env }
        if let fromSettings = settings?.database { return fromSettings }
        return "senderwatch.sqlite"
    }
}
