import Audit
import DNSCore

/// JSON contract of `check --json` (schemaVersion 2): `{"domains": [...], "schemaVersion": 2, "summary": {...}}`,
/// one entry per domain in input order, written as each completes (see CheckCommand).
///
/// Each domain: `status` (`ok`, the worst severity of warning or worse, or `unknown` when neither its own SPF
/// nor its DMARC answered), `complete` (every part answered), `parts` (each part's `id`, `label`, `verdict`
/// known/unknown/impossible and `cause`), `spf`, `dmarc`, `senders`, `dkim` (each key read: `name`, `status`, `summary`,
/// `keyType`, `keyBits`, `fingerprint`, `cnameTarget`, `verdict`), `mx` (`records` as published, `nullMX`, `implicit`,
/// `hosts` with their `addresses` and `cnameTarget`, `verdict`), `dnssec` (each validated answer: `answer`,
/// `role`, `status`, `reason`, `expires`; empty when validation is off), `notRead` (only with `--no-transport`:
/// `bimi`, `mta-sts`, `mx`, `tls-rpt`, whose parts and findings are then absent), `findings`.
struct DomainCheckOutput: Encodable {
    struct SPFPart: Encodable {
        let record: String?
        let result: String?
        let dnsLookups: Int
        /// True when some subtree did not answer: `dnsLookups` counts only what did.
        let dnsLookupsLowerBound: Bool
        let voidLookups: Int
        let allQualifier: String?
        let networks: [String]
        let verdict: String
    }
    struct DMARCPart: Encodable {
        let status: String
        let record: String?
        let policyDomain: String?
        let appliedPolicy: String?
        let verdict: String
    }
    struct SenderPart: Encodable {
        let ip: String
        let result: String
        let mechanism: String?
        let problem: String?
        let verdict: String
    }
    /// One DKIM key read (`--dkim-selector`, or the selectors the store knows in `poll`).
    struct DKIMPart: Encodable {
        let name: String
        let status: String
        let summary: String
        let keyType: String?
        let keyBits: Int?
        let fingerprint: String?
        let cnameTarget: String?
        let verdict: String

        init(_ lookup: DKIMKeyLookup) {
            let shown = DKIMSelectorOutput(lookup)
            name = lookup.name; status = shown.status; summary = DKIMText.state(lookup)
            keyType = shown.keyType; keyBits = shown.keyBits; fingerprint = shown.fingerprint; cnameTarget = shown.cnameTarget
            verdict = lookup.verdict.word
        }
    }
    /// The DNSSEC status of one deciding answer: `answer` (`NAME/TYPE`), `role`, `status` (secure, insecure,
    /// bogus, indeterminate), `reason` (bogus and indeterminate) and `expires` (secure: the chain's first
    /// signature expiry, ISO 8601).
    struct DNSSECPart: Encodable {
        let answer: String
        let expires: String?
        let reason: String?
        let role: String
        let status: String

        init(_ check: DNSSECCheck) {
            answer = check.id; role = check.role; status = check.status.word; reason = check.status.reason
            if case .secure(_, let at) = check.status { expires = Timestamp.iso(at) } else { expires = nil }
        }
    }
    /// The MX set: its records as published (`0 .` is a null MX), and each mail host's addresses.
    struct MXPart: Encodable {
        struct Host: Encodable {
            let host: String
            let addresses: [String]
            @NullEncoded var cnameTarget: String?
            let verdict: String
        }
        let records: [String]
        let nullMX: Bool
        /// True when there is no MX record and mail goes to the domain's own addresses (RFC 5321 section 5.1).
        let implicit: Bool
        let hosts: [Host]
        let verdict: String

        init(_ mx: MXObservation) {
            records = mx.exchanges.map(\.text)
            nullMX = mx.nullMX
            if case .none = mx.set { implicit = true } else { implicit = false }
            hosts = mx.hosts.map {
                Host(host: $0.host.text, addresses: $0.addresses.map(\.description), cnameTarget: $0.canonicalName?.text,
                     verdict: $0.isUnknown ? "unknown" : "known")
            }
            verdict = mx.verdict.word
        }
    }
    struct Part: Encodable {
        let id: String
        let label: String
        let verdict: String
        @NullEncoded var cause: String?

        init(_ part: AssessmentPart) {
            id = part.id; label = part.label; verdict = part.verdict.word; cause = part.verdict.reason
        }
    }

    let domain: String
    let status: String
    let complete: Bool
    let dkim: [DKIMPart]
    let parts: [Part]
    let spf: SPFPart
    let dmarc: DMARCPart
    let dnssec: [DNSSECPart]
    let senders: [SenderPart]
    let mx: MXPart?
    /// The parts `--no-transport` left unread; absent when everything was read.
    let notRead: [String]?
    let findings: [Finding]

    init(_ assessment: DomainAssessment) {
        let o = assessment.observation
        domain = o.domain.text
        let worst = assessment.findings.map(\.severity).filter { $0 >= .warning }.max()
        if let worst { status = worst.rawValue } else { status = assessment.status == .unknown ? "unknown" : "ok" }
        complete = assessment.status == .ok
        parts = assessment.parts.map(Part.init)
        dkim = o.dkimKeys.map(DKIMPart.init)
        spf = SPFPart(record: o.spf.record, result: o.spf.result?.rawValue, dnsLookups: o.spf.dnsLookups,
                      dnsLookupsLowerBound: o.spf.dnsLookupsAreLowerBound, voidLookups: o.spf.voidLookups,
                      allQualifier: o.spf.allQualifier, networks: o.spf.networks.map { $0.network.description },
                      verdict: o.spf.recordVerdict.word)
        dmarc = DMARCPart(status: o.dmarc.status.rawValue, record: o.dmarc.recordText,
                          policyDomain: o.dmarc.policyDomain?.text, appliedPolicy: o.dmarc.appliedPolicy?.rawValue,
                          verdict: o.dmarc.verdict.word)
        senders = o.senderChecks.map {
            SenderPart(ip: $0.ip.description, result: $0.evaluation.result.rawValue,
                       mechanism: $0.evaluation.mechanism, problem: $0.evaluation.problem, verdict: $0.evaluation.verdict.word)
        }
        mx = o.transport.mailExchangers.map(MXPart.init)
        notRead = o.transportRead ? nil : Self.transportParts
        dnssec = o.dnssec.map(DNSSECPart.init)
        findings = assessment.findings
    }

    var unknownParts: [Part] { parts.filter { $0.verdict == "unknown" } }

    /// What `--no-transport` does not read.
    static let transportParts = ["bimi", "mta-sts", "mx", "tls-rpt"]
}

struct CheckSummary: Encodable {
    var domains = 0
    var healthy = 0
    var findings: [String: Int] = [:]
    /// Domains whose own SPF and DMARC both went unanswered: no verdict at all.
    var temporaryFailures = 0
    /// Domains with some part unknown (their findings stand on the parts that answered).
    var partial = 0
    var exitCode: Int32 = ExitStatus.healthy

    mutating func add(_ result: DomainCheckOutput) {
        domains += 1
        if result.status == "ok" && result.complete { healthy += 1 }
        if result.status == "unknown" { temporaryFailures += 1 }
        if !result.complete && result.status != "unknown" { partial += 1 }
        for finding in result.findings { findings[finding.severity.rawValue, default: 0] += 1 }
        if result.findings.contains(where: { $0.severity >= .warning }) {
            exitCode = ExitStatus.findings
        } else if result.status == "unknown", exitCode == ExitStatus.healthy {
            exitCode = ExitStatus.temporaryFailure
        }
    }
}

enum CheckText {
    static func render(_ r: DomainCheckOutput) -> String {
        var out: [String] = []
        var headline = r.status == "ok" ? "OK" : r.status.uppercased()
        let unknown = r.unknownParts
        if r.status != "unknown", !unknown.isEmpty { headline += " (\(unknown.count) part(s) unknown)" }
        out.append("\(r.domain): \(headline)")
        let lookups = r.spf.dnsLookupsLowerBound ? "at least \(r.spf.dnsLookups)" : String(r.spf.dnsLookups)
        let spf = r.spf.verdict == "unknown" ? "(unknown)" : r.spf.record.map { "\"\($0)\"" } ?? "(none)"
        out.append("  SPF:   \(spf)" + (r.spf.verdict == "unknown" ? "" : "  [\(lookups)/10 lookups]"))
        let dmarc = r.dmarc.verdict == "unknown" ? "(unknown)" : r.dmarc.record.map { "\"\($0)\"" } ?? "(\(r.dmarc.status))"
        out.append("  DMARC: \(dmarc)" + (r.dmarc.policyDomain.map { $0 == r.domain ? "" : " at \($0)" } ?? ""))
        for s in r.senders {
            let verdict = s.verdict == "unknown" ? "unknown (\(s.problem ?? "DNS did not answer"))" : s.result
            out.append("  sender \(s.ip): \(verdict)" + (s.mechanism.map { " (\($0))" } ?? ""))
        }
        for key in r.dkim {
            out.append("  DKIM:  \(key.name): \(key.summary)" + (key.cnameTarget.map { " (CNAME to \($0))" } ?? ""))
        }
        // Only when validation ran (--dnssec), so the text of unvalidated checks stays as it was.
        for answer in r.dnssec {
            out.append("  DNSSEC: \(answer.answer): \(answer.status)"
                       + (answer.reason.map { " (\($0))" } ?? "") + (answer.expires.map { ", signatures until \($0)" } ?? ""))
        }
        for part in unknown {
            out.append("  unknown: \(part.label): \(part.cause ?? "no answer")")
        }
        if let notRead = r.notRead { out.append("  not read: \(notRead.joined(separator: ", ")) (--no-transport)") }
        for f in r.findings {
            out.append("  [\(f.severity.rawValue)] \(f.kind): \(f.message)")
            if let fix = f.fix { out.append("      fix: \(fix)") }
        }
        return out.joined(separator: "\n")
    }

    static func render(_ summary: CheckSummary) -> String {
        let counts = ["critical", "error", "warning", "info"].compactMap { s in summary.findings[s].map { "\($0) \(s)" } }
        return "\(summary.domains) domain(s): \(summary.healthy) healthy" + (counts.isEmpty ? "" : "; findings: " + counts.joined(separator: ", "))
            + (summary.partial > 0 ? "; \(summary.partial) with unknown parts" : "")
            + (summary.temporaryFailures > 0 ? "; \(summary.temporaryFailures) without a verdict (own SPF and DMARC unanswered)" : "")
    }
}
