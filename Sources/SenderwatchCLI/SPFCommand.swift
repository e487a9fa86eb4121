import ArgumentParser
import DNSCore
import Foundation
import SPF

/// `senderwatch spf`: the static analysis of a domain's SPF record, or `check_host` for one sender, or
/// many evaluations from a batch file.
struct SPFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spf",
        abstract: "Analyse a domain's SPF record, or evaluate it for a sending IP as receivers do.",
        discussion: """
        Without --ip: the record, its include tree with DNS lookup counts, the worst-case total against \
        RFC 7208's limit of 10, void lookups, the networks it authorizes, and warnings.
        With --ip: check_host() for that address, exactly as a receiving mail server runs it.
        With --batch FILE (or - for standard input): one "domain ip [sender [helo]]" per line in, one JSON \
        object per line out, evaluated concurrently over one DNS cache.

        Examples:
          senderwatch spf example.com
          senderwatch spf example.com --ip 60.130.71.223 --sender billing@example.com
          senderwatch spf --batch pairs.txt --resolver 127.0.0.1:5353
        """
    )

    @Argument(help: "The domain whose SPF record to read.")
    var domain: String?

    @Option(help: "Evaluate check_host() for this sending IP address.")
    var ip: String?

    @Option(help: "The envelope sender (MAIL FROM) for --ip; default postmaster@DOMAIN.")
    var sender: String?

    @Option(help: "The HELO/EHLO name for --ip (used by %{h}).")
    var helo: String?

    @Option(help: ArgumentHelp("Evaluate every \"domain ip [sender [helo]]\" line of a file (- for standard input).", valueName: "file"))
    var batch: String?

    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if batch != nil {
            guard domain == nil, ip == nil else { throw ValidationError("--batch reads domains and IPs from the file: give no DOMAIN or --ip with it") }
            return
        }
        guard let domain else { throw ValidationError("give a DOMAIN, or --batch FILE") }
        _ = try parseDomain(domain)
        if let ip { _ = try parseIP(ip) }
        if ip == nil, sender != nil || helo != nil { throw ValidationError("--sender and --helo go with --ip") }
    }

    func run() async throws {
        let session = try dns.makeResolver()
        defer { session.shutdown() }
        if let batch {
            let status = try await SPFBatch(resolver: session.resolver, concurrency: dns.effectiveConcurrency).run(path: batch)
            throw ExitCode(status)
        }
        let domainName = try parseDomain(domain!)
        if let ip {
            let address = try parseIP(ip)
            let evaluation = await SPFChecker(resolver: session.resolver)
                .checkHost(ip: address, domain: domainName.text, sender: sender ?? "postmaster@\(domainName.text)", helo: helo)
            let report = SPFCheckOutput(domain: domainName.text, ip: address, sender: sender ?? "postmaster@\(domainName.text)",
                                        helo: helo, evaluation: evaluation)
            if output.json { printJSON(report) } else { print(SPFText.check(report, evaluation: evaluation)) }
            // A result reached past an unanswered query is no verdict; a permanent failure is one (temperror).
            if evaluation.unknownCause != nil, evaluation.result != .pass { throw ExitCode(ExitStatus.temporaryFailure) }
            throw ExitCode(evaluation.result == .pass ? ExitStatus.healthy : ExitStatus.findings)
        }
        let analysis = await SPFAnalyzer(resolver: session.resolver).analyze(domain: domainName)
        if output.json { printJSON(SPFAnalysisOutput(analysis)) } else { print(SPFText.analysis(analysis)) }
        if analysis.topRecordUnknown != nil { throw ExitCode(ExitStatus.temporaryFailure) }
        let errors = analysis.errors.filter { $0.code != "dns-temporary" }
        throw ExitCode(errors.isEmpty && analysis.warnings.isEmpty && analysis.record != nil ? ExitStatus.healthy : ExitStatus.findings)
    }
}

/// JSON contract of `spf DOMAIN --json` (schemaVersion 2: `verdict` of the record, `dnsLookupsLowerBound`,
/// `unknownParts`, and a `verdict` on each tree node).
struct SPFAnalysisOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domain: String
    let record: String?
    let result: String?
    let dnsLookups: Int
    let dnsLookupLimit = 10
    let voidLookups: Int
    let voidLookupTerms: [String]
    let networks: [String]
    let networkDetails: [SPFAuthorizedNetwork]
    let unenumerable: [String]
    let allQualifier: String?
    let warnings: [SPFDiagnostic]
    let errors: [SPFDiagnostic]
    let tree: SPFNode?
    let verdict: String
    let dnsLookupsLowerBound: Bool
    let unknownParts: [SPFUnknownPart]

    init(_ a: SPFAnalysis) {
        verdict = a.recordVerdict.word; dnsLookupsLowerBound = a.dnsLookupsAreLowerBound; unknownParts = a.unknownParts
        domain = a.domain; record = a.record; result = a.result?.rawValue
        dnsLookups = a.dnsLookups; voidLookups = a.voidLookups; voidLookupTerms = a.voidLookupTerms
        networks = a.networks.map { $0.network.description }
        networkDetails = a.networks; unenumerable = a.unenumerable; allQualifier = a.allQualifier
        warnings = a.warnings; errors = a.errors; tree = a.tree
    }
}

/// JSON contract of `spf DOMAIN --ip IP --json` and of each `--batch` line (schemaVersion 2: `verdict`, unknown
/// when a temporary DNS failure stood in the way of the result).
struct SPFCheckOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domain: String
    let ip: String
    let sender: String
    let helo: String?
    let result: String
    let mechanism: String?
    let explanation: String?
    let problem: String?
    let record: String?
    let dnsLookups: Int
    let voidLookups: Int
    let trace: [SPFTraceEntry]?
    let verdict: String

    init(domain: String, ip: IPAddress, sender: String, helo: String?, evaluation: SPFEvaluation, includeTrace: Bool = true) {
        verdict = evaluation.verdict.word
        self.domain = domain; self.ip = ip.description; self.sender = sender; self.helo = helo
        result = evaluation.result.rawValue; mechanism = evaluation.mechanism; explanation = evaluation.explanation
        problem = evaluation.problem; record = evaluation.record
        dnsLookups = evaluation.dnsLookups; voidLookups = evaluation.voidLookups
        trace = includeTrace ? evaluation.trace : nil
    }
}
