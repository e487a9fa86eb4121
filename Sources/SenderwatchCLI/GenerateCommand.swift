import ArgumentParser
import Audit
import DNSCore
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots
import SPF

/// `senderwatch generate DOMAIN [--flatten]`: the SPF record the inventory calls for.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print the SPF record a monitored domain's approved senders call for, ready to publish.",
        discussion: """
        Terms come in a stable order: ip4 networks, ip6 networks, a and mx terms for host and MX senders, \
        includes by name, then all with the domain's spf_all expectation (without one: -all when the live \
        record has it, else ~all). The \
        worst-case DNS lookups (each include counts with its provider's own tree) must stay within the \
        domain's max_lookups, and never above 10. The record is printed as the TXT value and as zone-file \
        lines, split into character-strings of at most 255 octets, with the steps to publish it.

        --flatten replaces includes by the networks they resolve to now, the costliest first, until the \
        lookups fit; when the record then passes 450 octets its networks move to _spf1.DOMAIN, \
        _spf2.DOMAIN, ... chained by include. What was flattened is recorded in the database: every poll \
        then compares each provider's live networks with the copy and opens spf.flattened-stale, with the \
        regenerated record as the fix, when a provider moved. Run generate --flatten again after publishing \
        a regenerated record, so the copy the poll compares with is the one in DNS.

        The record is also read back through the SPF analyzer as receivers will read it once published; the \
        steps to publish are printed only when it fits and has no problem.

        Exit codes: 0 the record fits and can be published; 1 it cannot (over the lookup budget, a provider \
        unreadable, a permerror), and no publishing steps are printed; 2 usage error or the domain is not \
        monitored; 3 a temporary DNS failure.
        JSON (--json): schemaVersion, domain, records (name, text, strings), zoneLines, lookups, \
        lookupBudget, lookupLimit, allQualifier, flattened (include, networks, lookupsSaved), problems, notes, \
        publishable (false whenever problems is not empty).
        """
    )

    @Argument(help: "A monitored domain (see `senderwatch domains list`).")
    var domain: String

    @Flag(help: "Replace includes by their current networks when the lookups would pass the budget, and record the copy so each poll watches it.")
    var flatten = false

    @OptionGroup var store: StoreOptions
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let name = try parseDomain(domain)
        let settings = try store.settings()
        let inventory = try store.openExistingStore(settings)
        guard let row = try inventory.domain(named: name.key), let domainId = row.id else {
            throw notMonitored(name.key, inventory, hint: "add it to a monitor file and run `senderwatch apply` first")
        }
        let senders = try inventory.senders(domainId: domainId).compactMap(InventoryMapping.sender)
        let session = try dns.makeResolver(settings: settings?.dnsSettings ?? .init())
        defer { session.shutdown() }
        let includes = senders.filter { $0.kind == .include }.map(\.value)
        let readings = await ProviderSurvey.read(includes, resolver: session.resolver)
        if let failed = readings.sorted(by: { $0.key < $1.key }).first(where: { $0.value.temporary }) {
            FileHandle.standardError.write(Data("senderwatch: reading the SPF record of \(failed.key) failed for now: \(failed.value.problem ?? "temporary DNS failure")\n".utf8))
            throw ExitCode(ExitStatus.temporaryFailure)
        }
        let live = await SPFAnalyzer(resolver: session.resolver).analyze(domain: name)
        let generator = SPFGenerator(domain: name, senders: senders, expectations: InventoryMapping.expectations(row),
                                     providers: ProviderSurvey.providers(readings), currentAll: live.allQualifier)
        let generated = generator.generate(flatten: flatten ? .asNeeded : .none)
        var problems = generated.problems
        for (include, reading) in readings.sorted(by: { $0.key < $1.key }) {
            if let problem = reading.problem { problems.append("\(include): \(problem)") }
        }
        // The generator counts lookups itself; the analyzer reads the record as receivers will. Either one
        // over the budget (or any permerror) keeps the record from being offered for publishing.
        if problems.isEmpty {
            problems += await PublishCheck.problems(domain: name, records: generated.records.map { ($0.name, $0.strings) },
                                                    budget: generated.lookupBudget, resolver: session.resolver)
        }
        if flatten {
            let records = jsonString(generated.records, pretty: false)
            let now = epochNow()
            try inventory.replaceFlattenedIncludes(domainId: domainId, with: generated.flattened.map {
                FlattenedIncludeRow(domainId: domainId, include: $0.include, networksJSON: jsonString($0.networks, pretty: false),
                                    recordJSON: records, flattenedAt: now)
            })
        }
        if output.json {
            printJSON(GenerateOutput(generated, problems: problems))
        } else {
            print(GenerateText.render(generated, problems: problems, flatten: flatten))
        }
        throw ExitCode(problems.isEmpty ? ExitStatus.healthy : ExitStatus.findings)
    }
}

struct GenerateOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domain: String
    let records: [GeneratedSPF.Record]
    let zoneLines: [String]
    let lookups: Int
    let lookupBudget: Int
    let lookupLimit = 10
    let allQualifier: String
    let flattened: [GeneratedSPF.Flattened]
    let problems: [String]
    let notes: [String]
    let publishable: Bool

    init(_ g: GeneratedSPF, problems: [String]) {
        domain = g.domain; records = g.records; zoneLines = g.zoneLines; lookups = g.lookups
        lookupBudget = g.lookupBudget; allQualifier = g.allQualifier; flattened = g.flattened
        self.problems = problems; notes = g.notes; publishable = problems.isEmpty
    }
}

enum GenerateText {
    static func render(_ g: GeneratedSPF, problems: [String], flatten: Bool) -> String {
        var out = ["SPF for \(g.domain): \(g.lookups) DNS lookup(s) in the worst case, budget \(g.lookupBudget) (limit 10)", ""]
        out.append("TXT value" + (g.records.count > 1 ? "s" : "") + ":")
        for record in g.records { out.append("  \(record.name)  \(record.text)") }
        out += ["", "Zone file:"] + g.zoneLines.map { "  " + $0 }
        if !g.flattened.isEmpty {
            out += ["", "Flattened (recorded; each poll compares the providers with this copy):"]
            for f in g.flattened {
                out.append("  include:\(f.include) -> \(f.networks.count) network(s), saves \(f.lookupsSaved) lookup(s): \(f.networks.joined(separator: " "))")
            }
        }
        if !problems.isEmpty { out += ["", "Problems:"] + problems.map { "  - " + $0 } }
        if !g.notes.isEmpty { out += ["", "Notes:"] + g.notes.map { "  - " + $0 } }
        guard problems.isEmpty else {
            out += ["", "Not ready to publish: receivers would not accept this record as it is. Fix the problems above "
                    + "(--flatten, fewer includes, or a higher max_lookups up to 10) and run generate again."]
            return out.joined(separator: "\n")
        }
        out += ["", "To publish:"]
        var step = 1
        if g.records.count > 1 {
            out.append("  \(step). Create the _spf sub-records first (\(g.records.dropFirst().map(\.name).joined(separator: ", "))): the record names them.")
            step += 1
        }
        out.append("  \(step). Replace the TXT record at \(g.domain) that starts with v=spf1 by the value above (keep exactly one v=spf1 record).")
        out.append("  \(step + 1). After the old record's TTL, check it as receivers will: senderwatch check \(g.domain)")
        if flatten && !g.flattened.isEmpty {
            out.append("  \(step + 2). Keep `senderwatch poll` running: it opens spf.flattened-stale when a flattened provider moves.")
        }
        return out.joined(separator: "\n")
    }
}
