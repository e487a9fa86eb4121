import DMARC
import Foundation

/// Drift between two observations of a domain (RFC-level meaning, not text noise): a change of the
/// domain's own SPF or DMARC text is `record.changed`; a provider's networks moving under an unchanged
/// record is `provider.changed`. Only parts known on both sides are compared: a part this poll did not
/// answer is never "removed", and one answered again after a failure is compared with its last known
/// value (which the stored summary carries), so it is never "added" either.
public enum Drift {
    /// `previous` is the latest stored summary (the baseline); `current` this poll's, merged onto it.
    public static func findings(domain: String, previous: ObservationSummary?, current: ObservationSummary) -> [Finding] {
        guard let previous else { return [] }
        var findings: [Finding] = []
        if current.spfPart == .known, previous.spfPart != .unknown {
            if previous.spfRecord != current.spfRecord {
                findings.append(spfChange(domain, previous, current))
            } else {
                findings += providerChanges(domain, previous, current)
            }
        }
        if current.dmarcPart == .known, previous.dmarcPart != .unknown,
           previous.dmarcRecord != current.dmarcRecord || previous.dmarcStatus != current.dmarcStatus {
            findings.append(dmarcChange(domain, previous, current))
        }
        findings += dkimChanges(domain, previous, current)
        findings += transportChanges(domain, previous, current)
        findings += dnssecChanges(domain, previous, current)
        return findings
    }

    /// MTA-STS record or policy, TLS-RPT or BIMI record, or the MX set published, changed or removed.
    static func transportChanges(_ domain: String, _ old: ObservationSummary, _ new: ObservationSummary) -> [Finding] {
        let parts: [(String, String, KeyPath<ObservationSummary, String?>)] = [
            ("mta-sts", "MTA-STS record", \.mtaSTSRecord), ("mta-sts-policy", "MTA-STS policy", \.mtaSTSPolicy),
            ("tlsrpt", "TLS-RPT record", \.tlsRPTRecord), ("bimi", "BIMI record", \.bimiRecord),
            ("mx", "MX set", \.mxRecord),
        ]
        return parts.compactMap { part, label, path in
            guard new.transportPart(part) == .known, old.transportPart(part) != .unknown else { return nil }
            let before = old[keyPath: path], after = new[keyPath: path]
            guard before != after else { return nil }
            let what = before == nil ? "published" : after == nil ? "removed" : "changed"
            return Finding(kind: .recordChanged, severity: .warning, domain: domain,
                           subject: "\(part)@" + ObservationSummary.digest(after ?? "(none)"),
                           message: "\(label) of \(domain) \(what)",
                           evidence: ["before": before ?? "(none)", "after": after ?? "(none)"])
        }
    }

    /// An answer that validated before and is provably unsigned now: signatures removed or the DS withdrawn,
    /// on purpose or not, and spoofed answers for it are undetectable again.
    static func dnssecChanges(_ domain: String, _ old: ObservationSummary, _ new: ObservationSummary) -> [Finding] {
        let downgraded = (new.dnssec ?? [:]).keys.sorted().filter { id in
            new.dnssecPart(id) == .known && old.dnssecPart(id) != .unknown && old.dnssec?[id] == "secure" && new.dnssec?[id] == "insecure"
        }
        guard !downgraded.isEmpty else { return [] }
        return [Finding(kind: .recordChanged, severity: .error, domain: domain,
                        subject: "dnssec@" + ObservationSummary.digest(downgraded.joined(separator: " ") + " insecure"),
                        message: "DNSSEC of \(domain) went from secure to insecure for \(downgraded.joined(separator: ", ")): "
                            + "the zone is no longer signed, or its DS was withdrawn",
                        evidence: ["before": "secure", "after": "insecure", "answers": downgraded.joined(separator: " ")])]
    }

    /// A DKIM key replaced, revoked, removed or published again at a name both polls read.
    static func dkimChanges(_ domain: String, _ old: ObservationSummary, _ new: ObservationSummary) -> [Finding] {
        var findings: [Finding] = []
        for (name, after) in (new.dkimKeys ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard new.dkimPart(name) == .known, old.dkimPart(name) != .unknown, let before = old.dkimKeys?[name],
                  before != after else { continue }
            func parts(_ value: String) -> [String] { value.split(separator: " ").map(String.init) }
            var evidence = ["key": name, "before": before, "after": after]
            let b = parts(before), a = parts(after)
            if b.count >= 3 { evidence["beforeBits"] = b[1]; evidence["beforeFingerprint"] = b[2] }
            if a.count >= 3 { evidence["afterBits"] = a[1]; evidence["afterFingerprint"] = a[2] }
            func describe(_ p: [String]) -> String { p.count >= 3 ? "\(p[0]) \(p[1]) bits \(p[2].prefix(23))" : p.first ?? "?" }
            findings.append(Finding(kind: .recordChanged, severity: .warning, domain: domain,
                                    subject: "dkim:\(name)@" + ObservationSummary.digest(after),
                                    message: "DKIM key \(name) changed: \(describe(b)) -> \(describe(a))", evidence: evidence))
        }
        return findings
    }

    static func spfChange(_ domain: String, _ old: ObservationSummary, _ new: ObservationSummary) -> Finding {
        let termsAdded = new.ownTerms.filter { !old.ownTerms.contains($0) }
        let termsRemoved = old.ownTerms.filter { !new.ownTerms.contains($0) }
        let networksAdded = new.networks.filter { !old.networks.contains($0) }
        let networksRemoved = old.networks.filter { !new.networks.contains($0) }
        var parts: [String] = []
        if !termsAdded.isEmpty { parts.append("added \(termsAdded.joined(separator: " "))") }
        if !termsRemoved.isEmpty { parts.append("removed \(termsRemoved.joined(separator: " "))") }
        if old.allQualifier != new.allQualifier { parts.append("all qualifier \(old.allQualifier ?? "none") -> \(new.allQualifier ?? "none")") }
        let exactCounts = old.dnsLookupsLowerBound != true && new.dnsLookupsLowerBound != true
        if exactCounts, old.dnsLookups != new.dnsLookups { parts.append("lookups \(old.dnsLookups) -> \(new.dnsLookups)") }
        let summary = old.spfRecord == nil ? "SPF record published" : new.spfRecord == nil ? "SPF record removed" : parts.joined(separator: "; ")
        var evidence = ["before": old.spfRecord ?? "(none)", "after": new.spfRecord ?? "(none)"]
        if !networksAdded.isEmpty { evidence["networksAdded"] = networksAdded.joined(separator: " ") }
        if !networksRemoved.isEmpty { evidence["networksRemoved"] = networksRemoved.joined(separator: " ") }
        if !termsAdded.isEmpty { evidence["termsAdded"] = termsAdded.joined(separator: " ") }
        if !termsRemoved.isEmpty { evidence["termsRemoved"] = termsRemoved.joined(separator: " ") }
        return Finding(kind: .recordChanged, severity: .warning, domain: domain,
                       subject: "spf@" + ObservationSummary.digest(new.spfRecord ?? ""),
                       message: "SPF record of \(domain) changed: \(summary.isEmpty ? "text changed" : summary)",
                       evidence: evidence)
    }

    static func providerChanges(_ domain: String, _ old: ObservationSummary, _ new: ObservationSummary) -> [Finding] {
        var findings: [Finding] = []
        for provider in Set(old.providerNetworks.keys).union(new.providerNetworks.keys).sorted() {
            guard new.providerPart(provider) == .known, old.providerPart(provider) != .unknown else { continue }
            let before = old.providerNetworks[provider] ?? []
            let after = new.providerNetworks[provider] ?? []
            guard before != after else { continue }
            let added = after.filter { !before.contains($0) }
            let removed = before.filter { !after.contains($0) }
            var evidence = ["provider": provider]
            if !added.isEmpty { evidence["networksAdded"] = added.joined(separator: " ") }
            if !removed.isEmpty { evidence["networksRemoved"] = removed.joined(separator: " ") }
            let description = [added.isEmpty ? nil : "added \(added.joined(separator: " "))",
                               removed.isEmpty ? nil : "removed \(removed.joined(separator: " "))"].compactMap { $0 }.joined(separator: "; ")
            findings.append(Finding(kind: .providerChanged, severity: .warning, domain: domain,
                                    subject: "\(provider)@" + ObservationSummary.digest(after.joined(separator: " ")),
                                    message: "\(provider), included by \(domain), changed the networks it authorizes: \(description)",
                                    evidence: evidence))
        }
        return findings
    }

    static func dmarcChange(_ domain: String, _ old: ObservationSummary, _ new: ObservationSummary) -> Finding {
        func tags(_ record: String?) -> [String: String] {
            var result: [String: String] = [:]
            for part in (record ?? "").split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2 { result[pair[0].lowercased()] = pair[1] }
            }
            return result
        }
        let before = tags(old.dmarcRecord), after = tags(new.dmarcRecord)
        let changes = Set(before.keys).union(after.keys).sorted().compactMap { key -> String? in
            before[key] == after[key] ? nil : "\(key): \(before[key] ?? "(absent)") -> \(after[key] ?? "(absent)")"
        }
        let summary = old.dmarcRecord == nil ? "DMARC record published" : new.dmarcRecord == nil ? "DMARC record removed (\(new.dmarcStatus))" : changes.joined(separator: ", ")
        let weakened = (old.dmarcPolicy.flatMap(DMARCPolicy.init) ?? .none) > (new.dmarcPolicy.flatMap(DMARCPolicy.init) ?? .none)
        return Finding(kind: .recordChanged, severity: weakened ? .error : .warning, domain: domain,
                       subject: "dmarc@" + ObservationSummary.digest(new.dmarcRecord ?? new.dmarcStatus),
                       message: "DMARC record of \(domain) changed: \(summary)" + (weakened ? " (the policy is weaker now)" : ""),
                       evidence: ["before": old.dmarcRecord ?? "(none)", "after": new.dmarcRecord ?? "(none)"])
    }
}
