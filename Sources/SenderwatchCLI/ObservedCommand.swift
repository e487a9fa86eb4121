import ArgumentParser
import Audit
import AuthReports
import DNSCore
import Foundation
import Inventory
import SPF

/// `senderwatch observed DOMAIN`: who the reports saw sending as the domain, and what SPF says of each now.
struct ObservedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observed",
        abstract: "List the senders DMARC reports saw for a domain, with totals and today's SPF verdict for each.",
        discussion: """
        Sources come from `senderwatch ingest` (and `headers --record`), most messages first. For each: \
        messages, how many passed DKIM and SPF aligned, what receivers did (disposition), the raw SPF \
        results reported, header-from and envelope-from domains, reporters, first and last day; and the SPF \
        result the domain's record gives the source now (check_host through --zone / --resolver).
        --rdns adds each source's reverse DNS name, looked up through the same resolver, all lookups \
        together bounded by --rdns-timeout.
        --json: {schemaVersion, domain, since, totals{sources, messages, dkimAlignedPass, spfAlignedPass, \
        dmarcFail, dispositions}, sources[{sourceIP, messages, dkimAlignedPass, spfAlignedPass, dmarcFail, \
        dispositions, spfResults, dkimResults, headerFrom, envelopeFrom, dkimDomains, reporters, firstDay, \
        lastDay, spfNow{result, mechanism, problem}, authorizedNow, reverseName, name{name, method, detail, provider, \
        include}}]}. Every source is named where it can be: the approved sender it belongs to (approved-sender), the \
        include of the domain's SPF that authorizes it (spf-include), a provider of the catalogue whose include \
        authorizes it (provider-catalogue), its forward-confirmed reverse DNS name (reverse-dns), or the DKIM d= it \
        signs with (dkim-domain).
        Exit codes: 0 every source passes SPF now or none looks like real mail failing it; 1 some source \
        with DKIM aligned mail fails SPF now; 2 input error; 3 DNS temporary failure for some source.
        """)

    @Argument(help: "The domain (the policy domain of the reports).") var domain: String

    @Option(help: ArgumentHelp("Only days from this one on: YYYY-MM-DD, or a duration back from today such as 30d.", valueName: "date"))
    var since: String?

    @Flag(help: "Look up each source's reverse DNS name.") var rdns = false
    @Option(help: ArgumentHelp("Seconds all reverse DNS lookups may take together (default 5).", valueName: "seconds"))
    var rdnsTimeout: Double = 5

    @OptionGroup var store: StoreOptions
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try parseDomain(domain)
        try Self.validateSince(since)
        if !(rdnsTimeout > 0 && rdnsTimeout <= 120) { throw ValidationError("--rdns-timeout must be between 0 and 120 seconds") }
    }

    /// `--since` as `observed` and `tls-reports` take it.
    static func validateSince(_ since: String?) throws {
        if let since, sinceDay(since, now: epochNow()) == nil {
            throw ValidationError("--since \"\(since)\": expected a date YYYY-MM-DD or a duration such as 30d")
        }
    }

    static func sinceDay(_ text: String, now: Int64) -> String? {
        if UTCDay.dayNumber(text) != nil { return text }
        let trimmed = text.lowercased()
        guard trimmed.hasSuffix("d"), let days = Int(trimmed.dropLast()), days >= 0, days < 36500 else { return nil }
        return UTCDay.text(dayNumber: UTCDay.number(now) - Int64(days))
    }

    func run() async throws {
        let settings = try store.settings()
        let inventory = try store.openExistingStore(settings)
        let name = try parseDomain(domain)
        let sinceDay = since.flatMap { Self.sinceDay($0, now: epochNow()) }
        let sources = try inventory.observedSources(domain: name.text, since: sinceDay)
        let session = try dns.makeResolver(settings: settings?.dnsSettings ?? .init())
        defer { session.shutdown() }
        let checker = SPFChecker(resolver: session.resolver)
        var entries: [ObservedEntry] = []
        for source in sources {
            var entry = ObservedEntry(source)
            if let ip = IPAddress(source.sourceIP) {
                let evaluation = await checker.checkHost(ip: ip, domain: name.text, sender: "postmaster@\(name.text)")
                entry.spfNow = .init(result: evaluation.result.rawValue, mechanism: evaluation.mechanism, problem: evaluation.problem)
                entry.authorizedNow = evaluation.result == .pass
            }
            entries.append(entry)
        }
        // Who each source is: the approved sender, the include that authorizes it, a catalogue provider,
        // forward-confirmed reverse DNS, the DKIM signer.
        let approved = try inventory.domain(named: name.text).flatMap { $0.id }.map {
            try inventory.senders(domainId: $0).compactMap(InventoryMapping.sender)
        } ?? []
        let analysis = await SPFAnalyzer(resolver: session.resolver).analyze(domain: name)
        let expanded = await SenderExpansion.expand(approved, resolver: session.resolver)
        let catalogue = settings?.providerCatalogue ?? .builtIn
        let namer = SourceNamer(resolver: session.resolver, catalogue: catalogue)
        let named = await namer.names(
            domain: name, sources: sources.compactMap { s in IPAddress(s.sourceIP).map { .init(ip: $0, messages: s.messages, dkimDomains: s.dkimDomains) } },
            approved: approved, expanded: expanded, spf: analysis)
        for index in entries.indices { entries[index].name = named[entries[index].sourceIP] }
        if rdns {
            let names = await ReverseNames.lookup(sources.compactMap { IPAddress($0.sourceIP) }, resolver: session.resolver, within: rdnsTimeout)
            for index in entries.indices { entries[index].reverseName = names[entries[index].sourceIP] }
        }
        let totals = ObservedTotals(entries)
        let temporary = entries.contains { $0.spfNow?.result == "temperror" }
        let gap = entries.contains(where: \.isRealMailSPFLeavesOut)
        let exit = temporary ? ExitStatus.temporaryFailure : (gap ? ExitStatus.findings : ExitStatus.healthy)
        if output.json {
            printJSON(ObservedOutput(domain: name.text, since: sinceDay, totals: totals, sources: entries))
        } else {
            print(Self.text(domain: name.text, since: sinceDay, totals: totals, entries: entries))
        }
        throw ExitCode(exit)
    }

    static func text(domain: String, since: String?, totals: ObservedTotals, entries: [ObservedEntry]) -> String {
        guard !entries.isEmpty else { return "no observed senders for \(domain)\(since.map { " since \($0)" } ?? "") (ingest reports with `senderwatch ingest`)" }
        var lines = ["\(domain): \(totals.sources) source(s), \(totals.messages) message(s)\(since.map { " since \($0)" } ?? ""); "
                     + "DKIM aligned pass \(totals.dkimAlignedPass), SPF aligned pass \(totals.spfAlignedPass), DMARC fail \(totals.dmarcFail); "
                     + "dispositions " + totals.dispositions.sorted { $0.key < $1.key }.map { "\($0.key.isEmpty ? "?" : $0.key) \($0.value)" }.joined(separator: ", ")]
        for e in entries {
            let now = e.spfNow.map { "SPF now: \($0.result)" + ($0.mechanism.map { " (\($0))" } ?? "") } ?? "SPF now: not an IP address"
            lines.append("  \(e.sourceIP)\(e.reverseName.map { " (\($0))" } ?? "")\(e.name.map { "  \($0.name)" } ?? "")  \(e.messages) msg  dkim-aligned \(e.dkimAlignedPass)  spf-aligned \(e.spfAlignedPass)  \(now)")
            lines.append("      from \(e.headerFrom.joined(separator: ",")), envelope \(e.envelopeFrom.joined(separator: ",")); reported SPF "
                         + e.spfResults.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                         + "; \(e.firstDay)..\(e.lastDay) by \(e.reporters.joined(separator: ", "))")
            if let named = e.name { lines.append("      named by \(named.method.rawValue): \(named.detail)") }
            if e.isRealMailSPFLeavesOut {
                lines.append("      ! real mail (DKIM aligned) that \(domain)'s SPF does not authorize: "
                             + (e.name.flatMap { n in n.provider == nil ? nil : n.include.map { "add include:\($0) (\(n.name))" } }
                                ?? "add \(e.sourceIP.contains(":") ? "ip6" : "ip4"):\(e.sourceIP) or the provider's include"))
            }
        }
        return lines.joined(separator: "\n")
    }
}

struct ObservedEntry: Encodable {
    struct Verdict: Encodable {
        let result: String
        let mechanism: String?
        let problem: String?
    }
    let sourceIP: String
    let messages, dkimAlignedPass, spfAlignedPass, dmarcFail: Int
    let dispositions, spfResults, dkimResults: [String: Int]
    let headerFrom, envelopeFrom, dkimDomains, reporters: [String]
    let firstDay, lastDay: String
    @NullEncoded var spfNow: Verdict?
    @NullEncoded var authorizedNow: Bool?
    @NullEncoded var reverseName: String?
    /// Who the source is and how that was learned.
    @NullEncoded var name: SourceName?

    /// DKIM-aligned mail (real) that the record does not authorize now.
    var isRealMailSPFLeavesOut: Bool {
        dkimAlignedPass > 0 && spfNow.map { ["fail", "softfail", "neutral", "none"].contains($0.result) } == true
    }

    init(_ s: ObservedSource) {
        sourceIP = s.sourceIP; messages = s.messages; dkimAlignedPass = s.dkimAlignedPass; spfAlignedPass = s.spfAlignedPass
        dmarcFail = s.dmarcFail; dispositions = s.dispositions; spfResults = s.spfResults; dkimResults = s.dkimResults
        headerFrom = s.headerFrom; envelopeFrom = s.envelopeFrom; dkimDomains = s.dkimDomains; reporters = s.reporters
        firstDay = s.firstDay; lastDay = s.lastDay
    }

}

/// The sources' counts added up, saturating at `ReportValues.maximumMessages` like the counts themselves.
struct ObservedTotals: Encodable {
    let sources, messages, dkimAlignedPass, spfAlignedPass, dmarcFail: Int
    let dispositions: [String: Int]
    init(_ entries: [ObservedEntry]) {
        func total(_ value: (ObservedEntry) -> Int) -> Int {
            entries.reduce(0) { ReportValues.saturatingMessages($0, value($1)) }
        }
        sources = entries.count
        messages = total(\.messages)
        dkimAlignedPass = total(\.dkimAlignedPass)
        spfAlignedPass = total(\.spfAlignedPass)
        dmarcFail = total(\.dmarcFail)
        dispositions = entries.reduce(into: [:]) { acc, e in
            for (k, v) in e.dispositions { acc[k] = ReportValues.saturatingMessages(acc[k] ?? 0, v) }
        }
    }
}

struct ObservedOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domain: String
    @NullEncoded var since: String?
    let totals: ObservedTotals
    let sources: [ObservedEntry]

}

/// Reverse DNS names through the run's resolver (and its cache), all lookups together bounded in time:
/// names not found by then are left out rather than holding up the command.
enum ReverseNames {
    actor Collector {
        var names: [String: String] = [:]
        var done = 0
        func add(_ ip: String, _ name: String?) { if let name { names[ip] = name }; done += 1 }
    }

    static func lookup(_ ips: [IPAddress], resolver: any DNSResolver, within seconds: Double) async -> [String: String] {
        let collector = Collector()
        for ip in ips.prefix(1000) {
            Task.detached {
                let name: String?
                if case .success(let (_, names)) = await resolver.ptr(ip.reverseName) { name = names.first?.text } else { name = nil }
                await collector.add(ip.description, name)
            }
        }
        let deadline = Date().addingTimeInterval(seconds)
        let total = min(ips.count, 1000)
        while Date() < deadline, await collector.done < total { try? await Task.sleep(nanoseconds: 20_000_000) }
        return await collector.names
    }
}
