import DNSCore
import SPF

/// Findings about a domain's SPF record (RFC 7208), from its static analysis and the sender checks. Each
/// rests on answers DNS gave: an unanswered part yields no finding (it is a part with an unknown verdict),
/// and counts with unanswered subtrees are lower bounds, reported as "at least".
enum SPFFindings {
    static func findings(_ observation: DomainObservation, _ expectations: Expectations) -> [Finding] {
        let spf = observation.spf
        let domain = observation.domain.text
        var findings: [Finding] = []

        guard spf.topRecordUnknown == nil else { return [] }
        let unreadable = spf.tree?.verdict == "impossible" || spf.errors.contains { ["multiple-records", "non-ascii"].contains($0.code) }
        guard spf.record != nil || unreadable else {
            findings.append(Finding(
                kind: .spfMissing, severity: .error, domain: domain,
                message: "\(domain) publishes no SPF record: receivers answer 'none' and cannot tell your servers from forgeries",
                fix: "Publish a TXT record at \(domain), for example \"v=spf1 mx -all\", listing every service that sends as \(domain)"))
            return findings
        }

        for diagnostic in spf.errors { findings += finding(forError: diagnostic, spf, domain) }
        for diagnostic in spf.warnings { findings += finding(forWarning: diagnostic, spf, domain, expectations) }
        if let headroom = expectations.maxLookups, spf.dnsLookups > headroom, spf.dnsLookups <= 10 {
            let atLeast = spf.dnsLookupsAreLowerBound ? "at least " : ""
            findings.append(Finding(
                kind: .spfLookupLimit, severity: .warning, domain: domain, subject: "headroom",
                message: "SPF needs \(atLeast)\(spf.dnsLookups) DNS lookups in the worst case, above the \(headroom) this domain allows itself (the hard limit is 10)",
                evidence: ["dnsLookups": String(spf.dnsLookups), "maxLookups": String(headroom)],
                fix: "Remove unused includes or replace a: and mx terms with ip4:/ip6: networks"))
        }
        if let wanted = expectations.spfAll, let actual = spf.allQualifier, strength(actual) < strength(wanted) {
            findings.append(Finding(
                kind: .spfAllQualifier, severity: .warning, domain: domain,
                message: "SPF ends in \(actual)all, weaker than the expected \(wanted)all",
                evidence: ["actual": actual + "all", "expected": wanted + "all"],
                fix: "End the record with \(wanted)all"))
        }
        for check in observation.senderChecks where check.sender == nil { findings += senderFinding(check, spf, domain) }
        return findings
    }

    /// `-` is strongest; `+` weakest.
    static func strength(_ qualifier: String) -> Int {
        switch qualifier { case "-": 3; case "~": 2; case "?": 1; default: 0 }
    }

    static func finding(forError d: SPFDiagnostic, _ spf: SPFAnalysis, _ domain: String) -> [Finding] {
        let evidence = evidenceOf(d)
        switch d.code {
        case "lookup-limit":
            return [Finding(kind: .spfLookupLimit, severity: .critical, domain: domain, subject: "limit",
                            message: sentence(d.message) + " Receivers return permerror, so SPF fails for every message.",
                            evidence: evidence.merging(["dnsLookups": String(spf.dnsLookups)]) { a, _ in a },
                            fix: "Bring the record to 10 lookups or fewer: drop includes of services you no longer use, replace a/mx terms with ip4:/ip6:, or flatten one provider's include into its networks")]
        case "void-limit":
            return [Finding(kind: .spfVoidLimit, severity: .critical, domain: domain,
                            message: d.message, evidence: evidence,
                            fix: "Remove the terms whose names do not exist or have no records: \(spf.voidLookupTerms.joined(separator: ", "))")]
        case "multiple-records":
            return [Finding(kind: .spfMultiple, severity: .critical, domain: domain, message: d.message, evidence: evidence,
                            fix: "Merge the SPF records at \(domain) into one TXT record starting with v=spf1")]
        case "include-no-spf":
            return [Finding(kind: .spfBrokenInclude, severity: .critical, domain: domain, subject: d.term,
                            message: d.message, evidence: evidence,
                            fix: "Remove \(d.term ?? "the include") or correct its name: an include of a name without SPF makes every check permerror")]
        case "dns-temporary":
            // An unanswered part is not a finding; the assessment lists it as unknown.
            return []
        case "dns-failure":
            return [Finding(kind: .spfDNSError, severity: .error, domain: domain, subject: d.term,
                            message: d.message + " (receivers answer temperror for it)", evidence: evidence,
                            fix: "Correct the DNS data behind \(d.term ?? "the record") (a CNAME loop or an unanswerable name)")]
        case "include-loop":
            return [Finding(kind: .spfIncludeLoop, severity: .critical, domain: domain, subject: d.term,
                            message: d.message, evidence: evidence,
                            fix: "Break the loop: a record must not include (or redirect to) itself, directly or through others")]
        case "mx-limit":
            return [Finding(kind: .spfMXLimit, severity: .critical, domain: domain, subject: d.term,
                            message: d.message, evidence: evidence,
                            fix: "An mx term may name at most 10 MX hosts (RFC 7208 section 4.6.4): use ip4:/ip6: or a: terms instead")]
        default:
            return [Finding(kind: .spfSyntax, severity: .critical, domain: domain, subject: d.term,
                            message: d.message, evidence: evidence,
                            fix: "Correct the record so that it follows RFC 7208 section 12; receivers return permerror for it now")]
        }
    }

    static func finding(forWarning d: SPFDiagnostic, _ spf: SPFAnalysis, _ domain: String,
                        _ expectations: Expectations) -> [Finding] {
        let evidence = evidenceOf(d)
        switch d.code {
        case "ptr":
            return [Finding(kind: .spfPTR, severity: .warning, domain: domain, subject: d.term, message: d.message, evidence: evidence,
                            fix: "Replace \(d.term ?? "ptr") with ip4:/ip6: networks or a: hosts; RFC 7208 section 5.5 says not to use ptr")]
        case "permissive-all":
            let plus = d.term?.hasPrefix("+") == true || d.term == "all"
            return [Finding(kind: .spfPermissiveAll, severity: plus ? .critical : .warning, domain: domain, subject: d.term,
                            message: d.message, evidence: evidence, fix: "End the record with -all (or ~all while you roll it out)")]
        case "no-all":
            return [Finding(kind: .spfNoAll, severity: .warning, domain: domain, message: d.message, evidence: evidence,
                            fix: "End the record with -all or ~all; without it unlisted senders get neutral")]
        case "too-long", "string-too-long":
            return [Finding(kind: .spfTooLong, severity: .warning, domain: domain, subject: d.code, message: d.message, evidence: evidence,
                            fix: "Keep the record under 450 octets and each string under 255 octets; move providers into an include you control")]
        default:
            return [Finding(kind: .spfRedundant, severity: .info, domain: domain, subject: [d.code, d.term].compactMap { $0 }.joined(separator: " "),
                            message: d.message, evidence: evidence)]
        }
    }

    static func senderFinding(_ check: SenderCheck, _ spf: SPFAnalysis, _ domain: String) -> [Finding] {
        let evaluation = check.evaluation
        let who = check.label.map { "\($0) (\(check.ip))" } ?? check.ip.description
        var evidence = ["ip": check.ip.description, "result": evaluation.result.rawValue]
        if let mechanism = evaluation.mechanism { evidence["mechanism"] = mechanism }
        if let label = check.label { evidence["sender"] = label }
        // A result reached past an unanswered query is not known; the part says so.
        guard evaluation.unknownCause == nil else { return [] }
        switch evaluation.result {
        case .pass:
            return []
        case .temperror, .permerror:
            // The record-level finding already says why; one per sender would repeat it.
            return []
        case .fail, .softfail, .neutral, .none:
            let verdict = receiverVerdict(evaluation.result, domain: domain, ip: check.ip)
            let term = check.ip.isIPv4 ? "ip4:\(check.ip)" : "ip6:\(check.ip)"
            let fix = InventoryFindings.fix(adding: term, to: spf, extraLookups: 0)
            return [Finding(kind: .spfSenderUnauthorized, severity: .error, domain: domain, subject: check.ip.description,
                            message: "\(domain) does not authorize \(who): receivers answer \(verdict)",
                            evidence: evidence, fix: fix)]
        }
    }

    /// The words a receiver puts in Received-SPF for this result (RFC 7208 section 9.1).
    static func receiverVerdict(_ result: SPFResult, domain: String, ip: IPAddress) -> String {
        switch result {
        case .fail: "fail (domain of \(domain) does not designate \(ip) as permitted sender)"
        case .softfail: "softfail (domain of \(domain) does not designate \(ip) as permitted sender)"
        case .neutral: "neutral (\(ip) is neither permitted nor denied by domain of \(domain))"
        case .none: "none (domain of \(domain) does not provide an SPF record)"
        default: result.rawValue
        }
    }

    /// The text ending in a full stop, so that another sentence can follow.
    static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }

    static func evidenceOf(_ d: SPFDiagnostic) -> [String: String] {
        var e: [String: String] = ["code": d.code]
        if let term = d.term { e["term"] = term }
        if let domain = d.domain { e["recordDomain"] = domain }
        return e
    }
}

/// Small text edits to an SPF record for suggested fixes.
public enum SPFRecordEdit {
    /// The record with `term` inserted before its `all` or `redirect=` (or at the end), unless already present.
    public static func adding(_ term: String, to record: String) -> String? {
        var terms = record.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard !terms.isEmpty, !terms.contains(where: { $0.lowercased() == term.lowercased() }) else { return nil }
        let tail = terms.firstIndex { t in
            let bare = t.lowercased().trimmingPrefix(while: { "+-~?".contains($0) })
            return bare == "all" || t.lowercased().hasPrefix("redirect=")
        }
        terms.insert(term, at: tail ?? terms.endIndex)
        return terms.joined(separator: " ")
    }
}

extension StringProtocol {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> SubSequence {
        self[(firstIndex { !predicate($0) } ?? endIndex)...]
    }
}
