import Monitor
import MonitorConfig
import Foundation

/// The snapshot as CSV (RFC 4180), one row per domain, for spreadsheets. Lists inside a cell are joined
/// with spaces; a cell that a spreadsheet would run as a formula gets a leading apostrophe, since record text
/// comes from DNS and reports: one starting with =, +, -, @, a tab or a carriage return (OWASP's CSV injection
/// list). Message totals add up saturating, as the counts they add do.
public enum SnapshotCSV {
    public static let columns = [
        "domain", "taken_at", "sequence", "status", "worst_severity", "open_findings", "finding_kinds",
        "spf_record", "spf_record_sha256", "spf_result", "spf_lookups", "spf_lookup_budget", "spf_lookup_limit",
        "spf_void_lookups", "spf_all", "spf_all_expected", "authorized_networks", "includes",
        "dmarc_record", "dmarc_record_sha256", "dmarc_status", "dmarc_policy", "dmarc_policy_expected",
        "senders_approved", "senders_authorized", "senders_unauthorized", "flattened_includes",
        "observed_sources", "observed_messages", "observed_dmarc_pass_rate", "last_poll_at",
        "dkim_selectors", "dkim_keys_found", "dkim_keys_problem", "dkim_weakest_rsa_bits",
        "mta_sts_record", "mta_sts_policy", "mta_sts_mode", "tls_rpt_record", "bimi_record", "mx_records", "dnssec_status",
        "observed_source_names", "observed_unnamed_sources",
    ]

    public static func render(_ s: Snapshot) -> String {
        var lines = [columns.map(cell).joined(separator: ",")]
        for d in s.domains {
            let sources = s.observedSenders.sources.filter { $0.domain == d.domain }
            let messages = sources.reduce(0) { saturated($0, $1.messages) }
            let days = s.observedSenders.daily.filter { $0.domain == d.domain }
            let passed = days.reduce(0) { total, day in saturated(total, passedMessages(day)) }
            let values: [String] = [
                d.domain, s.takenAt, s.sequence.map(String.init) ?? "", d.status, d.worstSeverity ?? "", String(d.findings.count),
                Array(Set(d.findings.map(\.kind))).sorted().joined(separator: " "),
                d.spf.record ?? "", d.spf.recordSHA256 ?? "", d.spf.result ?? "", String(d.spf.dnsLookups),
                String(d.spf.lookupBudget), String(d.spf.lookupLimit), String(d.spf.voidLookups), d.spf.allQualifier ?? "",
                d.expectations.spfAll ?? "", d.spf.authorizedNetworks.map(\.network).joined(separator: " "),
                d.spf.includes.joined(separator: " "),
                d.dmarc.record ?? "", d.dmarc.recordSHA256 ?? "", d.dmarc.status, d.dmarc.appliedPolicy ?? "",
                d.expectations.dmarcPolicy ?? "",
                String(d.senders.count), String(d.senders.filter { $0.status == "authorized" }.count),
                String(d.senders.filter { $0.status == "unauthorized" }.count),
                d.flattened.map(\.include).joined(separator: " "),
                String(sources.count), String(messages),
                days.isEmpty ? "" : percentText(passed, of: days.reduce(0) { saturated($0, $1.messages) }),
                d.lastPollAt ?? "",
            ] + dkimCells(d.dkim ?? []) + [
                d.transport?.mtaSTSRecord ?? "", d.transport?.policyStatus ?? "", d.transport?.policyMode ?? "",
                d.transport?.tlsRPTRecord ?? "", d.transport?.bimiRecord ?? "",
                (d.mx?.records ?? []).joined(separator: ", "),
                (d.dnssec ?? []).map { "\($0.answer)=\($0.status)" }.joined(separator: " "),
                // Each name once, with how it was learned: "Google Workspace (spf-include); Office relay (approved-sender)".
                Array(Set(sources.compactMap { s in s.sourceName.map { "\($0) (\(s.sourceNamedBy ?? ""))" } })).sorted().joined(separator: "; "),
                String(sources.filter { $0.sourceName == nil }.count),
            ]
            lines.append(values.map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Selectors (`name=status`), keys found, keys missing, revoked or unusable, and the smallest RSA key.
    static func dkimCells(_ keys: [DKIMKeySnapshot]) -> [String] {
        let found = keys.filter { $0.status == "found" }
        let problems = keys.filter { ["absent", "revoked", "invalid"].contains($0.status) }
        let weakest = found.filter { $0.keyType == "rsa" }.compactMap(\.keyBits).min()
        return [keys.map { "\($0.name)=\($0.status)" }.joined(separator: " "), String(found.count), String(problems.count),
                weakest.map(String.init) ?? ""]
    }

    /// Messages of a day that passed, back from its rate (exact for rates computed by `percentText`); a rate
    /// outside 0.00...100.00 (an edited snapshot file) is held to that range.
    static func passedMessages(_ day: DailyPassRateSnapshot) -> Int {
        let parts = day.dmarcPassRate.split(separator: ".")
        let whole = min(max(Int(parts.first ?? "0") ?? 0, 0), 100)
        let fraction = parts.count > 1 ? min(max(Int(parts[1].prefix(2)) ?? 0, 0), 99) : 0
        let hundredths = min(whole * 100 + fraction, 10_000)
        let messages = min(max(day.messages, 0), maximumMessages)
        return (messages * hundredths + 5_000) / 10_000
    }

    /// Stored counts saturate at 10^12 (`ReportValues.maximumMessages` in AuthReports): so do totals here.
    static let maximumMessages = 1_000_000_000_000

    static func saturated(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? maximumMessages : min(max(sum, 0), maximumMessages)
    }

    /// The characters that make a spreadsheet read a cell as a formula when they open it (OWASP, "CSV
    /// Injection"): a tab or carriage return first also does, since some spreadsheets strip them and read on.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    static func cell(_ raw: String) -> String {
        var text = raw
        if let first = text.unicodeScalars.first, formulaStarts.contains(first) { text = "'" + text }
        guard text.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
