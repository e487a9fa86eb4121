import ArgumentParser
import Alerting
import Audit
import DKIM
import DNSCore
import Foundation
import Monitor
import MonitorConfig
import Snapshots

/// `senderwatch check`: SPF and DMARC together, with findings and fixes, for many domains at once.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Audit domains' SPF, DMARC, MTA-STS, TLS-RPT and BIMI (and DKIM keys) and list what is wrong, with fixes.",
        discussion: """
        Each domain gets its SPF analysis (lookup limit, void lookups, syntax, permissive all, ptr), its \
        DMARC policy (missing, invalid, p=none, unauthorized report destinations), and for every --ip the \
        verdict receivers give that address; its MTA-STS record with the policy fetched over HTTPS as senders \
        fetch it (certificate, no redirect, 64 KiB, the MX hosts against its mx patterns), its TLS-RPT record and \
        its BIMI record (and DMARC enforcement, as BIMI needs); for every --dkim-selector, the key at \
        SELECTOR._domainkey.DOMAIN (missing, revoked, too small, sha1 only, t=y, syntax). Domains are audited concurrently over one DNS cache.
        --no-transport reads only SPF and DMARC (and the --dkim-selector keys): the MX set, MTA-STS, TLS-RPT and \
        BIMI are not read, no part stands for them, nothing is said of them, and `notRead` lists them in --json.

        A part DNS does not answer (a timeout, SERVFAIL, a name outside the --zone files) is listed as \
        unknown with its cause; the findings the other parts establish still stand. The exit code follows \
        the findings: 1 for any of warning severity or worse, else 3 when a domain's own SPF and DMARC \
        records could not be read at all, else 0.

        Examples:
          senderwatch check example.com
          senderwatch check example.com example.org --ip 60.130.71.223 --json
          senderwatch check --zone Monitors/demo/zones brightpath.example --ip 60.130.71.223
        """
    )

    @Argument(help: "Domains to audit.")
    var domains: [String] = []

    @Option(name: .customLong("ip"), help: "A sending IP that must be authorized (repeatable); checked against every domain.")
    var ips: [String] = []

    @Option(name: .customLong("dkim-selector"),
            help: ArgumentHelp("A DKIM selector whose key to check at SELECTOR._domainkey.DOMAIN for every domain (repeatable).",
                               valueName: "selector"))
    var dkimSelectors: [String] = []

    @Flag(name: .customLong("no-transport"),
          help: "Read only SPF and DMARC (and --dkim-selector keys): not the MX set, MTA-STS, TLS-RPT or BIMI.")
    var noTransport = false

    @Option(name: .customLong("domains-from"), help: ArgumentHelp("Read more domains from a file, one per line (- for standard input).", valueName: "file"))
    var domainsFile: String?

    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !domains.isEmpty || domainsFile != nil else { throw ValidationError("give at least one domain (or --domains-from FILE)") }
        for domain in domains { _ = try parseDomain(domain) }
        for ip in ips { _ = try parseIP(ip) }
        for selector in dkimSelectors {
            if case .failure(let error) = DKIMSelector.validated(selector) { throw ValidationError("--dkim-selector: \(error)") }
        }
    }

    func run() async throws {
        var names = try domains.map { try parseDomain($0) }
        if let domainsFile { names += try readDomainList(domainsFile) }
        let addresses = try ips.map { try parseIP($0) }
        let session = try dns.makeResolver()
        defer { session.shutdown() }
        let assessor = DomainAssessor(resolver: session.resolver, settings: DomainJudge.Settings(now: epochNow()),
                                      fetcher: CurlPolicyFetcher(now: { epochNow() }), validator: session.validator,
                                      readsTransport: !noTransport)
        var summary = CheckSummary()
        var first = true
        let out = OutputBuffer()
        if output.json { out.write("{\"domains\":[\n") }
        // Results stream out in input order as they complete, so memory stays flat for 100,000 domains.
        // Each domain's output is written by its own task, in parallel; this loop only adds it up and prints it.
        let json = output.json
        try await assessAll(names, addresses, assessor, render: { assessment in
            let result = DomainCheckOutput(assessment)
            return (result, json ? result.json : CheckText.render(result) + "\n\n")
        }) { result, text in
            summary.add(result)
            out.write(json && !first ? ",\n" + text : text)
            first = false
        }
        if output.json {
            out.write("\n],\"schemaVersion\":\(jsonSchemaVersion),\"summary\":\(jsonString(summary, pretty: false))}\n")
        } else {
            out.write(CheckText.render(summary) + "\n")
        }
        out.flush()
        throw ExitCode(summary.exitCode)
    }

    /// Audits up to `--concurrency` domains at a time and hands each result to `emit` in input order.
    func assessAll(_ names: [DomainName], _ ips: [IPAddress], _ assessor: DomainAssessor,
                   render: @escaping @Sendable (DomainAssessment) -> (DomainCheckOutput, String),
                   emit: (DomainCheckOutput, String) -> Void) async throws {
        let selectors = dkimSelectors.compactMap { try? DKIMSelector.validated($0).get() }
        try await OrderedConcurrency.forEach(count: names.count, limit: dns.effectiveConcurrency,
                                             operation: { index in
                                                 var facts = DomainFacts()
                                                 facts.dkim = selectors.map {
                                                     DKIMSelectorFacts(selector: $0, signingDomain: names[index].key,
                                                                       approvedBy: ["--dkim-selector"])
                                                 }
                                                 return render(await assessor.assess(names[index], facts: facts, ips: ips))
                                             },
                                             emit: { _, rendered in emit(rendered.0, rendered.1) })
    }

    func readDomainList(_ path: String) throws -> [DomainName] {
        let data: Data?
        if path == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else { data = FileManager.default.contents(atPath: path) }
        guard let data else { throw InputError("--domains-from \(path): cannot read the file") }
        var names: [DomainName] = []
        for (offset, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, !text.hasPrefix("#") else { continue }
            do { names.append(try DomainName(mailDomain: text)) } catch {
                throw InputError("\(path):\(offset + 1): \(error.description)")
            }
        }
        return names
    }
}
