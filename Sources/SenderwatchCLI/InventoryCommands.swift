import ArgumentParser
import Audit
import DNSCore
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots

/// `senderwatch domains list`.
struct DomainsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains", abstract: "List monitored domains.", subcommands: [List.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List monitored domains with their last poll and open findings.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
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

struct Envelope<T: Encodable>: Encodable {
    let schemaVersion = jsonSchemaVersion
    let items: [T]
}

/// `senderwatch senders add|remove|list`.
struct SendersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "senders", abstract: "Manage a domain's approved senders.",
        discussion: "Monitor files are the usual source; these commands change the database directly (the next apply of the files restores what they say).",
        subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List approved senders (of one domain, or all).")
        @Argument(help: "The domain; all domains when omitted.") var domain: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            var rows = try inventory.domains()
            if let domain {
                let key = try parseDomain(domain).key
                rows = rows.filter { $0.name == key }
                guard !rows.isEmpty else { throw InputError("\(domain) is not monitored") }
            }
            var entries: [SenderEntry] = []
            for row in rows {
                for sender in try inventory.senders(domainId: row.id ?? 0) {
                    entries.append(SenderEntry(domain: row.name, kind: sender.kind, value: sender.value, name: sender.name, owner: sender.owner, note: sender.note))
                }
            }
            if output.json { printJSON(Envelope(items: entries)); return }
            for e in entries { print("\(e.domain)  \(e.kind) \(e.value)" + (e.name.map { "  \($0)" } ?? "") + (e.owner.map { "  owner: \($0)" } ?? "")) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a sender: senderwatch senders add DOMAIN KIND VALUE [--name N].",
                                                        discussion: "KIND is ip, cidr, include, host or mx.")
        @Argument var domain: String
        @Argument var kind: String
        @Argument var value: String
        @Option var name: String?
        @Option var owner: String?
        @Option var note: String?
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard let kind = ApprovedSender.Kind(rawValue: kind) else { throw ValidationError("KIND must be one of ip, cidr, include, host, mx; got \"\(kind)\"") }
            if case .failure(let error) = ApprovedSender.validated(kind: kind, value: value) { throw ValidationError("VALUE: \(error.message)") }
        }

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            let senderKind = ApprovedSender.Kind(rawValue: kind)!
            guard case .success(let canonical) = ApprovedSender.validated(kind: senderKind, value: value) else { return }
            let added = try inventory.addSender(SenderRow(kind: kind, value: canonical, name: name, owner: owner, note: note),
                                                toDomain: try parseDomain(domain).key)
            print(added ? "approved \(kind) \(canonical) for \(domain)" : "\(kind) \(canonical) was already approved for \(domain)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an approved sender: senderwatch senders remove DOMAIN KIND VALUE.")
        @Argument var domain: String
        @Argument var kind: String
        @Argument var value: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            guard let senderKind = ApprovedSender.Kind(rawValue: kind), case .success(let canonical) = ApprovedSender.validated(kind: senderKind, value: value) else {
                throw ValidationError("\(kind) \(value) is not a valid sender")
            }
            let removed = try inventory.removeSender(kind: kind, value: canonical, fromDomain: try parseDomain(domain).key)
            guard removed else { throw InputError("\(kind) \(canonical) is not an approved sender of \(domain)") }
            print("removed \(kind) \(canonical) from \(domain)")
        }
    }
}

struct SenderEntry: Encodable {
    let domain: String
    let kind: String
    let value: String
    let name: String?
    let owner: String?
    let note: String?
}

/// `senderwatch findings`.
struct FindingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "findings", abstract: "List findings recorded by polls (open first).")
    @Flag(help: "Only findings that are open now.") var open = false
    @Option(help: "Only this domain.") var domain: String?
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let inventory = try store.openExistingStore(try store.settings())
        let names = Dictionary(uniqueKeysWithValues: try inventory.domains().compactMap { row in row.id.map { ($0, row.name) } })
        let rows = try inventory.findings(openOnly: open, domain: try domain.map { try parseDomain($0).key })
        let entries = rows.map { row in
            FindingEntry(domain: names[row.domainId] ?? "?", kind: row.kind, severity: row.severity, subject: row.subject,
                         state: row.state, message: row.message, fix: row.fix,
                         evidence: (try? JSONDecoder().decode([String: String].self, from: Data(row.evidenceJSON.utf8))) ?? [:],
                         firstSeen: isoDate(row.firstSeenAt), lastSeen: isoDate(row.lastSeenAt), resolvedAt: isoDate(row.resolvedAt))
        }
        if output.json { printJSON(Envelope(items: entries)); return }
        for e in entries {
            print("\(e.state.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) [\(e.severity)] \(e.domain) \(e.kind): \(e.message)")
            print("         since \(e.firstSeen ?? "?")" + (e.resolvedAt.map { ", resolved \($0)" } ?? ", last seen \(e.lastSeen ?? "?")"))
            if e.state == "open", let fix = e.fix { print("         fix: \(fix)") }
        }
        if entries.isEmpty { print(open ? "no open findings" : "no findings recorded") }
    }
}

struct FindingEntry: Encodable {
    let domain: String
    let kind: String
    let severity: String
    let subject: String?
    let state: String
    let message: String
    let fix: String?
    let evidence: [String: String]
    let firstSeen: String?
    let lastSeen: String?
    let resolvedAt: String?
}

/// `senderwatch history DOMAIN`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show how a domain's records changed over time, with the semantic diff.")
    @Argument var domain: String
    @Option(help: "At most this many observations (newest first).") var limit: Int = 50
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let inventory = try store.openExistingStore(try store.settings())
        let key = try parseDomain(domain).key
        guard let row = try inventory.domain(named: key), let id = row.id else { throw InputError("\(domain) is not monitored") }
        let observations = try inventory.observations(domainId: id, limit: limit)
        let summaries = observations.map { try? JSONDecoder().decode(ObservationSummary.self, from: Data($0.summaryJSON.utf8)) }
        var entries: [HistoryEntry] = []
        for (index, observation) in observations.enumerated() {
            // Each entry's diff is against the observation before it; stored summaries carry the parts a poll
            // could not read, so only parts known on both sides differ.
            let older = summaries[(index + 1)...].compactMap { $0 }.first
            let current = summaries[index]
            let changes = current.map { Drift.findings(domain: row.name, previous: older, current: $0).map(\.message) } ?? []
            entries.append(HistoryEntry(firstSeen: isoDate(observation.firstSeenAt), lastSeen: isoDate(observation.lastSeenAt),
                                        polls: observation.seenCount, status: observation.status, spfRecord: observation.spfRecord,
                                        dmarcRecord: observation.dmarcRecord, dnsLookups: observation.spfLookups,
                                        notKnown: current.map(HistoryEntry.notKnown) ?? [], changes: changes))
        }
        if output.json { printJSON(HistoryOutput(domain: row.name, observations: entries)); return }
        print("history of \(row.name) (newest first):")
        for e in entries {
            print("- \(e.firstSeen ?? "?") .. \(e.lastSeen ?? "?")  (\(e.polls) poll(s), \(e.status))")
            print("    SPF:   \(e.spfRecord ?? "(none)")  [\(e.dnsLookups) lookups]")
            print("    DMARC: \(e.dmarcRecord ?? "(none)")")
            for part in e.notKnown { print("    (\(part))") }
            for change in e.changes { print("    * \(change)") }
        }
    }
}

struct HistoryEntry: Encodable {
    let firstSeen: String?
    let lastSeen: String?
    let polls: Int
    let status: String
    let spfRecord: String?
    let dmarcRecord: String?
    let dnsLookups: Int
    /// Parts the observation did not read when it was stored: "spf carried", "provider x unknown", ...
    let notKnown: [String]
    let changes: [String]

    static func notKnown(_ s: ObservationSummary) -> [String] {
        var parts: [String] = []
        if s.spfPart != .known { parts.append("SPF \(s.spfPart == .carried ? "not answered: last known value kept" : "unknown")") }
        if s.dmarcPart != .known { parts.append("DMARC \(s.dmarcPart == .carried ? "not answered: last known value kept" : "unknown")") }
        for (provider, state) in (s.providerStates ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append("\(provider) \(state == .carried ? "not answered: last known networks kept" : "unknown")")
        }
        return parts
    }
}

struct HistoryOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domain: String
    let observations: [HistoryEntry]
}
