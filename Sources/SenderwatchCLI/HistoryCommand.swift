import ArgumentParser
import Audit
import Foundation
import Inventory

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
        guard let row = try inventory.domain(named: key), let id = row.id else { throw notMonitored(key, inventory) }
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
