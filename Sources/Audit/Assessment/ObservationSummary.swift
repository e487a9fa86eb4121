import DMARC
import DNSCore
import SPF
import TransportPolicy

/// What one poll saw, reduced to what drift detection and history need, stored with each observation.
///
/// A part DNS did not answer this time is never recorded as absent: the stored summary carries its last
/// known value forward (`carried`), or marks it `unknown` when it was never known. So the latest stored
/// summary is always the baseline drift compares with, part by part, and two polls that knew the same
/// things are one observation even when the second could not re-read everything.
public struct ObservationSummary: Sendable, Hashable, Codable {
    /// `ok`: every part answered; `partial`: some part carried or unknown; `temperror`: neither the
    /// domain's own SPF nor its DMARC answered.
    public enum Status: String, Sendable, Codable { case ok, partial, temperror }

    /// How a part's value came to be in this summary.
    public enum PartState: String, Sendable, Codable {
        /// Read in this poll.
        case known
        /// Not answered in this poll; the value is the last one known.
        case carried
        /// Not answered, and never known before: the value is empty and means nothing.
        case unknown
    }

    public var status: Status
    public var spfRecord: String?
    public var spfResult: String?
    public var dnsLookups: Int
    public var voidLookups: Int
    public var allQualifier: String?
    /// The domain's own record, term by term.
    public var ownTerms: [String]
    /// Every network the record authorizes with `+`, as text, sorted.
    public var networks: [String]
    /// Include and redirect targets anywhere in the tree, sorted.
    public var includes: [String]
    /// For each include/redirect target of the domain's own record, the networks its subtree authorizes.
    public var providerNetworks: [String: [String]]
    public var dmarcStatus: String
    public var dmarcRecord: String?
    public var dmarcPolicy: String?
    /// Nil in summaries stored before parts had states: `known`, unless the whole poll was a temperror.
    public var spfState: PartState?
    public var dmarcState: PartState?
    /// Providers (keys of `providerNetworks`) whose subtree was not fully answered.
    public var providerStates: [String: PartState]?
    /// True when some subtree went unanswered, so `dnsLookups` is a lower bound.
    public var dnsLookupsLowerBound: Bool?
    /// True when some part of the SPF tree (a provider, the addresses of an `a` or `mx` term) went unanswered
    /// in this poll; its values are then the last known ones where the record was the same.
    public var spfIncomplete: Bool?
    /// The DKIM keys of the known selectors by key name (`DKIMKeyLookup.summary`: type, size and fingerprint,
    /// `revoked`, `absent`, ...); nil when the domain has none. A key not answered in this poll is carried.
    public var dkimKeys: [String: String]?
    /// Key names (of `dkimKeys`) that were not answered in this poll: `carried` or `unknown`.
    public var dkimStates: [String: PartState]?
    /// MTA-STS record and policy text, TLS-RPT and BIMI records; nil when absent (and in older summaries).
    public var mtaSTSRecord: String?
    public var mtaSTSPolicy: String?
    public var tlsRPTRecord: String?
    public var bimiRecord: String?
    /// Transport parts (`mta-sts`, `mta-sts-policy`, `tlsrpt`, `bimi`) not answered in this poll.
    public var transportStates: [String: PartState]?
    /// The record id under which the policy last changed without the id changing; nil once the id changes.
    public var mtaSTSStaleID: String?
    /// True in summaries that read the transport records; older summaries know nothing of them.
    public var transportRead: Bool?
    /// The MX set (`MXObservation.publishedText`); nil when there is none.
    public var mxRecord: String?
    /// True in summaries that read the MX set on every poll; older summaries know nothing of it, so its first
    /// reading after an upgrade is no drift. Its state is `transportStates["mx"]`.
    public var mxRead: Bool?
    /// The DNSSEC status word (`secure`, `insecure`, `bogus`) of each validated answer by `NAME/TYPE`; nil when
    /// nothing was validated. Answers indeterminate in this poll are in `dnssecStates`, carried or unknown.
    public var dnssec: [String: String]?
    public var dnssecStates: [String: PartState]?

    /// The summary of what this observation answered; unknown parts are empty and marked `unknown`.
    public init(_ o: DomainObservation) {
        let spf = o.spf
        let spfKnown = spf.topRecordUnknown == nil
        spfState = spfKnown ? .known : .unknown
        spfRecord = spf.record
        spfResult = spf.result?.rawValue
        dnsLookups = spf.dnsLookups
        voidLookups = spf.voidLookups
        dnsLookupsLowerBound = spf.dnsLookupsAreLowerBound ? true : nil
        spfIncomplete = spfKnown && !spf.isComplete ? true : nil
        allQualifier = spf.allQualifier
        ownTerms = spf.record.map { $0.split(separator: " ").dropFirst().map(String.init) } ?? []
        // Each network's text once, grouped by the record that authorizes it (a provider's include holds
        // dozens; formatting them again per provider was most of this initializer's cost).
        var all = Set<String>()
        var byRecord: [String: [String]] = [:]
        for network in spf.authorizedNetworks {
            let text = network.network.description
            all.insert(text)
            byRecord[network.via.lowercased(), default: []].append(text)
        }
        networks = all.sorted()
        includes = Array(Set((spf.tree?.descendants ?? []).filter { $0.via != nil }.map { $0.domain.lowercased() })).sorted()
        var providers: [String: [String]] = [:]
        var states: [String: PartState] = [:]
        for provider in spf.tree?.children ?? [] where provider.via != nil {
            let key = provider.domain.lowercased()
            let subtree = Set(provider.descendants.map { $0.domain.lowercased() })
            var texts = Set<String>()
            for record in subtree { if let found = byRecord[record] { texts.formUnion(found) } }
            providers[key] = texts.sorted()
            let unanswered = spf.unknownParts.contains { part in
                subtree.contains(part.name.lowercased()) || part.holder.map { subtree.contains($0.lowercased()) } == true
            }
            if unanswered { states[key] = .unknown }
        }
        providerNetworks = providers
        providerStates = states.isEmpty ? nil : states
        let dmarcKnown = !o.dmarc.verdict.isUnknown
        dmarcState = dmarcKnown ? .known : .unknown
        dmarcStatus = o.dmarc.status.rawValue
        dmarcRecord = o.dmarc.recordText
        dmarcPolicy = o.dmarc.appliedPolicy?.rawValue
        var keys: [String: String] = [:]
        var keyStates: [String: PartState] = [:]
        for lookup in o.dkimKeys {
            if let value = lookup.summary { keys[lookup.name] = value } else if lookup.verdict.isUnknown { keyStates[lookup.name] = .unknown }
        }
        dkimKeys = keys.isEmpty ? nil : keys
        dkimStates = keyStates.isEmpty ? nil : keyStates
        var transport: [String: PartState] = [:]
        let t = o.transport
        for (part, verdict) in [("mta-sts", t.mtaSTS.verdict), ("tlsrpt", t.tlsRPT.verdict), ("bimi", t.bimi.verdict)]
            where verdict != .known { transport[part] = .unknown }
        mtaSTSRecord = t.mtaSTS.publishedText
        tlsRPTRecord = t.tlsRPT.publishedText
        bimiRecord = t.bimi.publishedText
        switch t.policy {
        case .unknown: transport["mta-sts-policy"] = .unknown
        case .notRead: if transport["mta-sts"] != nil { transport["mta-sts-policy"] = .unknown }
        default: mtaSTSPolicy = t.policy.text
        }
        if let mx = t.mailExchangers {
            mxRead = true
            if mx.verdict.isUnknown { transport["mx"] = .unknown } else { mxRecord = mx.publishedText }
        }
        transportStates = transport.isEmpty ? nil : transport
        transportRead = true
        var words: [String: String] = [:]
        var wordStates: [String: PartState] = [:]
        for check in o.dnssec {
            if check.status.isIndeterminate { wordStates[check.id] = .unknown } else { words[check.id] = check.status.word }
        }
        dnssec = words.isEmpty ? nil : words
        dnssecStates = wordStates.isEmpty ? nil : wordStates
        status = .ok
        status = derivedStatus
        if !spfKnown { clearSPF() }
        if !dmarcKnown { dmarcRecord = nil; dmarcPolicy = nil }
    }

    /// What this summary knows of the SPF part.
    public var spfPart: PartState { spfState ?? (status == .temperror ? .unknown : .known) }
    public var dmarcPart: PartState { dmarcState ?? (status == .temperror ? .unknown : .known) }

    /// What this summary knows of one provider's networks.
    public func providerPart(_ provider: String) -> PartState {
        let spf = spfPart
        guard spf != .unknown else { return .unknown }
        let own = providerStates?[provider.lowercased()] ?? .known
        return own == .known && spf == .carried ? .carried : own
    }

    /// This summary with every part it did not answer taken from `baseline` (the latest stored summary), when
    /// the baseline knew it: the value to store and to compare the next poll with.
    public func merged(onto baseline: ObservationSummary?) -> ObservationSummary {
        var merged = self
        guard let baseline else { return merged }
        if spfPart == .unknown, baseline.spfPart != .unknown {
            merged.copySPF(from: baseline)
            merged.spfState = .carried
        } else if spfPart == .known, spfIncomplete == true, baseline.spfPart != .unknown, baseline.spfRecord == spfRecord {
            merged.fillSPFHoles(from: baseline, now: self)
        }
        if dmarcPart == .unknown, baseline.dmarcPart != .unknown {
            merged.dmarcStatus = baseline.dmarcStatus
            merged.dmarcRecord = baseline.dmarcRecord
            merged.dmarcPolicy = baseline.dmarcPolicy
            merged.dmarcState = .carried
        }
        if let states = dkimStates {
            var keys = merged.dkimKeys ?? [:]
            var carried: [String: PartState] = [:]
            for (name, state) in states where state == .unknown {
                if let value = baseline.dkimKeys?[name], baseline.dkimStates?[name] != .unknown {
                    keys[name] = value
                    carried[name] = .carried
                } else {
                    carried[name] = .unknown
                }
            }
            merged.dkimKeys = keys.isEmpty ? nil : keys
            merged.dkimStates = carried.isEmpty ? nil : carried
        }
        merged.mergeTransport(onto: baseline, now: self)
        if let states = dnssecStates {
            var words = merged.dnssec ?? [:]
            var carried: [String: PartState] = [:]
            for (id, state) in states where state == .unknown {
                if let word = baseline.dnssec?[id], baseline.dnssecStates?[id] != .unknown {
                    words[id] = word
                    carried[id] = .carried
                } else {
                    carried[id] = .unknown
                }
            }
            merged.dnssec = words.isEmpty ? nil : words
            merged.dnssecStates = carried.isEmpty ? nil : carried
        }
        merged.status = merged.derivedStatus
        return merged
    }

    /// What this summary knows of a transport part: `mta-sts`, `mta-sts-policy`, `tlsrpt`, `bimi`, `mx`.
    public func transportPart(_ part: String) -> PartState {
        guard transportRead == true else { return .unknown }
        if part == "mx", mxRead != true { return .unknown }
        return transportStates?[part] ?? .known
    }

    /// Unanswered transport parts carry the baseline's values; a policy that changed under the same id is
    /// remembered (`mtaSTSStaleID`) until the id changes.
    private mutating func mergeTransport(onto baseline: ObservationSummary, now: ObservationSummary) {
        var states: [String: PartState] = [:]
        for (part, path) in [("mta-sts", \ObservationSummary.mtaSTSRecord), ("mta-sts-policy", \ObservationSummary.mtaSTSPolicy),
                             ("tlsrpt", \ObservationSummary.tlsRPTRecord), ("bimi", \ObservationSummary.bimiRecord),
                             ("mx", \ObservationSummary.mxRecord)]
            where now.transportPart(part) == .unknown && (part != "mx" || now.mxRead == true) {
            if baseline.transportPart(part) != .unknown {
                self[keyPath: path] = baseline[keyPath: path]
                states[part] = .carried
            } else {
                states[part] = .unknown
            }
        }
        transportStates = states.isEmpty ? nil : states
        let id = Self.stsID(mtaSTSRecord)
        if now.transportPart("mta-sts-policy") == .known, now.transportPart("mta-sts") == .known,
           baseline.transportPart("mta-sts-policy") != .unknown, let before = baseline.mtaSTSPolicy, let after = now.mtaSTSPolicy,
           before != after, let id, id == Self.stsID(baseline.mtaSTSRecord) {
            mtaSTSStaleID = id
        } else if let stale = baseline.mtaSTSStaleID, stale == id {
            mtaSTSStaleID = stale
        } else {
            mtaSTSStaleID = nil
        }
    }

    /// The id of an MTA-STS record text.
    static func stsID(_ record: String?) -> String? {
        guard let record else { return nil }
        return (try? MTASTSRecord.parse(record).get())?.id
    }

    /// What this summary knows of the DNSSEC status of one answer (`NAME/TYPE`).
    public func dnssecPart(_ id: String) -> PartState {
        if let state = dnssecStates?[id] { return state }
        return dnssec?[id] == nil ? .unknown : .known
    }

    /// What this summary knows of one DKIM key.
    public func dkimPart(_ name: String) -> PartState {
        if let state = dkimStates?[name] { return state }
        return dkimKeys?[name] == nil ? .unknown : .known
    }

    /// A digest of the values alone (not of how they were obtained): equal for a poll that re-read
    /// everything and one that carried some of it, as long as nothing known differs.
    public var contentDigest: String {
        var hash = FNV1a()
        for text in [spfRecord, spfResult, String(dnsLookups), String(voidLookups), allQualifier,
                     dnsLookupsLowerBound == true ? "lower" : "exact"] { hash.field(text) }
        hash.field(ownTerms); hash.field(networks); hash.field(includes)
        for provider in providerNetworks.keys.sorted() {
            hash.field(provider)
            hash.field(providerNetworks[provider] ?? [])
        }
        for text in [dmarcStatus, dmarcRecord, dmarcPolicy] { hash.field(text) }
        // Absent for domains without DKIM selectors, so their digests stay what they were before DKIM was read.
        if let keys = dkimKeys, !keys.isEmpty {
            for name in keys.keys.sorted() { hash.field(name); hash.field(keys[name]) }
        }
        // Likewise the transport records, each only when published.
        for (label, value) in [("mta-sts", mtaSTSRecord), ("mta-sts-policy", mtaSTSPolicy), ("tlsrpt", tlsRPTRecord),
                               ("bimi", bimiRecord), ("mta-sts-stale-id", mtaSTSStaleID), ("mx", mxRecord)] {
            if let value { hash.field(label); hash.field(value) }
        }
        // DNSSEC words only where validation ran, so domains validated never keep the digests they had.
        if let words = dnssec, !words.isEmpty {
            for id in words.keys.sorted() { hash.field("dnssec:" + id); hash.field(words[id]) }
        }
        return hash.hex
    }

    /// A stable 64-bit FNV-1a digest of a text, in hex: used to tell record versions apart in finding
    /// subjects. (Tamper evidence for snapshots uses SHA-256 elsewhere.)
    public static func digest(_ text: String) -> String {
        var hash = FNV1a()
        hash.add(text)
        return hash.hex
    }

    private var derivedStatus: Status {
        let spf = spfState ?? .known, dmarc = dmarcState ?? .known
        if spf != .known && dmarc != .known { return .temperror }
        if spf == .known, dmarc == .known, (providerStates ?? [:]).isEmpty, spfIncomplete != true,
           (dkimStates ?? [:]).isEmpty, (transportStates ?? [:]).isEmpty, (dnssecStates ?? [:]).isEmpty { return .ok }
        return .partial
    }

    /// The record is the same as the baseline's but part of its tree went unanswered: the values are the
    /// baseline's (counts, includes, the networks of the record's own terms and of the providers that did
    /// not answer), and the providers that did answer bring their networks of now, so a provider that
    /// moved is still seen to have moved.
    private mutating func fillSPFHoles(from baseline: ObservationSummary, now: ObservationSummary) {
        copySPF(from: baseline)
        spfIncomplete = true
        let baselineProviders = Set(baseline.providerNetworks.values.flatMap { $0 })
        let ownNetworks = Set(baseline.networks).subtracting(baselineProviders)
        var states = baseline.providerStates ?? [:]
        for (provider, networks) in now.providerNetworks {
            if now.providerStates?[provider] == .unknown {
                states[provider] = baseline.providerPart(provider) == .unknown || baseline.providerNetworks[provider] == nil
                    ? .unknown : .carried
                if baseline.providerNetworks[provider] == nil { providerNetworks[provider] = [] }
            } else {
                states[provider] = nil
                providerNetworks[provider] = networks
            }
        }
        providerStates = states.isEmpty ? nil : states
        networks = Array(ownNetworks.union(providerNetworks.values.flatMap { $0 })).sorted()
    }

    private mutating func clearSPF() {
        spfRecord = nil; spfResult = nil; dnsLookups = 0; voidLookups = 0; allQualifier = nil
        ownTerms = []; networks = []; includes = []; providerNetworks = [:]; providerStates = nil; dnsLookupsLowerBound = nil
        spfIncomplete = nil
    }

    private mutating func copySPF(from other: ObservationSummary) {
        spfRecord = other.spfRecord; spfResult = other.spfResult; dnsLookups = other.dnsLookups
        voidLookups = other.voidLookups; allQualifier = other.allQualifier; ownTerms = other.ownTerms
        networks = other.networks; includes = other.includes; providerNetworks = other.providerNetworks
        providerStates = other.providerStates; dnsLookupsLowerBound = other.dnsLookupsLowerBound
        spfIncomplete = other.spfIncomplete
    }
}
