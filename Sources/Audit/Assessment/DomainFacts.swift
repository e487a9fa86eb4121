import DNSCore
import Foundation

/// Everything the store knows about a domain that its assessment needs, read in one pass before any DNS
/// query: the desired state, the drift baseline, what is open, what the reports saw, the flattened copies.
/// `check` assesses with `DomainFacts()` (nothing stored).
public struct DomainFacts: Sendable {
    public var approved: [ApprovedSender]
    public var expectations: Expectations
    /// The latest stored observation summary, the baseline of drift; nil before the first poll. Read from
    /// `storedBaseline` when it is first needed: most polls see what the last one saw, and then the digest
    /// alone says so.
    public var baseline: ObservationSummary? {
        get { explicitBaseline ?? storedBaseline.flatMap { try? JSONCoding.decoder.decode(ObservationSummary.self, from: Data($0.utf8)) } }
        set { explicitBaseline = newValue }
    }
    /// The stored baseline's `contentDigest`, and its JSON.
    public var baselineDigest: String?
    public var storedBaseline: String?
    private var explicitBaseline: ObservationSummary?
    /// Whether there is a baseline, without decoding it.
    public var hasBaseline: Bool { explicitBaseline != nil || storedBaseline != nil }
    /// The findings open now.
    public var openFindings: [StoredFinding]
    /// What ingested reports and headers saw; nil when there is nothing.
    public var observed: ObservedFacts?
    /// The providers `generate --flatten` copied into the record.
    public var flattened: [FlattenedCopy]
    /// Polls in a row whose own records went unanswered, before this one.
    public var consecutiveTempFailures: Int
    /// DKIM selectors known for the domain: its own, its senders', and those the reports named.
    public var dkim: [DKIMSelectorFacts] = []
    /// What stored SMTP TLS reports say about inbound sessions; nil when there are none.
    public var tlsReports: TLSReportFacts?

    public init(approved: [ApprovedSender] = [], expectations: Expectations = .init(), baseline: ObservationSummary? = nil,
                openFindings: [StoredFinding] = [], observed: ObservedFacts? = nil, flattened: [FlattenedCopy] = [],
                consecutiveTempFailures: Int = 0) {
        self.approved = approved; self.expectations = expectations; self.explicitBaseline = baseline
        self.openFindings = openFindings; self.observed = observed; self.flattened = flattened
        self.consecutiveTempFailures = consecutiveTempFailures
    }
}

/// An open finding as stored, with the time the monitor first saw it.
extension DomainFacts {
    /// `dkim` with the selectors of the approved senders and of `domainSelectors` added where missing (a
    /// `check` has no store to read them from).
    public func dkimSelectors(domain: DomainName, domainSelectors: [String] = []) -> [DKIMSelectorFacts] {
        var known = dkim
        var index: [String: Int] = [:]
        for (offset, facts) in known.enumerated() { index[facts.keyName] = offset }
        let signing = domain.key
        func add(_ selector: String, by label: String) {
            let key = "\(selector)._domainkey.\(signing)"
            if let at = index[key] {
                if !known[at].approvedBy.contains(label) { known[at].approvedBy.append(label) }
            } else {
                index[key] = known.count
                known.append(DKIMSelectorFacts(selector: selector, signingDomain: signing, approvedBy: [label]))
            }
        }
        for selector in domainSelectors { add(selector, by: "the domain") }
        for sender in approved { for selector in sender.dkimSelectors { add(selector, by: InventoryFindings.describe(sender)) } }
        return known
    }
}

public struct StoredFinding: Sendable, Hashable {
    public var finding: Finding
    public var firstSeenAt: Int64

    public init(finding: Finding, firstSeenAt: Int64) {
        self.finding = finding; self.firstSeenAt = firstSeenAt
    }

    public var fingerprint: String { finding.fingerprint }
}

/// What DMARC reports (and recorded headers) saw sending as the domain.
public struct ObservedFacts: Sendable {
    /// The first and last UTC day (YYYY-MM-DD) with observations.
    public var firstDay: String
    public var lastDay: String
    /// The sources seen within the window (`ObservedThresholds.windowDays`, counted back from the last day
    /// that has both happened and been reported).
    public var recent: [ObservedSenderFacts]
    /// Every source ever seen, for the stale check; empty when that check cannot apply yet.
    public var all: [ObservedSenderFacts]
    /// An approved sender last seen on or before this day is stale (`stale_after` days before the last
    /// reported day); nil while the reports do not reach back that far.
    public var staleBefore: String?

    public init(firstDay: String, lastDay: String, recent: [ObservedSenderFacts], all: [ObservedSenderFacts],
                staleBefore: String?) {
        self.firstDay = firstDay; self.lastDay = lastDay; self.recent = recent; self.all = all
        self.staleBefore = staleBefore
    }
}

/// A provider's networks as `generate --flatten` copied them into the record.
public struct FlattenedCopy: Sendable, Hashable {
    /// The include the copy replaces, lower-cased.
    public var include: String
    public var networks: [CIDRNetwork]
    /// `include:_spfN.domain` terms of the generated sub-records that hold the copies, lower-cased.
    public var subRecordTerms: [String]
    /// Epoch seconds of the generate run.
    public var flattenedAt: Int64

    public init(include: String, networks: [CIDRNetwork], subRecordTerms: [String], flattenedAt: Int64) {
        self.include = include; self.networks = networks; self.subRecordTerms = subRecordTerms; self.flattenedAt = flattenedAt
    }
}
