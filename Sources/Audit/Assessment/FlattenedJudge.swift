import DNSCore
import SPF

/// Findings about flattened includes: a record that carries a copy of a provider's networks goes stale
/// when the provider moves, and nothing in DNS says so. Each assessment reads the providers' live networks
/// and compares them with the copy `generate --flatten` recorded.
enum FlattenedJudge {
    struct Outcome {
        var findings: [Finding]
        /// Copies whose provider could not be read now, by include name.
        var unknown: [String: DNSFailure] = [:]
    }

    /// The findings adjusted for the flattened includes: an approved include whose copy the record carries is
    /// not reported missing, the copied networks are explained, and each provider whose networks moved opens
    /// `spf.flattened-stale` with the regenerated record as the fix.
    static func review(_ current: [Finding], observation: DomainObservation, facts: DomainFacts) -> Outcome {
        let copies = facts.flattened
        guard !copies.isEmpty else { return Outcome(findings: current) }
        let domain = observation.domain
        let live = observation.spf.authorizedNetworks.map(\.network)
        let published = Set(copies.filter { copy in copy.networks.allSatisfy { n in live.contains { $0.contains(n) } } }.map(\.include))
        let copied = copies.flatMap(\.networks)
        let subRecords = Set(copies.flatMap(\.subRecordTerms))
        var outcome = Outcome(findings: current.filter { finding in
            if finding.kind == .spfSenderUnauthorized, let subject = finding.subject, subject.hasPrefix("include:") {
                return !published.contains(String(subject.dropFirst("include:".count)))
            }
            if finding.kind == .spfUnapprovedAuthorization, let subject = finding.subject, subRecords.contains(subject.lowercased()) {
                return false
            }
            if finding.kind == .spfUnapprovedAuthorization, let network = finding.evidence["network"].flatMap(CIDRNetwork.init) {
                return !copied.contains { $0.contains(network) }
            }
            return true
        })
        let liveIncludes = Set((observation.spf.tree?.descendants ?? []).filter { $0.via != nil }.map { $0.domain.lowercased() })
        var fix: String?
        // A record that includes the provider again follows it by itself: its copy cannot go stale.
        for copy in copies.sorted(by: { $0.include < $1.include }) where !liveIncludes.contains(copy.include) {
            if let part = observation.spf.unknownParts.first(where: { $0.kind == .record }) {
                // The provider may be included below the part that went unanswered.
                outcome.unknown[copy.include] = part.cause
                continue
            }
            guard let reading = observation.providerReadings[copy.include], reading.failure == nil else {
                outcome.unknown[copy.include] = observation.providerReadings[copy.include]?.failure
                    ?? DNSFailure(.network, detail: "\(copy.include) was not read")
                continue
            }
            let now = reading.provider?.networks ?? []
            let added = Set(now).subtracting(copy.networks).sorted()
            let removed = Set(copy.networks).subtracting(now).sorted()
            guard !added.isEmpty || !removed.isEmpty else { continue }
            if fix == nil { fix = regeneratedFix(observation: observation, facts: facts) }
            outcome.findings.append(staleFinding(copy, domain: domain, added: added, removed: removed,
                                                 problem: reading.problem, fix: fix))
        }
        return outcome
    }

    static func staleFinding(_ copy: FlattenedCopy, domain: DomainName, added: [CIDRNetwork], removed: [CIDRNetwork],
                             problem: String?, fix: String?) -> Finding {
        let include = copy.include
        var message = "\(domain.text)'s SPF carries a flattened copy of \(include) from \(Timestamp.iso(copy.flattenedAt)), and \(include) has moved"
        if !added.isEmpty {
            message += ": it now also sends from \(added.map(\.description).joined(separator: ", ")), which receivers do not accept for \(domain.text)"
        }
        if !removed.isEmpty {
            message += (added.isEmpty ? ": " : "; ") + "it no longer uses \(removed.map(\.description).joined(separator: ", ")), which the record still authorizes"
        }
        if let problem { message += " (\(problem))" }
        return Finding(
            kind: .spfFlattenedStale, severity: added.isEmpty ? .warning : .error, domain: domain.text, subject: include,
            message: message,
            evidence: ["include": include, "added": added.map(\.description).joined(separator: " "),
                       "removed": removed.map(\.description).joined(separator: " ")],
            fix: fix)
    }

    static func regeneratedFix(observation: DomainObservation, facts: DomainFacts) -> String {
        let generator = SPFGenerator(domain: observation.domain, senders: facts.approved, expectations: facts.expectations,
                                     providers: ProviderSurvey.providers(observation.providerReadings),
                                     currentAll: observation.spf.allQualifier)
        let generated = generator.generate(flatten: .these(Set(facts.flattened.map(\.include))))
        return "Publish the regenerated record, then run `senderwatch generate \(observation.domain.text) --flatten` to record the new copy: "
            + generated.zoneLines.joined(separator: " | ")
    }
}
