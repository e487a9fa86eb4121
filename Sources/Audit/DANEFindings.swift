import DNSCore
import TransportPolicy

/// Findings of DANE for SMTP (RFC 7672) from each MX host's TLSA set and the DNSSEC status of it and of the
/// host's addresses. A bogus TLSA set is `dnssec.bogus` (senders that use DANE then refuse to deliver).
public enum DANEFindings {
    public static func findings(_ o: DomainObservation) -> [Finding] {
        var found: [Finding] = []
        for host in o.dane {
            guard case .records(let records, let unreadable) = host.tlsa else { continue }
            let h = host.host.key
            for problem in unreadable.prefix(4) {
                found.append(finding(.daneSyntax, .error, o, h, "a TLSA record at \(host.name) cannot be read: \(problem)",
                                     fix: "publish the record again as usage selector matching-type data, e.g. 3 1 1 <SHA-256 of the key>"))
            }
            let unusable = records.filter { !$0.isUsable }
            if !unusable.isEmpty {
                let none = unusable.count == records.count && unreadable.isEmpty
                found.append(finding(.daneUnusable, none ? .error : .warning, o, h,
                                     "TLSA records at \(host.name) that SMTP senders do not use: "
                                        + unusable.prefix(4).map { "\($0.text): \($0.problems.joined(separator: "; "))" }.joined(separator: " | ")
                                        + (none ? "; no record is usable, so senders fall back to unauthenticated TLS" : ""),
                                     fix: "publish 3 1 1 <SHA-256 of the server's public key> (DANE-EE), or 2 1 1 for the issuing CA's key",
                                     evidence: ["records": unusable.map(\.text).joined(separator: " | ")]))
            }
            let statuses = o.dnssec.filter { $0.name == host.name && $0.type == .tlsa || $0.name == host.host && $0.type == .a }
            let insecure = statuses.filter { if case .insecure = $0.status { true } else { false } }
            if !insecure.isEmpty {
                found.append(finding(.daneInsecure, .warning, o, h,
                                     insecure.map { "\($0.role) (\($0.name) \($0.type))" }.joined(separator: " and ")
                                        + " \(insecure.count == 1 ? "is" : "are") not signed: senders ignore the TLSA records at \(host.name) "
                                        + "(RFC 7672 section 2.2)",
                                     fix: "sign the zones of \(host.name) and \(host.host) with DNSSEC and publish their DS at the parent"))
            }
        }
        return found
    }

    static func finding(_ kind: FindingKind, _ severity: Severity, _ o: DomainObservation, _ subject: String?, _ message: String,
                        fix: String?, evidence: [String: String] = [:]) -> Finding {
        Finding(kind: kind, severity: severity, domain: o.domain.text, subject: subject, message: message, evidence: evidence, fix: fix)
    }
}
