import DMARC
import DNSCore

/// Findings about a domain's DMARC policy (RFC 7489, DMARCbis) and its report destinations.
enum DMARCFindings {
    static func findings(_ observation: DomainObservation, _ expectations: Expectations) -> [Finding] {
        let dmarc = observation.dmarc
        let domain = observation.domain.text
        let policyName = "_dmarc.\((dmarc.policyDomain ?? observation.domain).text)"
        switch dmarc.status {
        case .temperror:
            // Unanswered: the policy is an unknown part, not a finding. Unreadable for good (a CNAME loop at a
            // `_dmarc` name): every receiver fails to read it, which is a finding.
            guard case .impossible(let reason) = dmarc.verdict else { return [] }
            return [Finding(kind: .dmarcDNSError, severity: .error, domain: domain, subject: dmarc.failedName,
                            message: "The DMARC policy of \(domain) cannot be read by any receiver: \(reason)",
                            evidence: ["queried": dmarc.failedName ?? policyName],
                            fix: "Correct the DNS data at \(dmarc.failedName ?? policyName) (a CNAME loop or an unanswerable name)")]
        case .none:
            return [Finding(kind: .dmarcMissing, severity: .error, domain: domain,
                            message: "No DMARC policy applies to \(domain): anyone can send as \(domain) and receivers get no instruction or reports",
                            evidence: ["queried": dmarc.queries.joined(separator: ", ")],
                            fix: "Publish TXT at _dmarc.\(domain): \"v=DMARC1; p=none; rua=mailto:dmarc-reports@\(domain)\", read the reports, then move to p=quarantine and p=reject")]
        case .multiple:
            return [Finding(kind: .dmarcMultiple, severity: .error, domain: domain,
                            message: "\(policyName) publishes \(dmarc.allRecordTexts.count) DMARC records; receivers then apply no policy at all",
                            evidence: Dictionary(uniqueKeysWithValues: dmarc.allRecordTexts.enumerated().map { ("record\($0.offset + 1)", $0.element) }),
                            fix: "Keep exactly one TXT record starting with v=DMARC1 at \(policyName)")]
        case .invalid:
            let error = dmarc.error
            var evidence = ["record": dmarc.recordText ?? dmarc.allRecordTexts.first ?? ""]
            if let tag = error?.tag { evidence["tag"] = tag }
            return [Finding(kind: .dmarcInvalid, severity: .error, domain: domain, subject: error?.tag,
                            message: "The DMARC record at \(policyName) is invalid: \(error?.message ?? dmarc.problem ?? "unparseable")",
                            evidence: evidence,
                            fix: "Correct the record; receivers ignore an invalid DMARC record, which leaves \(domain) unprotected")]
        case .found:
            return policyFindings(observation, expectations, policyName)
                + reportFindings(observation)
        }
    }

    static func policyFindings(_ observation: DomainObservation, _ expectations: Expectations, _ policyName: String) -> [Finding] {
        guard let record = observation.dmarc.record else { return [] }
        let domain = observation.domain.text
        let applied = observation.dmarc.appliedPolicy ?? record.policy
        var findings: [Finding] = []
        if let wanted = expectations.dmarcPolicy, applied < wanted {
            findings.append(Finding(kind: .dmarcWeakerThanExpected, severity: .error, domain: domain,
                                    message: "DMARC policy for \(domain) is p=\(applied.rawValue), weaker than the expected \(wanted.rawValue)",
                                    evidence: ["applied": applied.rawValue, "expected": wanted.rawValue, "record": record.text],
                                    fix: "Set p=\(wanted.rawValue) in \(policyName)"))
        } else if applied == .none, expectations.dmarcPolicy == nil {
            findings.append(Finding(kind: .dmarcMonitoringOnly, severity: .warning, domain: domain,
                                    message: "DMARC policy for \(domain) is p=none: failing mail is delivered as usual (monitoring only)",
                                    evidence: ["record": record.text],
                                    fix: "Once reports show all legitimate senders pass, move \(policyName) to p=quarantine, then p=reject"))
        }
        for warning in record.warnings where warning.code != "policy-none" {
            findings.append(Finding(kind: .dmarcRecordWarning, severity: .info, domain: domain,
                                    subject: warning.code, message: warning.message,
                                    evidence: warning.tag.map { ["tag": $0] } ?? [:]))
        }
        return findings
    }

    static func reportFindings(_ observation: DomainObservation) -> [Finding] {
        let domain = observation.domain.text
        return observation.reportAuthorizations.compactMap { auth in
            guard auth.external, auth.authorized == false else { return nil }
            let policyDomain = (observation.dmarc.policyDomain ?? observation.domain).text
            let name = auth.queried ?? "\(policyDomain)._report._dmarc.\(auth.host)"
            return Finding(kind: .dmarcRUAUnauthorized, severity: .warning, domain: domain, subject: auth.uri,
                           message: "Reports for \(domain) go to \(auth.uri), but \(auth.host) has not authorized them (no v=DMARC1 record at \(name)); receivers drop those reports",
                           evidence: ["uri": auth.uri, "queried": name],
                           fix: "Ask the operator of \(auth.host) to publish TXT \"v=DMARC1\" at \(name), or remove the URI")
        }
    }
}
