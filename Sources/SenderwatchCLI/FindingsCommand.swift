import ArgumentParser
import Foundation
import Inventory

/// `senderwatch findings`.
struct FindingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "findings", abstract: "List findings recorded by polls (open first).")
    @Flag(help: "Only findings that are open now.") var open = false
    @Option(help: "Only this domain.") var domain: String?
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let domain { _ = try parseDomain(domain, option: "--domain") }
    }

    func run() async throws {
        let inventory = try store.openExistingStore(try store.settings())
        let names = Dictionary(uniqueKeysWithValues: try inventory.domains().compactMap { row in row.id.map { ($0, row.name) } })
        let key = try domain.map { try parseDomain($0, option: "--domain").key }
        // As `history` does: a domain that is not monitored is a mistake to report, not an empty list.
        if let key, !names.values.contains(key) { throw notMonitored(key, inventory) }
        let rows = try inventory.findings(openOnly: open, domain: key)
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
