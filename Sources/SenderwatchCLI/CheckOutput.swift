import Audit
import DNSCore

/// JSON contract of `check --json` (schemaVersion 1): `{"domains": [...], "schemaVersion": 1, "summary": {...}}`,
/// one entry per domain in input order, written as each completes (see CheckCommand).
struct DomainCheckOutput: Encodable {
    struct SPFPart: Encodable {
        let record: String?
        let result: String?
        let dnsLookups: Int
        let voidLookups: Int
        let allQualifier: String?
        let networks: [String]
    }
    struct DMARCPart: Encodable {
        let status: String
        let record: String?
        let policyDomain: String?
        let appliedPolicy: String?
    }
    struct SenderPart: Encodable {
        let ip: String
        let result: String
        let mechanism: String?
        let problem: String?
    }

    let domain: String
    let status: String
    let spf: SPFPart
    let dmarc: DMARCPart
    let senders: [SenderPart]
    let findings: [Finding]

    init(_ o: DomainObservation, findings: [Finding]) {
        domain = o.domain.text
        let worst = findings.map(\.severity).max()
        status = o.hadTemporaryFailure ? "unknown" : (worst.map { $0 >= .warning ? $0.rawValue : "ok" } ?? "ok")
        spf = SPFPart(record: o.spf.record, result: o.spf.result?.rawValue, dnsLookups: o.spf.dnsLookups,
                      voidLookups: o.spf.voidLookups, allQualifier: o.spf.allQualifier,
                      networks: o.spf.networks.map { $0.network.description })
        dmarc = DMARCPart(status: o.dmarc.status.rawValue, record: o.dmarc.recordText,
                          policyDomain: o.dmarc.policyDomain?.text, appliedPolicy: o.dmarc.appliedPolicy?.rawValue)
        senders = o.senderChecks.map {
            SenderPart(ip: $0.ip.description, result: $0.evaluation.result.rawValue,
                       mechanism: $0.evaluation.mechanism, problem: $0.evaluation.problem)
        }
        self.findings = findings
    }
}

struct CheckSummary: Encodable {
    var domains = 0
    var healthy = 0
    var findings: [String: Int] = [:]
    var temporaryFailures = 0
    var exitCode: Int32 = ExitStatus.healthy

    mutating func add(_ result: DomainCheckOutput, temporary: Bool) {
        domains += 1
        if result.status == "ok" { healthy += 1 }
        if result.status == "unknown" { temporaryFailures += 1 }
        for finding in result.findings { findings[finding.severity.rawValue, default: 0] += 1 }
        if temporary {
            exitCode = ExitStatus.temporaryFailure
        } else if exitCode == ExitStatus.healthy, result.findings.contains(where: { $0.severity >= .warning }) {
            exitCode = ExitStatus.findings
        }
    }
}

enum CheckText {
    static func render(_ r: DomainCheckOutput) -> String {
        var out: [String] = []
        let headline = r.status == "ok" ? "OK" : r.status.uppercased()
        out.append("\(r.domain): \(headline)")
        out.append("  SPF:   \(r.spf.record.map { "\"\($0)\"" } ?? "(none)")  [\(r.spf.dnsLookups)/10 lookups]")
        let dmarc = r.dmarc.record.map { "\"\($0)\"" } ?? "(\(r.dmarc.status))"
        out.append("  DMARC: \(dmarc)" + (r.dmarc.policyDomain.map { $0 == r.domain ? "" : " at \($0)" } ?? ""))
        for s in r.senders {
            out.append("  sender \(s.ip): \(s.result)" + (s.mechanism.map { " (\($0))" } ?? ""))
        }
        for f in r.findings {
            out.append("  [\(f.severity.rawValue)] \(f.kind): \(f.message)")
            if let fix = f.fix { out.append("      fix: \(fix)") }
        }
        return out.joined(separator: "\n")
    }

    static func render(_ summary: CheckSummary) -> String {
        let counts = ["critical", "error", "warning", "info"].compactMap { s in summary.findings[s].map { "\($0) \(s)" } }
        return "\(summary.domains) domain(s): \(summary.healthy) healthy" + (counts.isEmpty ? "" : "; findings: " + counts.joined(separator: ", "))
            + (summary.temporaryFailures > 0 ? "; \(summary.temporaryFailures) without a verdict (DNS temporary failure)" : "")
    }
}
