import Foundation

extension FindingKind {
    /// SMTP TLS reports (RFC 8460) show a share of the domain's inbound TLS sessions failing, per result type.
    public static let tlsrptFailures = FindingKind("tlsrpt.failures")
}

/// When `tlsrpt.failures` opens: at least `minSessions` failed sessions of one result type, at least `minShare`
/// of all the sessions reported, over the `windowDays` days up to the latest reported day (so the finding
/// depends on the reports, not on when the poll runs). An error from `errorShare` on.
public struct TLSReportThresholds: Sendable, Hashable {
    public var minSessions: Int
    public var minShare: Double
    public var errorShare: Double
    public var windowDays: Int

    public init(minSessions: Int = 5, minShare: Double = 0.01, errorShare: Double = 0.1, windowDays: Int = 7) {
        self.minSessions = minSessions; self.minShare = minShare; self.errorShare = errorShare; self.windowDays = windowDays
    }
}

/// What the stored SMTP TLS reports say about a domain's inbound sessions in two windows: the latest
/// `windowDays` reported days, and the same number of days before them.
public struct TLSReportFacts: Sendable, Hashable {
    public struct Window: Sendable, Hashable {
        public var successful = 0
        /// Failed sessions by result type, then by receiving MX ('' when the report named none).
        public var failures: [String: [String: Int]] = [:]
        /// Reporting organisations.
        public var reporters: [String] = []

        public init() {}
        public var failed: Int { failures.values.reduce(0) { $0 + $1.values.reduce(0, +) } }
        public var total: Int { successful + failed }
        public func failed(_ type: String) -> Int { failures[type]?.values.reduce(0, +) ?? 0 }
    }

    public var firstDay: String
    public var lastDay: String
    public var windowStart: String
    public var recent: Window
    /// Nil when the reports do not reach back before the window.
    public var before: Window?

    public init(firstDay: String, lastDay: String, windowStart: String, recent: Window, before: Window?) {
        self.firstDay = firstDay; self.lastDay = lastDay; self.windowStart = windowStart; self.recent = recent; self.before = before
    }
}

public enum TLSReportFindings {
    public static func findings(domain: String, facts: TLSReportFacts?, thresholds: TLSReportThresholds = .init()) -> [Finding] {
        guard let facts, facts.recent.total > 0 else { return [] }
        var found: [Finding] = []
        let total = facts.recent.total
        for (type, hosts) in facts.recent.failures.sorted(by: { $0.key < $1.key }) {
            let failed = hosts.values.reduce(0, +)
            let share = Double(failed) / Double(total)
            guard failed >= thresholds.minSessions, share >= thresholds.minShare else { continue }
            let named = hosts.filter { !$0.key.isEmpty }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let mxText = named.isEmpty ? "" : " at " + named.prefix(3).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                + (named.count > 3 ? " and \(named.count - 3) more" : "")
            var trend = ""
            if let before = facts.before, before.total > 0 {
                let earlier = Double(before.failed(type)) / Double(before.total)
                trend = earlier == 0 ? "; none in the \(thresholds.windowDays) days before"
                    : "; \(percent(earlier)) in the \(thresholds.windowDays) days before"
            }
            let message = "\(failed) of \(total) inbound TLS session(s) (\(percent(share))) failed with \(type)\(mxText) "
                + "from \(facts.windowStart) to \(facts.lastDay), as SMTP TLS reports from "
                + facts.recent.reporters.prefix(3).joined(separator: ", ") + (facts.recent.reporters.count > 3 ? " and others" : "")
                + " show" + trend
            var evidence: [String: String] = [
                "resultType": type, "failedSessions": String(failed), "sessions": String(total), "share": percent(share),
                "from": facts.windowStart, "to": facts.lastDay, "reporters": facts.recent.reporters.joined(separator: ", "),
            ]
            if !named.isEmpty { evidence["mxHosts"] = named.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") }
            if let before = facts.before {
                evidence["failedBefore"] = String(before.failed(type))
                evidence["sessionsBefore"] = String(before.total)
            }
            found.append(Finding(kind: .tlsrptFailures, severity: share >= thresholds.errorShare ? .error : .warning,
                                 domain: domain, subject: type, message: message, evidence: evidence,
                                 fix: fix(type, domain: domain, hosts: named.map(\.key))))
        }
        return found
    }

    public static func percent(_ share: Double) -> String {
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }

    static func fix(_ type: String, domain: String, hosts: [String]) -> String {
        let mx = hosts.isEmpty ? "the MX hosts" : hosts.prefix(3).joined(separator: ", ")
        switch type {
        case "certificate-expired": return "renew the TLS certificate of \(mx)"
        case "certificate-host-mismatch": return "serve on \(mx) a certificate that names the host (or a wildcard covering it)"
        case "certificate-not-trusted": return "serve on \(mx) a certificate from a public CA, with its intermediate certificates"
        case "starttls-not-supported": return "offer STARTTLS on \(mx)"
        case "validation-failure": return "check the certificate chain and TLS versions offered by \(mx)"
        case "sts-policy-fetch-error":
            return "serve https://mta-sts.\(domain)/.well-known/mta-sts.txt (the policy host must answer over HTTPS)"
        case "sts-policy-invalid": return "fix the syntax of https://mta-sts.\(domain)/.well-known/mta-sts.txt (RFC 8461 section 3.2)"
        case "sts-webpki-invalid": return "serve mta-sts.\(domain) with a valid certificate from a public CA"
        case "tlsa-invalid", "dane-required": return "publish TLSA records at _25._tcp of \(mx) that match the certificates served"
        case "dnssec-invalid": return "repair the DNSSEC signatures of the zones of \(mx) and their TLSA records"
        default: return "check TLS on \(mx)"
        }
    }
}
