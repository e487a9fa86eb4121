import Audit
import DNSCore

/// JSON contract of `check --json` (schemaVersion 1): one entry per domain in input order, then a summary.
struct CheckOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let domains: [DomainCheckOutput]
    let summary: CheckSummary
}

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
    let domains: Int
    let healthy: Int
    let findings: [String: Int]
    let temporaryFailures: Int
    let exitCode: Int32

    init(_ results: [DomainCheckOutput], temporary: Bool) {
        domains = results.count
        healthy = results.filter { $0.status == "ok" }.count
        var counts: [String: Int] = [:]
        for finding in results.flatMap(\.findings) { counts[finding.severity.rawValue, default: 0] += 1 }
        findings = counts
        temporaryFailures = results.filter { $0.status == "unknown" }.count
        if temporary { exitCode = ExitStatus.temporaryFailure } else if results.flatMap(\.findings).contains(where: { $0.severity >= .warning }) {
            exitCode = ExitStatus.findings
        } else { exitCode = ExitStatus.healthy }
    }
}

enum CheckText {
    static func render(_ results: [DomainCheckOutput], _ summary: CheckSummary) -> String {
        var out: [String] = []
        for r in results {
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
            out.append("")
        }
        let counts = ["critical", "error", "warning", "info"].compactMap { s in summary.findings[s].map { "\($0) \(s)" } }
        out.append("\(summary.domains) domain(s): \(summary.healthy) healthy" + (counts.isEmpty ? "" : "; findings: " + counts.joined(separator: ", "))
                   + (summary.temporaryFailures > 0 ? "; \(summary.temporaryFailures) without a verdict (DNS temporary failure)" : ""))
        return out.joined(separator: "\n")
    }
}
