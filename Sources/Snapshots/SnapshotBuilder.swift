import Monitor
import MonitorConfig
import Alerting
import Audit
import Crypto
import DMARC
import DNSCore
import Foundation
import Inventory
import SPF
import TransportPolicy

/// Takes a snapshot: every monitored domain assessed now as a poll assesses it (gather, then judge), with the
/// monitor's record of when each finding opened and the recorded flattened copies. Parts DNS did not answer
/// are recorded as unknown, and the open findings resting on them are kept as the monitor last saw them.
public struct SnapshotBuilder: Sendable {
    public let store: InventoryStore
    public let resolver: any DNSResolver
    public let concurrency: Int
    /// The instant recorded, epoch seconds.
    public let takenAt: Int64
    public let generator: String
    /// The thresholds of the findings drawn from DMARC reports, as the poll uses them (settings file).
    public var observedThresholds = ObservedThresholds()
    /// Polls in a row without the domain's own records before `dns.unreachable` opens (as the poll counts).
    public var unreachableAfter = 3
    /// Fetches MTA-STS policies as the poll does; the days of certificate life under which it warns.
    public var fetcher: (any PolicyFetcher)?
    public var certificateWarningDays = 14
    /// When SMTP TLS reports open `tlsrpt.failures`.
    public var tlsReports = TLSReportThresholds()
    /// Names the observed sources, as the poll does.
    public var sourceNamer: SourceNamer
    /// Validates the deciding answers with DNSSEC as the poll does; the days under which an expiring signature
    /// warns, then errs.
    public var validator: (any DNSSECValidator)?
    public var dnssecDays: (warning: Int, error: Int) = (7, 2)
    /// Called after each domain is observed (the CLI's progress line).
    public var onDomain: (@Sendable () -> Void)?

    public init(store: InventoryStore, resolver: any DNSResolver, concurrency: Int = 32, takenAt: Int64, generator: String) {
        self.store = store; self.resolver = resolver; self.concurrency = max(1, concurrency)
        self.takenAt = takenAt; self.generator = generator
        self.sourceNamer = SourceNamer(resolver: resolver)
    }

    public func build() async throws -> Snapshot {
        let rows = try store.domains()
        var domains: [DomainSnapshot] = []
        var observed: [ObservedPart] = []
        try await OrderedConcurrency.forEach(count: rows.count, limit: concurrency,
                                             operation: { try await self.domain(rows[$0]) },
                                             emit: { _, result in domains.append(result.0); observed.append(result.1); onDomain?() })
        domains.sort { $0.domain < $1.domain }
        let findings = domains.flatMap(\.findings)
        let summary = Snapshot.Summary(
            domains: domains.count,
            healthy: domains.filter { ($0.worstSeverity.flatMap(Severity.init) ?? .info) < .warning }.count,
            openFindings: findings.count,
            findingsBySeverity: Dictionary(grouping: findings, by: \.severity).mapValues(\.count),
            findingsByKind: Dictionary(grouping: findings, by: \.kind).mapValues(\.count),
            lookupLimit: 10,
            domainsWithUnknownParts: domains.filter { !($0.unknownParts ?? []).isEmpty }.count)
        return Snapshot(sequence: nil, previousSHA256: nil, contentSHA256: nil, takenAt: Timestamp.iso(takenAt),
                        generator: generator, summary: summary, domains: domains, observedSenders: Self.observedSenders(observed))
    }

    func domain(_ row: DomainRow) async throws -> (DomainSnapshot, ObservedPart) {
        guard let domainId = row.id, let name = try? DomainName(row.name) else {
            throw InputFailure("domain \(row.name) in the database is not a valid name")
        }
        let read = try await store.facts(for: [row], thresholds: observedThresholds, now: takenAt)[0]
        let facts = read.facts, open = read.openRows
        let settings = DomainJudge.Settings(observed: observedThresholds, unreachableAfter: unreachableAfter,
                                            certificateWarningDays: certificateWarningDays, now: takenAt,
                                            dnssecWarningDays: dnssecDays.warning, dnssecErrorDays: dnssecDays.error,
                                            tlsReports: tlsReports)
        let assessment = await DomainAssessor(resolver: resolver, settings: settings, fetcher: fetcher, validator: validator,
                                              namer: sourceNamer)
            .assess(name, facts: facts)
        let observation = assessment.observation
        let senders = facts.approved
        let expectations = facts.expectations
        var findings = assessment.findings
        // Open findings whose evidence DNS did not give now stand as the monitor last saw them; so do the ones
        // no single look can see (drift, unreachability), until the next poll settles them.
        let kept = Set(assessment.transitions.undetermined)
        let events: Set<FindingKind> = [.recordChanged, .providerChanged, .dnsUnreachable]
        let current = Set(findings.map(\.fingerprint))
        findings += open.filter { row in
            !current.contains(row.fingerprint) && (kept.contains(row.fingerprint) || events.contains(FindingKind(row.kind)))
        }.map { InventoryMapping.finding($0, domain: name.text) }
        let since = Dictionary(open.map { ($0.fingerprint, $0.firstSeenAt) }, uniquingKeysWith: min)
        let flattened = try store.flattenedIncludes(domainId: domainId)
        let ordered = Finding.ordered(findings)
        // What DNS said now; the stored summary would carry unanswered parts forward.
        let summary = ObservationSummary(observation)
        let observed = try await self.observed(name, observation: observation, approved: senders, flattened: facts.flattened,
                                         providerNetworks: summary.providerNetworks)
        let snapshot = DomainSnapshot(
            domain: name.text, status: assessment.status.rawValue, intervalSeconds: row.intervalSeconds,
            lastPollAt: row.lastPollAt.map(Timestamp.iso),
            expectations: ExpectationsSnapshot(spfAll: expectations.spfAll.map { $0 + "all" },
                                               dmarcPolicy: expectations.dmarcPolicy?.rawValue, maxLookups: expectations.maxLookups),
            spf: spf(observation.spf, includes: summary.includes, expectations: expectations),
            dmarc: dmarc(observation),
            senders: Self.senders(observation, includes: Set(summary.includes), flattened: Set(flattened.map(\.include))),
            flattened: facts.flattened.map {
                FlattenedSnapshot(include: $0.include, networks: $0.networks.map(\.description), flattenedAt: Timestamp.iso($0.flattenedAt))
            },
            findings: ordered.map { f in
                FindingSnapshot(kind: f.kind.rawValue, severity: f.severity.rawValue, subject: f.subject, message: f.message,
                                fix: f.fix, evidence: f.evidence, openSince: since[f.fingerprint].map(Timestamp.iso))
            },
            worstSeverity: ordered.first?.severity.rawValue,
            unknownParts: assessment.unknownParts.map {
                UnknownPartSnapshot(part: $0.id, label: $0.label, cause: $0.verdict.reason ?? "unknown")
            })
        var result = snapshot
        result.dkim = observation.dkimKeys.isEmpty ? nil : observation.dkimKeys.map(Self.dkim)
        result.transport = Self.transport(observation.transport)
        result.mx = observation.transport.mailExchangers.map { Self.mx($0, dane: observation.dane) }
        result.dnssec = observation.dnssec.isEmpty ? nil : observation.dnssec.map { check in
            var expires: String?
            if case .secure(_, let at) = check.status { expires = Timestamp.iso(at) }
            return DNSSECAnswerSnapshot(answer: check.id, role: check.role, status: check.status.word, reason: check.status.reason,
                                        expires: expires)
        }
        return (result, observed)
    }

    static func mx(_ mx: MXObservation, dane: [DANEHost]) -> MXSnapshot {
        var implicit = false
        if case .none = mx.set { implicit = true }
        let hosts = mx.hosts.map { host in
            var tlsa: [String]?
            if let entry = dane.first(where: { $0.host == host.host }), case .records(let records, let unreadable) = entry.tlsa {
                tlsa = records.map(\.text) + unreadable.map { "unreadable: \($0)" }
            }
            return MXHostSnapshot(host: host.host.text, addresses: host.addresses.map(\.description),
                                  cnameTarget: host.canonicalName?.text, tlsa: tlsa)
        }
        return MXSnapshot(records: mx.exchanges.map(\.text), implicit: implicit, verdict: mx.verdict.word, hosts: hosts)
    }

    static func transport(_ t: TransportObservation) -> TransportSnapshot {
        var status = "not read", problem: String?, days: Int?
        switch t.policy {
        case .notRead: break
        case .fetched(_, _, let seconds): status = "fetched"; days = seconds.map { Int($0 / 86400) }
        case .invalid(let error, _): status = "invalid"; problem = error.message
        case .refused(let reason): status = "refused"; problem = reason
        case .unknown(let reason): status = "unknown"; problem = reason
        }
        let policy = t.policy.policy
        return TransportSnapshot(mtaSTSRecord: t.mtaSTS.publishedText, mtaSTSVerdict: t.mtaSTS.verdict.word, policyStatus: status,
                                 policySHA256: t.policy.text.map(sha256), policyMode: policy?.mode.rawValue, policyMaxAge: policy?.maxAge,
                                 policyMX: policy?.mx, policyProblem: problem, certificateDaysLeft: days,
                                 tlsRPTRecord: t.tlsRPT.publishedText, tlsRPTVerdict: t.tlsRPT.verdict.word,
                                 bimiRecord: t.bimi.publishedText, bimiVerdict: t.bimi.verdict.word)
    }

    static func dkim(_ lookup: DKIMKeyLookup) -> DKIMKeySnapshot {
        let f = lookup.facts
        var keyType: String?, bits: Int?, fingerprint: String?, text: String?, testing: Bool?
        switch lookup.outcome {
        case .found(let record, _):
            keyType = record.keyType.description
            bits = record.publicKey?.bits; fingerprint = record.publicKey?.fingerprint; text = record.text
            testing = record.isTesting ? true : nil
        case .invalid(_, let raw): text = raw
        case .absent, .unknown, .impossible: break
        }
        return DKIMKeySnapshot(name: lookup.name, selector: f.selector, signingDomain: f.signingDomain, learnedFrom: f.learnedFrom,
                               status: lookup.status, keyType: keyType, keyBits: bits, fingerprint: fingerprint,
                               recordSHA256: text.map(sha256), cnameTarget: lookup.delegatedTo, testing: testing,
                               reportedMessages: f.reported?.messages, lastReported: f.reported?.lastDay, verdict: lookup.verdict.word)
    }

    /// `includes`: the include and redirect targets anywhere in the tree (`ObservationSummary.includes`).
    func spf(_ a: SPFAnalysis, includes: [String], expectations: Expectations) -> SPFSnapshot {
        let verdict = a.recordVerdict
        let networks = a.authorizedNetworks.map { NetworkSnapshot(network: $0.network.description, source: $0.source, via: $0.via) }
        let diagnostics = a.errors.map { DiagnosticSnapshot(level: "error", code: $0.code, message: $0.message) }
            + a.warnings.map { DiagnosticSnapshot(level: "warning", code: $0.code, message: $0.message) }
        return SPFSnapshot(record: a.record, recordSHA256: a.record.map(Self.sha256), result: a.result?.rawValue,
                           dnsLookups: a.dnsLookups, lookupLimit: 10, lookupBudget: min(expectations.maxLookups ?? 10, 10),
                           voidLookups: a.voidLookups, allQualifier: a.allQualifier.map { $0 + "all" },
                           authorizedNetworks: networks, includes: includes, diagnostics: diagnostics,
                           verdict: verdict.word, dnsLookupsLowerBound: a.dnsLookupsAreLowerBound ? true : nil)
    }

    func dmarc(_ o: DomainObservation) -> DMARCSnapshot {
        let destinations = o.reportAuthorizations.map {
            ReportDestinationSnapshot(uri: $0.uri, external: $0.external,
                                      authorized: !$0.external ? "yes" : ($0.authorized.map { $0 ? "yes" : "no" } ?? "unknown"))
        }
        return DMARCSnapshot(record: o.dmarc.recordText, recordSHA256: o.dmarc.recordText.map(Self.sha256),
                             status: o.dmarc.status.rawValue, policyDomain: o.dmarc.policyDomain?.text,
                             appliedPolicy: o.dmarc.appliedPolicy?.rawValue, reportDestinations: destinations,
                             problem: o.dmarc.problem, verdict: o.dmarc.verdict.word)
    }

    /// Each approved sender against the live record.
    static func senders(_ o: DomainObservation, includes: Set<String>, flattened: Set<String>) -> [SenderSnapshot] {
        let entries = o.expandedSenders.map { expanded -> SenderSnapshot in
            let sender = expanded.sender
            let checks = o.senderChecks.filter { $0.sender?.key == sender.key }
                .map { AddressCheckSnapshot(ip: $0.ip.description, result: $0.evaluation.result.rawValue) }
            let status: String
            if sender.kind == .include {
                let name = sender.value.lowercased()
                status = includes.contains(name) || flattened.contains(name) ? "authorized" : "unauthorized"
            } else if o.senderChecks.contains(where: { $0.sender?.key == sender.key && $0.evaluation.unknownCause != nil })
                        || expanded.temporary {
                status = "unknown"
            } else if checks.isEmpty {
                status = "unresolvable"
            } else {
                status = checks.allSatisfy { $0.result == "pass" } ? "authorized" : "unauthorized"
            }
            return SenderSnapshot(kind: sender.kind.rawValue, value: sender.value, name: sender.name, owner: sender.owner,
                                  status: status, checks: checks)
        }
        return entries.sorted { ($0.kind, $0.value) < ($1.kind, $1.value) }
    }

    /// SHA-256 of a text's UTF-8 bytes, hex.
    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }

    public static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
