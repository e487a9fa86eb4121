import ArgumentParser
import Audit
import Foundation
import Inventory

extension ApprovedSender.Kind: ExpressibleByArgument {}

/// `senderwatch senders add|remove|list`.
struct SendersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "senders", abstract: "Manage a domain's approved senders.",
        discussion: "Monitor files are the usual source; these commands change the database directly "
            + "(the next apply of the files restores what they say).",
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
                    entries.append(SenderEntry(domain: row.name, kind: sender.kind, value: sender.value, name: sender.name,
                                               owner: sender.owner, note: sender.note))
                }
            }
            if output.json { printJSON(Envelope(items: entries)); return }
            for entry in entries {
                print("\(entry.domain)  \(entry.kind) \(entry.value)" + (entry.name.map { "  \($0)" } ?? "")
                      + (entry.owner.map { "  owner: \($0)" } ?? ""))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a sender: senderwatch senders add DOMAIN KIND VALUE [--name N].",
            discussion: "KIND is ip, cidr, include, host or mx.")
        @Argument var domain: String
        @Argument var kind: ApprovedSender.Kind
        @Argument var value: String
        @Option var name: String?
        @Option var owner: String?
        @Option var note: String?
        @OptionGroup var store: StoreOptions

        func validate() throws {
            _ = try parseDomain(domain)
            if case .failure(let error) = ApprovedSender.validated(kind: kind, value: value) {
                throw ValidationError("VALUE: \(error.message)")
            }
        }

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            let key = try parseDomain(domain).key
            guard try inventory.domain(named: key) != nil else { throw notMonitored(key, inventory) }
            guard case .success(let canonical) = ApprovedSender.validated(kind: kind, value: value) else { return }
            let row = SenderRow(kind: kind.rawValue, value: canonical, name: name, owner: owner, note: note)
            let added = try inventory.addSender(row, toDomain: key)
            print(added ? "approved \(kind.rawValue) \(canonical) for \(key)"
                        : "\(kind.rawValue) \(canonical) was already approved for \(key)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an approved sender: senderwatch senders remove DOMAIN KIND VALUE.",
            discussion: "Prints the `senders add` command that puts the sender back, with its name, owner and note.")
        @Argument var domain: String
        @Argument var kind: ApprovedSender.Kind
        @Argument var value: String
        @OptionGroup var store: StoreOptions

        func validate() throws {
            _ = try parseDomain(domain)
            if case .failure(let error) = ApprovedSender.validated(kind: kind, value: value) {
                throw ValidationError("VALUE: \(error.message)")
            }
        }

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            let key = try parseDomain(domain).key
            guard try inventory.domain(named: key) != nil else { throw notMonitored(key, inventory) }
            guard case .success(let canonical) = ApprovedSender.validated(kind: kind, value: value) else { return }
            let domainId = try inventory.domain(named: key)?.id ?? 0
            let before = try inventory.senders(domainId: domainId).first { $0.kind == kind.rawValue && $0.value == canonical }
            let removed = try inventory.removeSender(kind: kind.rawValue, value: canonical, fromDomain: key)
            guard removed, let before else { throw InputError("\(kind.rawValue) \(canonical) is not an approved sender of \(key)") }
            print("removed \(kind.rawValue) \(canonical) from \(key); to undo: \(Self.undo(before, domain: key))")
        }

        /// The `senders add` command that puts the sender back with its labels.
        static func undo(_ sender: SenderRow, domain: String) -> String {
            var words = ["senderwatch", "senders", "add", domain, sender.kind, sender.value]
            for (option, value) in [("--name", sender.name), ("--owner", sender.owner), ("--note", sender.note)] {
                if let value { words += [option, value] }
            }
            return words.map(shellQuoted).joined(separator: " ")
        }

        static func shellQuoted(_ word: String) -> String {
            let plain = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:/@%+=,".contains($0)) }
            return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
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
