import MonitorConfig
import Alerting
import Audit
import DNSCore
import Foundation
import Inventory
import SPF

/// The poll's check of flattened includes: a record that carries a copy of a provider's networks goes stale
/// when the provider moves, and nothing in DNS says so. Each poll reads the providers' live networks and
/// compares them with the copy `generate --flatten` recorded.
public struct FlattenedWatch: Sendable {
    public let store: InventoryStore
    public let resolver: any DNSResolver

    public init(store: InventoryStore, resolver: any DNSResolver) {
        self.store = store; self.resolver = resolver
    }

    /// The poll's findings for the domain, adjusted for its flattened includes: an approved include whose
    /// copy the record carries is not reported missing, the copied networks are explained, and each
    /// provider whose networks moved opens `spf.flattened-stale` with the regenerated record as the fix.
    public func review(_ current: [Finding], domainId: Int64, domain: DomainName, senders: [ApprovedSender],
                       expectations: Expectations, observation: DomainObservation) async throws -> [Finding] {
        let rows = try store.flattenedIncludes(domainId: domainId)
        guard !rows.isEmpty else { return current }
        let copies = Dictionary(uniqueKeysWithValues: rows.map { ($0.include, Self.networks($0.networksJSON)) })
        let live = observation.spf.authorizedNetworks.map(\.network)
        let published = Set(copies.filter { _, networks in networks.allSatisfy { n in live.contains { $0.contains(n) } } }.keys)
        let copied = copies.values.flatMap { $0 }
        // The `_spfN` sub-records the generated record includes are the copies' home, not a new sender.
        let subRecords = Set(rows.flatMap { row in
            ((try? JSONDecoder().decode([GeneratedSPF.Record].self, from: Data(row.recordJSON.utf8))) ?? []).dropFirst().map { "include:" + $0.name.lowercased() }
        })
        var findings = current.filter { finding in
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
        }

        let open = try store.openFindings(domainId: domainId)
        var fix: String?
        let liveIncludes = Set(ObservationSummary(observation).includes)
        // Only the copies the record no longer includes are read each poll; the other providers only
        // when a copy moved and the regenerated record is needed.
        var readings = await ProviderSurvey.read(copies.keys.filter { !liveIncludes.contains($0) }, resolver: resolver)
        // A record that includes the provider again follows it by itself: its copy cannot go stale.
        for (include, recorded) in copies.sorted(by: { $0.key < $1.key }) where !liveIncludes.contains(include) {
            let subject = include
            let reading = readings[include]
            if reading?.temporary ?? true {
                // A timeout proves nothing: an open finding stays open as it was.
                let fingerprint = Finding(kind: .spfFlattenedStale, severity: .error, domain: domain.text, subject: subject, message: "").fingerprint
                if let row = open.first(where: { $0.fingerprint == fingerprint }) {
                    findings.append(InventoryMapping.finding(row, domain: domain.text))
                }
                continue
            }
            let now = reading?.provider?.networks ?? []
            let added = Set(now).subtracting(recorded).sorted()
            let removed = Set(recorded).subtracting(now).sorted()
            guard !added.isEmpty || !removed.isEmpty else { continue }
            if fix == nil {
                let includes = senders.filter { $0.kind == .include }.map(\.value)
                let others = (includes + Array(copies.keys)).filter { readings[$0.lowercased()] == nil }
                readings.merge(await ProviderSurvey.read(others, resolver: resolver)) { read, _ in read }
                let generator = SPFGenerator(domain: domain, senders: senders, expectations: expectations,
                                             providers: ProviderSurvey.providers(readings),
                                             currentAll: observation.spf.allQualifier)
                let generated = generator.generate(flatten: .these(Set(copies.keys)))
                fix = "Publish the regenerated record, then run `senderwatch generate \(domain.text) --flatten` to record the new copy: "
                    + generated.zoneLines.joined(separator: " | ")
            }
            var message = "\(domain.text)'s SPF carries a flattened copy of \(include) from \(rows.first { $0.include == include }.map { Timestamp.iso($0.flattenedAt) } ?? "an earlier generate"), and \(include) has moved"
            if !added.isEmpty { message += ": it now also sends from \(added.map(\.description).joined(separator: ", ")), which receivers do not accept for \(domain.text)" }
            if !removed.isEmpty { message += (added.isEmpty ? ": " : "; ") + "it no longer uses \(removed.map(\.description).joined(separator: ", ")), which the record still authorizes" }
            if let problem = reading?.problem { message += " (\(problem))" }
            findings.append(Finding(
                kind: .spfFlattenedStale, severity: added.isEmpty ? .warning : .error, domain: domain.text, subject: subject,
                message: message,
                evidence: ["include": include, "added": added.map(\.description).joined(separator: " "),
                           "removed": removed.map(\.description).joined(separator: " ")],
                fix: fix))
        }
        return findings
    }

    public static func networks(_ json: String) -> [CIDRNetwork] {
        ((try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []).compactMap(CIDRNetwork.init)
    }
}
