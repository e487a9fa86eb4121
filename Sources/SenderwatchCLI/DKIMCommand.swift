import ArgumentParser
import Audit
import DKIM
import DNSCore
import Foundation
import Inventory

/// `senderwatch dkim DOMAIN`: every DKIM selector known for a domain, its key as published now, and what is wrong.
struct DKIMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "Show the DKIM keys of a domain's selectors: from the monitor file, the reports, or --selector.",
        discussion: """
        Selectors come from the database when there is one (the domain's dkim_selectors:, its senders' dkim:, \
        and every selector the ingested DMARC reports named, with the signing domain d= they named it for), \
        and from --selector (repeatable, for the domain itself as d=). Each key is read now at \
        SELECTOR._domainkey.D (a CNAME to a provider is followed and shown) and judged as receivers do: \
        revoked (empty p=), RSA under 1024 bits (ignored by receivers, RFC 8301), under 2048, h=sha1 only, \
        t=y, syntax; keys the reports show in use but missing; keys the monitor file lists but the reports \
        have not seen for stale_after days; and sources that pass DKIM only with a d= not aligned with DOMAIN.
        --json: {schemaVersion, domain, selectors[{name, selector, signingDomain, learnedFrom[], approvedBy[], \
        reported{firstDay, lastDay, messages, pass, fail, recentMessages, recentPass, sources[], sourceCount}, \
        status (found, revoked, invalid, absent, unknown, impossible), record, records, cnameTarget, keyType, \
        keyBits, fingerprint, testing, hashAlgorithms[], problem}], findings[]}.
        Exit codes: 0 no finding of warning or above; 1 findings; 2 input error (no selector known); 3 every key \
        lookup failed temporarily.

        Example: senderwatch dkim example.com --selector s1 --selector s2
        """)

    @Argument(help: "The domain whose selectors to read.") var domain: String
    @Option(name: .customLong("selector"), help: ArgumentHelp("A selector to read for the domain itself (repeatable).", valueName: "name"))
    var selectors: [String] = []
    @OptionGroup var store: StoreOptions
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try parseDomain(domain)
        for selector in selectors {
            if case .failure(let error) = DKIMSelector.validated(selector) { throw ValidationError("--selector: \(error)") }
        }
    }

    func run() async throws {
        let name = try parseDomain(domain)
        let settings = try store.settings()
        let thresholds = settings?.observed ?? ObservedThresholds()
        let now = epochNow()
        var facts = DomainFacts()
        if FileManager.default.fileExists(atPath: store.databasePath(settings)) {
            facts = try await store.openStore(settings).0.dkimFacts(domain: name.text, thresholds: thresholds, now: now)
        }
        let given = selectors.compactMap { try? DKIMSelector.validated($0).get() }
        var known = facts.dkimSelectors(domain: name)
        for selector in given {
            if let at = known.firstIndex(where: { $0.selector == selector && $0.signingDomain == name.key }) {
                known[at].approvedBy.append("--selector")
            } else {
                known.append(DKIMSelectorFacts(selector: selector, signingDomain: name.key, approvedBy: ["--selector"]))
            }
        }
        guard !known.isEmpty else {
            throw InputError("no DKIM selector known for \(name): give --selector, list dkim: for its senders in the monitor file, "
                + "or ingest DMARC reports that name selectors")
        }
        let session = try dns.makeResolver(settings: settings?.dnsSettings ?? .init())
        defer { session.shutdown() }
        let toRead = Array(known.sorted { $0.keyName < $1.keyName }.prefix(DKIMKeyReader.maximumSelectors * 2))
        let lookups = await DKIMKeyReader.read(toRead, resolver: session.resolver)
        // Findings for the keys the poll reads (the domain's own d=); another organization's key is shown only.
        let judged = Set(DKIMKeyReader.selectorsToRead(known, domain: name).map(\.keyName))
        var findings = lookups.filter { judged.contains($0.name) }.flatMap { DKIMFindings.keyFindings($0, domain: name.text, facts: facts) }
        findings += DKIMFindings.unaligned(domain: name, facts: facts, thresholds: thresholds)
        findings = Finding.ordered(findings)
        if output.json {
            printJSON(DKIMOutput(domain: name.text, selectors: lookups.map(DKIMSelectorOutput.init), findings: findings))
        } else {
            print(DKIMText.render(name, lookups, findings))
        }
        if lookups.allSatisfy({ $0.verdict.isUnknown }) { throw ExitCode(ExitStatus.temporaryFailure) }
        throw ExitCode(findings.contains { $0.severity >= .warning } ? ExitStatus.findings : ExitStatus.healthy)
    }
}

/// JSON contract of `dkim DOMAIN --json` (schemaVersion 1).
struct DKIMOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domain: String
    let selectors: [DKIMSelectorOutput]
    let findings: [Finding]
}

struct DKIMSelectorOutput: Encodable {
    struct Reported: Encodable {
        let firstDay: String, lastDay: String
        let messages: Int, pass: Int, fail: Int, recentMessages: Int, recentPass: Int
        let sources: [String]
        let sourceCount: Int
    }
    let name: String, selector: String, signingDomain: String
    let learnedFrom: [String], approvedBy: [String]
    let reported: Reported?
    let status: String
    let record: String?, records: Int?, cnameTarget: String?
    let keyType: String?, keyBits: Int?, fingerprint: String?, testing: Bool?, hashAlgorithms: [String]?
    let problem: String?

    init(_ lookup: DKIMKeyLookup) {
        let f = lookup.facts
        name = lookup.name; selector = f.selector; signingDomain = f.signingDomain
        learnedFrom = f.learnedFrom; approvedBy = f.approvedBy
        reported = f.reported.map { r in
            Reported(firstDay: r.firstDay, lastDay: r.lastDay, messages: r.messages, pass: r.pass, fail: r.fail,
                     recentMessages: r.recentMessages, recentPass: r.recentPass, sources: r.sources, sourceCount: r.sourceCount)
        }
        cnameTarget = lookup.delegatedTo
        var record: String?, records: Int?, keyType: String?, keyBits: Int?, fingerprint: String?
        var testing: Bool?, hashes: [String]?, problem: String?
        status = lookup.status
        switch lookup.outcome {
        case .found(let r, let count):
            record = r.text; records = count; keyType = r.keyType.description; testing = r.isTesting
            hashes = r.hashAlgorithms; keyBits = r.publicKey?.bits; fingerprint = r.publicKey?.fingerprint; problem = r.keyProblem
        case .invalid(let error, let text): record = text; problem = error.message
        case .absent(let nxdomain): problem = nxdomain ? "NXDOMAIN" : "no TXT record"
        case .unknown(let failure): problem = failure.description
        case .impossible(let reason): problem = reason
        }
        self.record = record; self.records = records; self.keyType = keyType; self.keyBits = keyBits
        self.fingerprint = fingerprint; self.testing = testing; self.hashAlgorithms = hashes; self.problem = problem
    }
}

enum DKIMText {
    static func render(_ domain: DomainName, _ lookups: [DKIMKeyLookup], _ findings: [Finding]) -> String {
        var out = ["DKIM for \(domain)"]
        for lookup in lookups {
            out.append("  \(lookup.name): \(state(lookup))")
            let f = lookup.facts
            var learned: [String] = []
            if !f.approvedBy.isEmpty { learned.append("listed for \(f.approvedBy.joined(separator: ", "))") }
            if let r = f.reported {
                learned.append("reports: \(r.messages) messages \(r.firstDay)..\(r.lastDay), \(r.pass) pass, \(r.fail) fail, "
                    + "\(r.sourceCount) source\(r.sourceCount == 1 ? "" : "s")")
            }
            out.append("    learned from: \(learned.joined(separator: "; "))")
            if let target = lookup.delegatedTo { out.append("    CNAME to:     \(target)") }
            if let text = lookup.record?.text { out.append("    record:       \"\(text)\"") }
        }
        if findings.isEmpty {
            out.append("  no findings")
        } else {
            out.append("  findings:")
            for finding in findings {
                out.append("    \(finding.severity.rawValue) \(finding.kind): \(finding.message)")
                if let fix = finding.fix { out.append("      fix: \(fix)") }
            }
        }
        return out.joined(separator: "\n")
    }

    static func state(_ lookup: DKIMKeyLookup) -> String {
        switch lookup.outcome {
        case .found(let record, _):
            if record.isRevoked { return "revoked (empty p=)" }
            guard let key = record.publicKey else { return "unusable key: \(record.keyProblem ?? "?")" }
            return "\(key.algorithm.rawValue) \(key.bits) bits, \(key.fingerprint.prefix(23))..." + (record.isTesting ? ", t=y" : "")
        case .invalid(let error, _): return "invalid record: \(error)"
        case .absent(let nxdomain): return "no key (\(nxdomain ? "NXDOMAIN" : "no TXT record"))"
        case .unknown(let failure): return "unknown (\(failure))"
        case .impossible(let reason): return "cannot be read: \(reason)"
        }
    }
}
