import ArgumentParser
import Foundation
import Inventory
import MonitorConfig

/// `senderwatch domains list|restore`.
struct DomainsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains", abstract: "List monitored domains; restore domains that apply --prune removed.",
        subcommands: [List.self, Restore.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List monitored domains with their last poll and open findings.",
            discussion: """
            --removed lists instead the domains `apply --prune` removed that can still be restored, with what \
            they carry and until when. JSON (--json): schemaVersion and items (domain, interval, senders, \
            lastPoll, nextPoll, openFindings, source; with --removed: domain, removedAt, restorableUntil, \
            senders, observations, findings, openFindings).
            """)
        @Flag(help: "List the removed domains that can still be restored instead.") var removed = false
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            if removed { return try listRemoved(inventory) }
            let open = try inventory.findings(openOnly: true, domain: nil)
            let rows = try inventory.domains().map { row in
                DomainListEntry(domain: row.name, interval: row.intervalSeconds,
                                senders: try inventory.senders(domainId: row.id ?? 0).count,
                                lastPoll: isoDate(row.lastPollAt), nextPoll: isoDate(row.nextPollAt),
                                openFindings: open.filter { $0.domainId == row.id }.count, source: row.source)
            }
            if output.json { printJSON(Envelope(items: rows)); return }
            for r in rows {
                print("\(r.domain)  every \(r.interval)s  \(r.senders) sender(s)  \(r.openFindings) open  last poll \(r.lastPoll ?? "never")")
            }
            if rows.isEmpty { print("no domains: run `senderwatch apply MONITOR_FILES`") }
            let removedCount = try inventory.removedDomains().count
            if removedCount > 0 { print("(\(removedCount) removed domain(s) can be restored: senderwatch domains list --removed)") }
        }

        func listRemoved(_ inventory: InventoryStore) throws {
            let rows = try inventory.removedDomains().map(RemovedListEntry.init)
            if output.json { printJSON(Envelope(items: rows)); return }
            for r in rows {
                print("\(r.domain)  removed \(r.removedAt)  restorable until \(r.restorableUntil)  \(r.senders) sender(s), "
                      + "\(r.observations) observation(s), \(r.findings) finding(s) (\(r.openFindings) open)")
            }
            print(rows.isEmpty ? "no removed domains" : "restore with: senderwatch domains restore NAME")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring back domains that apply --prune removed, with their senders, observations and findings.",
            discussion: """
            The domain comes back as it was when removed (its definition, history and open findings) and is \
            polled at its next due time. A later `apply --prune` of files that do not define it removes it \
            again: add it to a monitor file to keep it. Applying a file that defines a removed domain restores \
            it as well.
            """)
        @Argument(help: "Removed domains, as `domains list --removed` shows them.") var domains: [String]
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if domains.isEmpty { throw ValidationError("give the removed domains to restore") }
            for domain in domains { _ = try parseDomain(domain) }
        }

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            for domain in domains {
                let name = try parseDomain(domain).key
                do {
                    let restored = try inventory.restoreDomain(named: name)
                    print("restored \(restored.name) (removed \(isoDate(restored.removedAt) ?? "?")): \(restored.senders) sender(s), "
                          + "\(restored.observations) observation(s), \(restored.findings) finding(s) (\(restored.openFindings) open)")
                } catch let error as InventoryError {
                    throw InputError(error.message)
                }
            }
        }
    }
}

struct DomainListEntry: Encodable {
    let domain: String
    let interval: Int
    let senders: Int
    let lastPoll: String?
    let nextPoll: String?
    let openFindings: Int
    let source: String?
}

struct RemovedListEntry: Encodable {
    let domain: String
    let removedAt: String
    let restorableUntil: String
    let senders: Int
    let observations: Int
    let findings: Int
    let openFindings: Int

    init(_ row: RemovedDomainRow) {
        domain = row.name; removedAt = isoDate(row.removedAt) ?? ""; restorableUntil = isoDate(row.purgeAfter) ?? ""
        senders = row.senders; observations = row.observations; findings = row.findings; openFindings = row.openFindings
    }
}

/// The inventory's answer for a domain a command was given that it does not monitor: an input error that
/// says so, and how to bring it back when `apply --prune` removed it.
func notMonitored(_ name: String, _ inventory: InventoryStore, hint: String = "apply a monitor file for it first") -> InputError {
    if let removed = try? inventory.removedDomain(named: name) {
        return InputError("\(name) is not monitored: apply --prune removed it at \(isoDate(removed.removedAt) ?? "?"); "
            + "`senderwatch domains restore \(name)` brings it back")
    }
    return InputError("\(name) is not monitored (\(hint))")
}
