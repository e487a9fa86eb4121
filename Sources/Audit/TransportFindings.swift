import DMARC
import DNSCore
import TransportPolicy

/// Findings of MTA-STS, TLS-RPT and BIMI, from what was read now and what the monitor file expects. A part
/// not answered says nothing (its findings stay as they were, `EvidenceCoverage`).
public enum TransportFindings {
    public static func findings(_ o: DomainObservation, _ expectations: Expectations, certificateWarningDays: Int,
                                now: Int64? = nil) -> [Finding] {
        mtaSTS(o, expectations, certificateWarningDays: certificateWarningDays) + tlsRPT(o, expectations)
            + bimi(o, expectations, now: now, certificateWarningDays: certificateWarningDays)
    }

    static func finding(_ kind: FindingKind, _ severity: Severity, _ o: DomainObservation, _ subject: String?, _ message: String,
                        fix: String?, evidence: [String: String] = [:]) -> Finding {
        Finding(kind: kind, severity: severity, domain: o.domain.text, subject: subject, message: message, evidence: evidence, fix: fix)
    }

    static func mtaSTS(_ o: DomainObservation, _ expected: Expectations, certificateWarningDays: Int) -> [Finding] {
        let t = o.transport
        let d = o.domain.text
        var found: [Finding] = []
        let url = "https://mta-sts.\(d)/.well-known/mta-sts.txt"
        switch t.mtaSTS {
        case .unknown, .impossible:
            return []
        case .invalid(let error, let texts):
            // Senders then have no policy at all; what the policy host serves does not matter to them.
            return [finding(.mtaSTSSyntax, .error, o, "record", "the MTA-STS record at _mta-sts.\(d) cannot be used: \(error)",
                            fix: "publish one TXT record: v=STSv1; id=<letters and digits, changed with each policy edit>",
                            evidence: ["records": texts.joined(separator: " | ")])]
        case .absent:
            if let mode = expected.mtaSTS {
                if t.policy.policy != nil {
                    found.append(finding(.mtaSTSPolicyWithoutRecord, .warning, o, nil,
                                         "\(url) serves a policy but no _mta-sts.\(d) record announces it: senders never fetch it",
                                         fix: "publish _mta-sts.\(d) TXT \"v=STSv1; id=\(Self.suggestedID)\""))
                } else {
                    found.append(finding(.mtaSTSMissing, .warning, o, nil,
                                         "no MTA-STS record at _mta-sts.\(d), where the monitor file expects mode \(mode.rawValue)",
                                         fix: "serve a policy at \(url) and publish _mta-sts.\(d) TXT \"v=STSv1; id=\(Self.suggestedID)\""))
                }
            }
            return found
        case .found:
            break
        }
        switch t.policy {
        case .notRead, .unknown:
            return found
        case .refused(let reason):
            found.append(finding(.mtaSTSRecordWithoutPolicy, .error, o, nil,
                                 "_mta-sts.\(d) announces MTA-STS but senders cannot fetch the policy: \(reason)",
                                 fix: "serve the policy at \(url) with a certificate valid for mta-sts.\(d), no redirect, at most 64 KiB",
                                 evidence: ["url": url, "reason": reason]))
        case .invalid(let error, let text):
            found.append(finding(.mtaSTSSyntax, .error, o, "policy", "the MTA-STS policy at \(url) cannot be used: \(error)",
                                 fix: "serve version: STSv1, mode: enforce|testing|none, max_age: <seconds> and one mx: line per MX host",
                                 evidence: ["policy": String(text.prefix(2000))]))
        case .fetched(let policy, _, let seconds):
            found += policyFindings(o, policy, expected: expected)
            if let seconds, seconds < Int64(certificateWarningDays) * 86400 {
                let days = max(0, seconds / 86400)
                found.append(finding(.mtaSTSCertificateExpiring, seconds < 3 * 86400 ? .error : .warning, o, "mta-sts.\(d)",
                                     seconds <= 0 ? "the certificate of mta-sts.\(d) has expired: senders cannot fetch the policy"
                                        : "the certificate of mta-sts.\(d) expires in \(days) day(s): then senders cannot fetch the policy",
                                     fix: "renew the certificate of mta-sts.\(d)", evidence: ["secondsLeft": String(seconds)]))
            }
        }
        return found
    }

    /// The policy changed under an id that did not (`ObservationSummary.mtaSTSStaleID`).
    public static func idUnchanged(_ o: DomainObservation, staleID: String?) -> [Finding] {
        guard let stale = staleID, o.transport.mtaSTS.value?.id == stale else { return [] }
        let d = o.domain.text
        return [finding(.mtaSTSIDUnchanged, .error, o, nil,
                        "the MTA-STS policy at https://mta-sts.\(d)/.well-known/mta-sts.txt changed but the record's id is still "
                            + "\(stale): senders that cached the old policy keep it until max_age runs out",
                        fix: "change the id in _mta-sts.\(d) (for example to \(Self.suggestedID)) whenever the policy changes",
                        evidence: ["id": stale])]
    }

    static func policyFindings(_ o: DomainObservation, _ policy: MTASTSPolicy, expected: Expectations) -> [Finding] {
        let d = o.domain.text
        var found: [Finding] = []
        if let mode = expected.mtaSTS, policy.mode < mode {
            found.append(finding(.mtaSTSWeakerThanExpected, .warning, o, nil,
                                 "the MTA-STS policy of \(d) is in mode \(policy.mode.rawValue), weaker than the expected \(mode.rawValue)",
                                 fix: "set mode: \(mode.rawValue) in the policy and change the record's id"))
        }
        if policy.maxAge > MTASTSPolicy.maximumMaxAge {
            found.append(finding(.mtaSTSMaxAge, .error, o, nil,
                                 "max_age \(policy.maxAge) is above RFC 8461's limit of \(MTASTSPolicy.maximumMaxAge) seconds",
                                 fix: "set max_age: 604800 (a week) or more, up to 31557600"))
        } else if policy.maxAge < 86400 {
            found.append(finding(.mtaSTSMaxAge, .warning, o, nil,
                                 "max_age \(policy.maxAge) is under a day: a short outage of the policy host leaves senders without it",
                                 fix: "set max_age: 604800 (a week) or more once the policy is settled"))
        }
        if policy.mode != .none, case .success(let hosts)? = o.transport.mx {
            for host in hosts where !policy.matches(host) {
                let enforce = policy.mode == .enforce
                found.append(finding(.mtaSTSMXNotCovered, enforce ? .critical : .warning, o, host.key,
                                     "the MX host \(host) matches no mx pattern of the MTA-STS policy (\(policy.mx.joined(separator: ", ")))"
                                        + (enforce ? ": under enforce, senders refuse to deliver to it" : ": under testing, senders report it"),
                                     fix: "add mx: \(host.key) to the policy and change the record's id",
                                     evidence: ["patterns": policy.mx.joined(separator: " ")]))
            }
        }
        return found
    }

    static func tlsRPT(_ o: DomainObservation, _ expected: Expectations) -> [Finding] {
        let d = o.domain.text
        switch o.transport.tlsRPT {
        case .invalid(let error, let texts):
            return [finding(.tlsRPTSyntax, .warning, o, nil, "the TLS-RPT record at _smtp._tls.\(d) cannot be used: \(error)",
                            fix: "publish one TXT record: v=TLSRPTv1; rua=mailto:tls-reports@\(d)",
                            evidence: ["records": texts.joined(separator: " | ")])]
        case .absent:
            if expected.tlsRPT == true {
                return [finding(.tlsRPTMissing, .warning, o, nil, "no TLS-RPT record at _smtp._tls.\(d), where the monitor file expects one",
                                fix: "publish _smtp._tls.\(d) TXT \"v=TLSRPTv1; rua=mailto:tls-reports@\(d)\"")]
            }
            if o.transport.mtaSTS.isPresent {
                return [finding(.tlsRPTMissing, .info, o, nil,
                                "\(d) publishes MTA-STS without TLS-RPT: nobody hears of senders failing to deliver over TLS",
                                fix: "publish _smtp._tls.\(d) TXT \"v=TLSRPTv1; rua=mailto:tls-reports@\(d)\"")]
            }
            return []
        default:
            return []
        }
    }

    static func assets(_ o: DomainObservation, now: Int64?, certificateWarningDays: Int) -> [Finding] {
        var found: [Finding] = []
        let url = o.transport.bimi.value?.logo ?? ""
        switch o.transport.logo {
        case .refused(let reason)?, .invalid(let reason)?:
            found.append(finding(.bimiLogoUnavailable, .error, o, nil, "the BIMI logo \(url) cannot be fetched: \(reason)",
                                 fix: "serve the SVG at \(url) over HTTPS with a valid certificate, no redirect, at most 32 KiB"))
        case .read(let problems)? where !problems.isEmpty:
            found.append(finding(.bimiLogoInvalid, .warning, o, nil, "the BIMI logo \(url) is not SVG Tiny PS: " + problems.joined(separator: "; "),
                                 fix: "export the logo as SVG Tiny Portable/Secure (version=\"1.2\" baseProfile=\"tiny-ps\", a <title>, nothing external)",
                                 evidence: ["problems": problems.joined(separator: "; ")]))
        default: break
        }
        let authority = o.transport.bimi.value?.authority ?? ""
        switch o.transport.markCertificate {
        case .refused(let reason)?, .invalid(let reason)?:
            found.append(finding(.bimiCertificateInvalid, .error, o, nil, "the BIMI mark certificate \(authority) cannot be used: \(reason)",
                                 fix: "serve the PEM chain of the mark certificate at \(authority)"))
        case .read(let certificate)?:
            var problems = certificate.problems
            if let now, certificate.notValidAfter < now { problems.append("it expired on \(Timestamp.iso(certificate.notValidAfter))") }
            if let now, certificate.notValidBefore > now { problems.append("it is valid only from \(Timestamp.iso(certificate.notValidBefore))") }
            if !problems.isEmpty {
                found.append(finding(.bimiCertificateInvalid, .error, o, nil,
                                     "the BIMI mark certificate \(authority) cannot be used: " + problems.joined(separator: "; "),
                                     fix: "renew the mark certificate for \(o.domain.text) and serve its chain at \(authority)",
                                     evidence: ["names": certificate.names.joined(separator: " ")]))
            } else if let now, certificate.notValidAfter - now < Int64(certificateWarningDays) * 86400 {
                found.append(finding(.bimiCertificateExpiring, .warning, o, nil,
                                     "the BIMI mark certificate expires on \(Timestamp.iso(certificate.notValidAfter))",
                                     fix: "renew the mark certificate before it expires"))
            }
        default: break
        }
        return found
    }

    static func bimi(_ o: DomainObservation, _ expected: Expectations, now: Int64?, certificateWarningDays: Int) -> [Finding] {
        let d = o.domain.text
        var found: [Finding] = []
        switch o.transport.bimi {
        case .invalid(let error, let texts):
            found.append(finding(.bimiSyntax, .warning, o, nil, "the BIMI record at default._bimi.\(d) cannot be used: \(error)",
                                 fix: "publish v=BIMI1; l=https://.../logo.svg (and a= with the mark certificate's https URL)",
                                 evidence: ["records": texts.joined(separator: " | ")]))
        case .absent where expected.bimi == true:
            found.append(finding(.bimiMissing, .warning, o, nil, "no BIMI record at default._bimi.\(d), where the monitor file expects one",
                                 fix: "publish default._bimi.\(d) TXT \"v=BIMI1; l=https://.../logo.svg\""))
        default:
            break
        }
        found += assets(o, now: now, certificateWarningDays: certificateWarningDays)
        let wantsLogo = (o.transport.bimi.value.map { !$0.isDeclination } ?? false) || expected.bimi == true
        guard wantsLogo, !o.dmarc.verdict.isUnknown else { return found }
        let policy = o.dmarc.appliedPolicy ?? .none
        let pct = o.dmarc.record?.percentage ?? 100
        if policy < .quarantine || pct < 100 {
            found.append(finding(.bimiDMARCNotEnforced, .error, o, nil,
                                 "BIMI needs DMARC at quarantine or reject for all mail; \(d) has p=\(policy.rawValue)"
                                    + (pct < 100 ? " pct=\(pct)" : "") + ": receivers show no logo",
                                 fix: "move the DMARC policy to p=quarantine or p=reject (pct=100) once the reports show all senders aligned"))
        }
        return found
    }

    /// The form of id to suggest: letters and digits, as RFC 8461 asks; a timestamp changes with each edit.
    static let suggestedID = "YYYYMMDDhhmmss"
}
