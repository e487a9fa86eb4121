import ArgumentParser
import Audit
import DMARC
import DNSCore
import Foundation

/// `senderwatch dmarc DOMAIN`: policy discovery, the record and its validation, and whether external
/// report destinations agreed to receive reports.
struct DMARCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmarc",
        abstract: "Find and validate the DMARC policy that applies to a domain.",
        discussion: """
        Looks up _dmarc.DOMAIN, then walks up the DNS tree (DMARCbis) to the policy domain; validates the \
        record; and for each rua/ruf address in another organization checks the \
        DOMAIN._report._dmarc.HOST authorization record.

        Example: senderwatch dmarc example.com --json
        """
    )

    @Argument(help: "The domain (the header From domain of your mail).")
    var domain: String

    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws { _ = try parseDomain(domain) }

    func run() async throws {
        let name = try parseDomain(domain)
        let session = try dns.makeResolver()
        defer { session.shutdown() }
        let discovery = await DMARCDiscovery(resolver: session.resolver).discover(name)
        let authorizations = await DomainGatherer(resolver: session.resolver).authorize(discovery, domain: name)
        let report = DMARCOutput(discovery, authorizations)
        if output.json { printJSON(report) } else { print(DMARCText.render(discovery, authorizations)) }
        switch discovery.status {
        case .temperror where discovery.verdict.isUnknown: throw ExitCode(ExitStatus.temporaryFailure)
        case .temperror: throw ExitCode(ExitStatus.findings)
        case .found:
            let unauthorized = authorizations.contains { $0.external && $0.authorized == false }
            let weak = discovery.appliedPolicy == DMARCPolicy.none
            throw ExitCode(unauthorized || weak || !(discovery.record?.warnings.isEmpty ?? true) ? ExitStatus.findings : ExitStatus.healthy)
        default: throw ExitCode(ExitStatus.findings)
        }
    }
}

/// JSON contract of `dmarc DOMAIN --json` (schemaVersion 1).
struct DMARCOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domain: String
    let status: String
    let policyDomain: String?
    let organizationalDomain: String?
    let record: String?
    let records: [String]
    let appliedPolicy: String?
    let policy: String?
    let subdomainPolicy: String?
    let nonexistentSubdomainPolicy: String?
    let dkimAlignment: String?
    let spfAlignment: String?
    let percentage: Int?
    let testing: Bool?
    let rua: [String]
    let ruf: [String]
    let warnings: [DMARCDiagnostic]
    let error: DMARCParseError?
    let problem: String?
    let reportDestinations: [ReportAuthorization]
    let queries: [String]

    init(_ d: DMARCDiscoveryResult, _ auth: [ReportAuthorization]) {
        domain = d.domain.text; status = d.status.rawValue
        policyDomain = d.policyDomain?.text; organizationalDomain = d.organizationalDomain?.text
        record = d.recordText; records = d.allRecordTexts; appliedPolicy = d.appliedPolicy?.rawValue
        let r = d.record
        policy = r?.policy.rawValue; subdomainPolicy = r?.subdomainPolicy?.rawValue
        nonexistentSubdomainPolicy = r?.nonexistentSubdomainPolicy?.rawValue
        dkimAlignment = r?.dkimAlignment.rawValue; spfAlignment = r?.spfAlignment.rawValue
        percentage = r?.percentage.map { Int($0) }; testing = r?.testing
        rua = r?.aggregateURIs.map(\.uri) ?? []; ruf = r?.failureURIs.map(\.uri) ?? []
        warnings = r?.warnings ?? []; error = d.error; problem = d.problem
        reportDestinations = auth; queries = d.queries
    }
}

enum DMARCText {
    static func render(_ d: DMARCDiscoveryResult, _ auth: [ReportAuthorization]) -> String {
        var out = ["DMARC for \(d.domain)"]
        switch d.status {
        case .found:
            if let pd = d.policyDomain, pd != d.domain { out.append("  policy domain: \(pd) (no record at _dmarc.\(d.domain))") }
            out.append("  record:        \"\(d.recordText ?? "")\"")
            if let applied = d.appliedPolicy { out.append("  policy:        \(applied.rawValue) applies to \(d.domain)") }
            if let r = d.record {
                out.append("  alignment:     DKIM \(r.dkimAlignment == .strict ? "strict" : "relaxed"), SPF \(r.spfAlignment == .strict ? "strict" : "relaxed")")
                if !r.aggregateURIs.isEmpty { out.append("  rua:           \(r.aggregateURIs.map(\.uri).joined(separator: ", "))") }
                if !r.failureURIs.isEmpty { out.append("  ruf:           \(r.failureURIs.map(\.uri).joined(separator: ", "))") }
                if !r.warnings.isEmpty {
                    out.append("  warnings:")
                    out += r.warnings.map { "    - [\($0.code)] \($0.message)" }
                }
            }
        case .none: out.append("  no DMARC record (queried \(d.queries.joined(separator: ", ")))")
        case .multiple: out.append("  \(d.allRecordTexts.count) DMARC records published: receivers apply none of them")
            out += d.allRecordTexts.map { "    \"\($0)\"" }
        case .invalid: out.append("  invalid record \"\(d.recordText ?? d.allRecordTexts.first ?? "")\"")
            out.append("  error: \(d.error?.message ?? d.problem ?? "unparseable")")
        case .temperror: out.append("  temporary DNS failure: \(d.problem ?? "no answer")")
        }
        let external = auth.filter(\.external)
        if !external.isEmpty {
            out.append("  external report destinations:")
            for a in external {
                let state = a.authorized.map { $0 ? "authorized" : "NOT authorized" } ?? "unknown (\(a.problem ?? "DNS failure"))"
                out.append("    \(a.uri): \(state)" + (a.queried.map { " (\($0))" } ?? ""))
            }
        }
        return out.joined(separator: "\n")
    }
}
