import DNSCore
import SPF

extension FindingKind {
    /// A source that DMARC reports show sending real mail (DKIM aligned, or an approved sender) that SPF does not authorize.
    public static let spfObservedUnauthorized = FindingKind("spf.observed-unauthorized")
    /// Sources failing both DKIM and SPF in the reports, summarized per domain.
    public static let dmarcSpoofing = FindingKind("dmarc.spoofing")
    /// An approved sender the reports have not seen for a while.
    public static let inventoryStale = FindingKind("inventory.stale")
}

/// Thresholds for the findings drawn from observed senders (settings `observed_min_messages`,
/// `observed_window`, `stale_after`).
public struct ObservedThresholds: Sendable, Hashable {
    /// Messages a source must have sent in the window before an SPF gap is reported.
    public var minMessages: Int
    /// Days of reports looked at, counted back from the latest day the domain has reports for.
    public var windowDays: Int
    /// Days an approved sender may go unseen in the reports before `inventory.stale` opens.
    public var staleDays: Int

    public init(minMessages: Int = 10, windowDays: Int = 30, staleDays: Int = 30) {
        self.minMessages = minMessages; self.windowDays = windowDays; self.staleDays = staleDays
    }
}

/// One observed source with what the poll learned about it now.
public struct ObservedSenderFacts: Sendable {
    public var ip: IPAddress
    public var messages: Int
    public var dkimAlignedPass: Int
    public var spfAlignedPass: Int
    public var dmarcFail: Int
    public var dispositions: [String: Int]
    public var firstDay: String
    public var lastDay: String
    public var reporters: [String]
    /// `check_host` now, for the domain itself.
    public var spfNow: SPFEvaluation?
    /// The approved sender whose addresses include this source, if any.
    public var approvedBy: ApprovedSender?
    /// Messages with a passing DKIM signature of any domain (the raw `<auth_results>` verdict), and the
    /// signing domains named.
    public var dkimPass: Int = 0
    public var dkimDomains: [String] = []
    /// Who the source is and how that was learned (`SourceNamer`); nil when nothing named it.
    public var name: SourceName?

    public init(ip: IPAddress, messages: Int, dkimAlignedPass: Int, spfAlignedPass: Int, dmarcFail: Int,
                dispositions: [String: Int], firstDay: String, lastDay: String, reporters: [String],
                spfNow: SPFEvaluation? = nil, approvedBy: ApprovedSender? = nil) {
        self.ip = ip; self.messages = messages; self.dkimAlignedPass = dkimAlignedPass; self.spfAlignedPass = spfAlignedPass
        self.dmarcFail = dmarcFail; self.dispositions = dispositions; self.firstDay = firstDay; self.lastDay = lastDay
        self.reporters = reporters; self.spfNow = spfNow; self.approvedBy = approvedBy
    }

    /// Real mail: DKIM aligned for some of it, or a sender the owner approved.
    public var looksLegitimate: Bool { dkimAlignedPass > 0 || approvedBy != nil }
}

/// Findings from the senders DMARC reports and message headers observed: real senders SPF leaves out,
/// spoofing, approved senders no longer seen.
public enum ObservedFindings {
    public static func findings(domain: String, spf: SPFAnalysis, policy: String?, sources: [ObservedSenderFacts],
                                staleSenders: [(sender: ApprovedSender, lastSeen: String?)], reportsSince: String,
                                thresholds: ObservedThresholds) -> [Finding] {
        var findings = sources.compactMap { unauthorized($0, domain: domain, spf: spf, thresholds: thresholds) }
        if let spoofing = spoofing(domain: domain, policy: policy, sources: sources) { findings.append(spoofing) }
        findings += staleSenders.map { stale($0.sender, lastSeen: $0.lastSeen, domain: domain, since: reportsSince, days: thresholds.staleDays) }
        return findings
    }

    static func unauthorized(_ s: ObservedSenderFacts, domain: String, spf: SPFAnalysis, thresholds: ObservedThresholds) -> Finding? {
        guard s.looksLegitimate, s.messages >= thresholds.minMessages, let now = s.spfNow else { return nil }
        guard [.fail, .softfail, .neutral, .none].contains(now.result) else { return nil }
        let verdict = SPFFindings.receiverVerdict(now.result, domain: domain, ip: s.ip)
        let why = s.approvedBy.map { "it is the approved sender \(InventoryFindings.describe($0))" }
            ?? "\(s.dkimAlignedPass) of them passed DKIM aligned with \(domain), so the mail is genuine"
        var evidence = ["ip": s.ip.description, "messages": String(s.messages), "dkimAlignedPass": String(s.dkimAlignedPass),
                        "spfAlignedPass": String(s.spfAlignedPass), "spfNow": now.result.rawValue,
                        "firstDay": s.firstDay, "lastDay": s.lastDay, "reporters": s.reporters.joined(separator: ", ")]
        if let approved = s.approvedBy { evidence["approvedSender"] = approved.key }
        if let mechanism = now.mechanism { evidence["mechanism"] = mechanism }
        if let name = s.name {
            evidence["sourceName"] = name.name
            evidence["sourceNamedBy"] = name.method.rawValue
            evidence["sourceNameDetail"] = name.detail
        }
        // The approved sender's own term; else the include of the provider the source was named after;
        // else the address itself.
        let providerInclude = s.name.flatMap { $0.provider == nil ? nil : $0.include }
        let term = s.approvedBy.map { InventoryFindings.term(for: $0) }
            ?? providerInclude.map { "include:\($0)" }
            ?? (s.ip.isIPv4 ? "ip4:\(s.ip)" : "ip6:\(s.ip)")
        var fix = InventoryFindings.fix(adding: term, to: spf, extraLookups: term.hasPrefix("include:") || term.hasPrefix("a:") ? 1 : 0)
        if s.approvedBy == nil, providerInclude != nil, let name = s.name,
           let range = fix.range(of: "Add \(term) to") {
            fix.replaceSubrange(range, with: "Add \(term) (\(name.name)) to")
        }
        let who = s.name.map { " (\($0.name), by \($0.method.rawValue))" } ?? ""
        return Finding(
            kind: .spfObservedUnauthorized, severity: .error, domain: domain, subject: s.ip.description,
            message: "\(s.ip)\(who) sent \(s.messages) message(s) as \(domain) from \(s.firstDay) to \(s.lastDay) and \(why); "
                + "but SPF does not authorize it: receivers answer \(verdict)",
            evidence: evidence,
            fix: fix)
    }

    static func spoofing(domain: String, policy: String?, sources: [ObservedSenderFacts]) -> Finding? {
        let failing = sources.filter { $0.dmarcFail > 0 && !$0.looksLegitimate }
        guard !failing.isEmpty else { return nil }
        let messages = failing.reduce(0) { $0 + $1.dmarcFail }
        var actions: [String: Int] = [:]
        for s in failing {
            // Dispositions cover all of a source's messages; for a source that never passed they are its failures.
            for (action, count) in s.dispositions { actions[action.isEmpty ? "none" : action, default: 0] += count }
        }
        let did = ["reject": "rejected", "quarantine": "quarantined", "none": "delivered"].sorted { $0.key > $1.key }
            .compactMap { key, word in actions[key].map { "\($0) \(word)" } }.joined(separator: ", ")
        let top = failing.sorted { $0.dmarcFail != $1.dmarcFail ? $0.dmarcFail > $1.dmarcFail : $0.ip < $1.ip }.prefix(5)
        let first = failing.map(\.firstDay).min() ?? "", last = failing.map(\.lastDay).max() ?? ""
        return Finding(
            kind: .dmarcSpoofing, severity: .info, domain: domain, subject: "spoofing",
            message: "\(failing.count) source(s) sent \(messages) message(s) as \(domain) failing both DKIM and SPF from \(first) to \(last); "
                + "the policy (p=\(policy ?? "unknown")) had them \(did.isEmpty ? "not reported" : did)",
            evidence: ["sources": String(failing.count), "messages": String(messages), "policy": policy ?? "",
                       "rejected": String(actions["reject"] ?? 0), "quarantined": String(actions["quarantine"] ?? 0),
                       "delivered": String(actions["none"] ?? 0),
                       "topSources": top.map { "\($0.ip) (\($0.dmarcFail)\($0.name.map { ", \($0.name)" } ?? ""))" }.joined(separator: ", ")],
            fix: (policy == "reject") ? nil : "Once every real sender passes DKIM or SPF aligned, move the DMARC policy to p=reject")
    }

    static func stale(_ sender: ApprovedSender, lastSeen: String?, domain: String, since: String, days: Int) -> Finding {
        let label = InventoryFindings.describe(sender)
        let when = lastSeen.map { "last seen \($0)" } ?? "never seen in the reports since \(since)"
        return Finding(
            kind: .inventoryStale, severity: .warning, domain: domain, subject: sender.key,
            message: "\(label) is approved but the DMARC reports have not seen it send for \(days) days or more (\(when))",
            evidence: ["sender": sender.key, "lastSeen": lastSeen ?? "", "reportsSince": since, "staleAfterDays": String(days)],
            fix: "If the service is retired, remove it from the monitor file and its term from the SPF record; otherwise check that it still sends")
    }
}
