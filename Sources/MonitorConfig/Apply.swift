import Audit
import DNSCore
import Inventory

/// `apply`: makes the store's desired state match the monitor files. Idempotent: applying the same files
/// twice changes nothing the second time. Domains absent from the files are only removed with `prune`.
public enum MonitorApply {
    public enum Action: String, Sendable, Codable { case added, changed, unchanged, removed, kept }

    public struct Entry: Sendable, Codable {
        public var domain: String
        public var action: Action
        public var changes: [String]
        public var source: String?
    }

    public static func plan(_ configuration: MonitorConfiguration, store: InventoryStore, prune: Bool) throws -> [Entry] {
        var entries: [Entry] = []
        var defined: Set<String> = []
        for domain in configuration.domains {
            defined.insert(domain.name.key)
            guard let existing = try store.domain(named: domain.name.key), let id = existing.id else {
                entries.append(Entry(domain: domain.name.text, action: .added, changes: domain.senders.map { "sender \($0.kind.rawValue) \($0.value)" }, source: domain.source))
                continue
            }
            let stored = InventoryMapping.monitoredDomain(existing, senders: try store.senders(domainId: id))
            let changes = stored.map { differences(from: $0, to: domain) } ?? ["stored definition unreadable"]
            entries.append(Entry(domain: domain.name.text, action: changes.isEmpty ? .unchanged : .changed, changes: changes, source: domain.source))
        }
        for row in try store.domains() where !defined.contains(row.name) {
            entries.append(Entry(domain: row.name, action: prune ? .removed : .kept,
                                 changes: prune ? [] : ["not in these files; kept (use --prune to remove)"], source: row.source))
        }
        return entries
    }

    /// Writes the plan: upserts every defined domain, removes pruned ones.
    public static func apply(_ configuration: MonitorConfiguration, store: InventoryStore, prune: Bool, now: Int64) throws -> [Entry] {
        let entries = try plan(configuration, store: store, prune: prune)
        for domain in configuration.domains {
            let (row, senders) = InventoryMapping.rows(for: domain)
            _ = try store.upsertDomain(row, senders: senders, now: now)
        }
        for entry in entries where entry.action == .removed { _ = try store.removeDomain(named: entry.domain) }
        return entries
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
