import ArgumentParser
import Audit
import Foundation
import Inventory

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
                guard !rows.isEmpty else { throw notMonitored(key, inventory) }
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
