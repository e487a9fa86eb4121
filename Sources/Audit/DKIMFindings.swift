import DKIM
import DNSCore

/// DKIM findings from the keys read for a domain's known selectors and from what the reports saw.
/// Nothing is said of a key whose lookup went unanswered; `EvidenceCoverage` keeps its findings as they were.
public enum DKIMFindings {
    public static func findings(_ o: DomainObservation, facts: DomainFacts, thresholds: ObservedThresholds) -> [Finding] {
        let domain = o.domain.text
        var findings: [Finding] = []
        for lookup in o.dkimKeys { findings += keyFindings(lookup, domain: domain, facts: facts) }
        findings += unaligned(domain: o.domain, facts: facts, thresholds: thresholds)
        return findings
    }

    /// The findings of one key read, as the judge makes them (for `senderwatch dkim`).
    public static func keyFindings(_ lookup: DKIMKeyLookup, domain: String, facts: DomainFacts) -> [Finding] {
        let selector = lookup.facts
        let name = lookup.name
        let recent = selector.reported?.recentMessages ?? 0
        let approved = !selector.approvedBy.isEmpty
        let delegation = lookup.delegatedTo.map { " (a CNAME to \($0))" } ?? ""
        var evidence = ["selector": selector.selector, "signingDomain": selector.signingDomain,
                        "learnedFrom": selector.learnedFrom.joined(separator: ", ")]
        if !selector.approvedBy.isEmpty { evidence["approvedBy"] = selector.approvedBy.joined(separator: "; ") }
        if let reported = selector.reported {
            evidence["reportedMessages"] = String(reported.messages)
            evidence["recentMessages"] = String(reported.recentMessages)
            evidence["lastReported"] = reported.lastDay
            if !reported.sources.isEmpty { evidence["sources"] = reported.sources.joined(separator: " ") }
        }
        if let target = lookup.delegatedTo { evidence["cnameTarget"] = target }
        func finding(_ kind: FindingKind, _ severity: Severity, _ message: String, fix: String?) -> Finding {
            Finding(kind: kind, severity: severity, domain: domain, subject: name, message: message, evidence: evidence, fix: fix)
        }
        let usage = usageText(selector)
        switch lookup.outcome {
        case .unknown, .impossible:
            return []
        case .absent(let nxdomain):
            guard approved || recent > 0 else { return [] }
            evidence["answer"] = nxdomain ? "NXDOMAIN" : "no TXT record"
            return [finding(.dkimKeyMissing, .error,
                            "no DKIM key at \(name) (\(nxdomain ? "NXDOMAIN" : "no TXT record")\(lookup.delegatedTo.map { " behind its CNAME to \($0)" } ?? "")), \(usage): "
                                + "receivers fail every signature with s=\(selector.selector) d=\(selector.signingDomain)",
                            fix: lookup.delegatedTo.map { "the CNAME points at \($0), which has no key: ask the provider for the "
                                + "current target, or remove the CNAME and the selector if the sender is gone" }
                                ?? "publish the key as TXT at \(name) (or the CNAME the provider gives for it), or remove "
                                + "s=\(selector.selector) from the monitor file if the sender no longer signs with it")]
        case .invalid(let error, let text):
            evidence["record"] = text
            guard approved || recent > 0 || selector.reported != nil else { return [] }
            return [finding(.dkimSyntax, .error, "the DKIM key record at \(name)\(delegation) cannot be used: \(error)",
                            fix: "republish the record as v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>")]
        case .found(let record, let count):
            evidence["record"] = record.text
            return foundFindings(record, count: count, lookup: lookup, evidence: evidence, usage: usage, domain: domain,
                                 facts: facts)
        }
    }

    static func foundFindings(_ record: DKIMKeyRecord, count: Int, lookup: DKIMKeyLookup, evidence base: [String: String],
                              usage: String, domain: String, facts: DomainFacts) -> [Finding] {
        let selector = lookup.facts
        let name = lookup.name
        var evidence = base
        if let key = record.publicKey {
            evidence["keyType"] = key.algorithm.rawValue
            evidence["keyBits"] = String(key.bits)
            evidence["fingerprint"] = key.fingerprint
        }
        func finding(_ kind: FindingKind, _ severity: Severity, _ message: String, fix: String?) -> Finding {
            Finding(kind: kind, severity: severity, domain: domain, subject: name, message: message, evidence: evidence, fix: fix)
        }
        let recent = selector.reported?.recentMessages ?? 0
        if record.isRevoked {
            guard recent > 0 || !selector.approvedBy.isEmpty else { return [] }
            return [finding(.dkimKeyRevoked, recent > 0 ? .error : .warning,
                            "the DKIM key at \(name) is revoked (empty p=), \(usage)"
                                + (recent > 0 ? ": those signatures now fail" : ""),
                            fix: recent > 0 ? "publish the key the sources still sign with, or move them to a current selector"
                                : "remove s=\(selector.selector) from the monitor file, or publish its key again")]
        }
        var found: [Finding] = []
        if count > 1 {
            found.append(finding(.dkimSyntax, .error, "\(count) TXT records stand at \(name): which one a receiver uses is undefined",
                                 fix: "keep one key record at \(name)"))
        }
        if let problem = record.keyProblem {
            found.append(finding(.dkimSyntax, .error, "the key at \(name) cannot be used: \(problem)",
                                 fix: "republish p= as the base64 of the key's SubjectPublicKeyInfo (RSA) or its 32 bytes (Ed25519)"))
        } else if !record.allowsEmail {
            found.append(finding(.dkimSyntax, .error, "the key at \(name) is not for e-mail (s=\(record.serviceTypes!.joined(separator: ":")))",
                                 fix: "remove s= from the record, or set s=email"))
        }
        if let key = record.publicKey, key.algorithm == .rsa {
            if key.bits < 1024 {
                found.append(finding(.dkimKeyTooSmall, .error,
                                     "the RSA key at \(name) has \(key.bits) bits: receivers treat its signatures as absent (RFC 8301 requires 1024 at least)",
                                     fix: "generate a 2048-bit key, publish it under a new selector and switch the signer to it"))
            } else if key.bits < 2048 {
                found.append(finding(.dkimWeakKey, .warning,
                                     "the RSA key at \(name) has \(key.bits) bits; RFC 8301 asks signers for 2048",
                                     fix: "generate a 2048-bit key, publish it under a new selector and switch the signer to it"))
            }
        }
        if record.isSHA1Only {
            found.append(finding(.dkimSHA1Only, .error,
                                 "the key at \(name) allows only SHA-1 (h=sha1), which verifiers must not accept (RFC 8301)",
                                 fix: "remove h= from the record (or set h=sha256) and sign with rsa-sha256"))
        }
        if record.isTesting {
            found.append(finding(.dkimTesting, .warning, "the key at \(name) is marked as testing (t=y)",
                                 fix: "remove y from t= once signing works"))
        }
        if let orphan = orphaned(selector, name: name, facts: facts) {
            found.append(finding(.dkimOrphanedKey, .info, orphan,
                                 fix: "if no sender signs with s=\(selector.selector) any more, revoke the key (p=) and remove it from the monitor file"))
        }
        return found
    }

    /// A key the monitor file lists and the reports, which reach back far enough, have not seen lately.
    static func orphaned(_ selector: DKIMSelectorFacts, name: String, facts: DomainFacts) -> String? {
        guard !selector.approvedBy.isEmpty, let staleBefore = facts.observed?.staleBefore else { return nil }
        if let reported = selector.reported {
            guard reported.lastDay <= staleBefore else { return nil }
            return "the key at \(name) was last seen in the reports on \(reported.lastDay)"
        }
        return "the key at \(name) has never been seen in the reports (since \(facts.observed!.firstDay))"
    }

    static func usageText(_ selector: DKIMSelectorFacts) -> String {
        var parts: [String] = []
        let listed = selector.approvedBy.filter { !$0.hasPrefix("--") }
        if !listed.isEmpty { parts.append("listed for \(listed.joined(separator: ", "))") }
        if let option = selector.approvedBy.first(where: { $0.hasPrefix("--") }) { parts.append("asked for with \(option)") }
        if let reported = selector.reported, reported.recentMessages > 0 {
            parts.append("used for \(reported.recentMessages) recent messages in the reports")
        } else if let reported = selector.reported {
            parts.append("last seen in the reports on \(reported.lastDay)")
        }
        return parts.isEmpty ? "known" : parts.joined(separator: " and ")
    }

    /// Sources that pass DKIM only under a signing domain unrelated to the domain.
    public static func unaligned(domain: DomainName, facts: DomainFacts, thresholds: ObservedThresholds) -> [Finding] {
        guard let observed = facts.observed else { return [] }
        var found: [Finding] = []
        for source in observed.recent where source.messages >= thresholds.minMessages && source.dkimAlignedPass == 0
            && source.dkimPass > 0 {
            let foreign = source.dkimDomains.filter { name in
                guard let signing = try? DomainName(name) else { return true }
                return !(signing.isSubdomain(of: domain) || domain.isSubdomain(of: signing))
            }
            guard !foreign.isEmpty else { continue }
            let list = foreign.sorted().joined(separator: ", ")
            let who = source.approvedBy.map { " (\(InventoryFindings.describe($0)))" } ?? ""
            found.append(Finding(kind: .dkimUnaligned, severity: .warning, domain: domain.text, subject: source.ip.description,
                                 message: "\(source.ip)\(who) passes DKIM only as d=\(list), not aligned with \(domain): "
                                    + "DMARC rests on SPF alone for its \(source.messages) messages",
                                 evidence: ["signingDomains": list, "messages": String(source.messages),
                                            "dkimPass": String(source.dkimPass)],
                                 fix: "have the sender sign with d=\(domain) (most providers publish it as CNAME selectors "
                                    + "under \(domain)), then list the selectors under its dkim:"))
        }
        return found
    }
}
