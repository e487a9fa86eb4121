import DNSCore

/// Findings of DNSSEC from the status of each deciding answer (`DNSSECCheck`). An indeterminate status says
/// nothing (`EvidenceCoverage`); an insecure one is no finding by itself (most mail domains are unsigned),
/// only its arrival after a secure one is (drift, `Drift.dnssecChanges`).
public enum DNSSECFindings {
    public static func findings(_ o: DomainObservation, settings: DomainJudge.Settings) -> [Finding] {
        let d = o.domain.text
        var found: [Finding] = []
        var mismatched: [DNSSECCheck] = []
        for check in o.dnssec {
            guard case .bogus(let reason, let detail) = check.status else { continue }
            if reason == .dsMismatch { mismatched.append(check); continue }
            found.append(Finding(kind: .dnssecBogus, severity: .critical, domain: d, subject: check.id,
                                 message: "\(check.role) (\(check.name) \(check.type)) does not validate (\(reason.rawValue): \(detail)): "
                                    + "validating resolvers answer SERVFAIL, so receivers cannot read it",
                                 evidence: ["reason": reason.rawValue, "detail": detail], fix: fix(reason, check)))
        }
        if let first = mismatched.first, case .bogus(_, let detail) = first.status {
            found.append(Finding(kind: .dnssecDSMismatch, severity: .critical, domain: d, subject: nil,
                                 message: "\(detail): validating resolvers answer SERVFAIL for "
                                    + mismatched.map { "\($0.name) \($0.type)" }.joined(separator: ", "),
                                 evidence: ["detail": detail, "answers": mismatched.map(\.id).joined(separator: " ")],
                                 fix: "publish at the parent the DS of the zone's current key-signing key (ldns-key2ds), "
                                    + "or sign the zone again with the key the DS names"))
        }
        if let now = settings.now {
            let secure = o.dnssec.compactMap { check -> (DNSSECCheck, Int64)? in
                if case .secure(_, let expires) = check.status { (check, expires) } else { nil }
            }
            if let (check, expires) = secure.min(by: { $0.1 < $1.1 }),
               expires - now < Int64(settings.dnssecWarningDays) * 86400 {
                let left = expires - now
                let severity: Severity = left < Int64(settings.dnssecErrorDays) * 86400 ? .error : .warning
                found.append(Finding(kind: .dnssecSignatureExpiring, severity: severity, domain: d, subject: nil,
                                     message: "a DNSSEC signature behind \(check.role) of \(d) expires on \(Timestamp.iso(expires))"
                                        + " (in \(max(0, left / 3600)) hours): after that validating receivers get SERVFAIL",
                                     evidence: ["expires": Timestamp.iso(expires), "answer": check.id,
                                                "secondsLeft": String(left)],
                                     fix: "re-sign the zone (and check that automatic re-signing runs), "
                                        + "or have the parent re-sign its DS"))
            }
        }
        return found
    }

    static func fix(_ reason: DNSSECStatus.BogusReason, _ check: DNSSECCheck) -> String {
        switch reason {
        case .signatureExpired: "re-sign the zone of \(check.name) now, and make re-signing automatic"
        case .signatureNotYetValid: "check the signer's clock and re-sign the zone with an inception in the past"
        case .missingDNSKEY: "publish the DNSKEY that made the signatures, or sign again with a published key"
        case .dsMismatch: "publish the DS of the current key at the parent"
        case .badDenial: "sign the zone again so its NSEC/NSEC3 chain is complete"
        case .missingSignature: "sign the zone again (every RRset needs an RRSIG), or withdraw the DS at the parent"
        case .badSignature: "sign the zone again; the records were changed after signing"
        }
    }
}
