import Audit
import DMARC
import DNSCore
import Foundation
import TransportPolicy

/// Converts between the core's inventory model and the store's rows.
public enum InventoryMapping {
    public static func rows(for domain: MonitoredDomain) -> (DomainRow, [SenderRow]) {
        let row = DomainRow(name: domain.name.key, intervalSeconds: domain.interval,
                            expectSPFAll: domain.expectations.spfAll,
                            expectDMARCPolicy: domain.expectations.dmarcPolicy?.rawValue,
                            expectMaxLookups: domain.expectations.maxLookups, source: domain.source,
                            dkimSelectors: selectorText(domain.dkimSelectors))
        var stored = row
        stored.expectMTASTS = domain.expectations.mtaSTS?.rawValue
        stored.expectTLSRPT = domain.expectations.tlsRPT
        stored.expectBIMI = domain.expectations.bimi
        let senders = domain.senders.map {
            SenderRow(kind: $0.kind.rawValue, value: $0.value, name: $0.name, owner: $0.owner, note: $0.note,
                      dkimSelectors: selectorText($0.dkimSelectors))
        }
        return (stored, senders)
    }

    public static func sender(_ row: SenderRow) -> ApprovedSender? {
        guard let kind = ApprovedSender.Kind(rawValue: row.kind) else { return nil }
        return ApprovedSender(kind: kind, value: row.value, name: row.name, owner: row.owner, note: row.note,
                              dkimSelectors: selectors(row.dkimSelectors))
    }

    /// Selectors as a column holds them: space-separated, nil for none.
    public static func selectorText(_ selectors: [String]) -> String? {
        selectors.isEmpty ? nil : selectors.joined(separator: " ")
    }

    public static func selectors(_ text: String?) -> [String] {
        (text ?? "").split(separator: " ").map(String.init)
    }

    public static func expectations(_ row: DomainRow) -> Expectations {
        Expectations(spfAll: row.expectSPFAll, dmarcPolicy: row.expectDMARCPolicy.flatMap(DMARCPolicy.init(rawValue:)),
                     maxLookups: row.expectMaxLookups, mtaSTS: row.expectMTASTS.flatMap(MTASTSPolicy.Mode.init(rawValue:)),
                     tlsRPT: row.expectTLSRPT, bimi: row.expectBIMI)
    }

    public static func monitoredDomain(_ row: DomainRow, senders: [SenderRow]) -> MonitoredDomain? {
        guard let name = try? DomainName(row.name) else { return nil }
        return MonitoredDomain(name: name, interval: row.intervalSeconds, expectations: expectations(row),
                               senders: senders.compactMap(sender), dkimSelectors: selectors(row.dkimSelectors),
                               source: row.source)
    }

    /// A stored finding as the core's value.
    public static func finding(_ row: FindingRow, domain: String) -> Finding {
        Finding(kind: FindingKind(row.kind), severity: Severity(rawValue: row.severity) ?? .warning, domain: domain,
                subject: row.subject, message: row.message, evidence: decodeEvidence(row.evidenceJSON), fix: row.fix)
    }

    /// A stored observation summary; nil when it cannot be read.
    public static func summary(_ json: String) -> ObservationSummary? {
        try? JSONCoding.decoder.decode(ObservationSummary.self, from: Data(json.utf8))
    }

    /// An observed source as the core judges it; nil when its address is not one.
    public static func observed(_ s: ObservedSource) -> ObservedSenderFacts? {
        guard let ip = IPAddress(s.sourceIP) else { return nil }
        var facts = ObservedSenderFacts(ip: ip, messages: s.messages, dkimAlignedPass: s.dkimAlignedPass,
                                        spfAlignedPass: s.spfAlignedPass, dmarcFail: s.dmarcFail, dispositions: s.dispositions,
                                        firstDay: s.firstDay, lastDay: s.lastDay, reporters: s.reporters)
        facts.dkimPass = s.dkimResults["pass"] ?? 0
        facts.dkimDomains = s.dkimDomains
        return facts
    }

    /// A flattened copy as the core compares it.
    public static func copy(_ row: FlattenedIncludeRow) -> FlattenedCopy {
        let networks = ((try? JSONCoding.decoder.decode([String].self, from: Data(row.networksJSON.utf8))) ?? [])
            .compactMap(CIDRNetwork.init)
        let records = (try? JSONCoding.decoder.decode([GeneratedSPF.Record].self, from: Data(row.recordJSON.utf8))) ?? []
        // The first record is the domain's own; the others are the `_spfN` sub-records its includes name.
        let terms = records.dropFirst().map { "include:" + $0.name.lowercased() }
        return FlattenedCopy(include: row.include.lowercased(), networks: networks, subRecordTerms: terms,
                             flattenedAt: row.flattenedAt)
    }

    /// Every poll reads the evidence of every open finding; JSONSerialization reads these flat objects in
    /// about 40% of JSONDecoder's time (2.0 against 5.0 us for a four-key object, measured here). A value that
    /// is not a string (never written by senderwatch) makes the whole object unreadable, as with the decoder.
    static func decodeEvidence(_ json: String) -> [String: String] {
        if json == "{}" { return [:] }
        if let evidence = FlatJSONObject.strings(json) { return evidence }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return [:] }
        var evidence: [String: String] = [:]
        evidence.reserveCapacity(object.count)
        for (key, value) in object {
            guard let text = value as? String else { return [:] }
            evidence[key] = text
        }
        return evidence
    }
}
