import DKIM
import DNSCore

/// A DKIM selector the monitor knows of for a domain, and how it learned of it: the monitor file (the domain's
/// `dkim_selectors:` or an approved sender's `dkim:`) or DMARC aggregate reports, which name the selector of
/// every DKIM result (`<auth_results><dkim><selector>`).
public struct DKIMSelectorFacts: Sendable, Hashable {
    public var selector: String
    /// The `d=` the selector signs for, lower-cased: the domain itself for selectors of the monitor file.
    public var signingDomain: String
    /// Who the monitor file says signs with it: `the domain` or an approved sender's description.
    public var approvedBy: [String]
    /// What the reports saw of it; nil when they never named it.
    public var reported: DKIMReportedUse?

    public init(selector: String, signingDomain: String, approvedBy: [String] = [], reported: DKIMReportedUse? = nil) {
        self.selector = selector; self.signingDomain = signingDomain; self.approvedBy = approvedBy; self.reported = reported
    }

    /// `selector._domainkey.d`, lower-cased: the identity of a key in findings and summaries.
    public var keyName: String { "\(selector)._domainkey.\(signingDomain)" }

    /// Learned from: `monitor file`, `reports`, `command line` (labels such as `--selector`), in that order.
    public var learnedFrom: [String] {
        let file = approvedBy.contains { !$0.hasPrefix("--") }, given = approvedBy.contains { $0.hasPrefix("--") }
        return (file ? ["monitor file"] : []) + (reported == nil ? [] : ["reports"]) + (given ? ["command line"] : [])
    }
}

/// The reports' tally of one selector: every day, and the recent window (`ObservedThresholds.windowDays`).
public struct DKIMReportedUse: Sendable, Hashable {
    public var firstDay: String
    public var lastDay: String
    public var messages: Int
    public var pass: Int
    public var fail: Int
    /// Messages within the window, and how many of them passed.
    public var recentMessages: Int
    public var recentPass: Int
    /// Source addresses that used it, most messages first (at most `maximumSources`), and how many there were.
    public var sources: [String]
    public var sourceCount: Int

    public static let maximumSources = 10

    public init(firstDay: String, lastDay: String, messages: Int, pass: Int, fail: Int, recentMessages: Int, recentPass: Int,
                sources: [String], sourceCount: Int) {
        self.firstDay = firstDay; self.lastDay = lastDay; self.messages = messages; self.pass = pass; self.fail = fail
        self.recentMessages = recentMessages; self.recentPass = recentPass; self.sources = sources; self.sourceCount = sourceCount
    }
}

/// What DNS said at one selector's key name.
public struct DKIMKeyLookup: Sendable {
    public enum Outcome: Sendable {
        /// A key record; `count` TXT records stood at the name (more than one is ambiguous).
        case found(DKIMKeyRecord, count: Int)
        /// TXT at the name, but none a DKIM key record: the receiver's "key syntax" failure.
        case invalid(DKIMSyntaxError, text: String)
        /// NXDOMAIN or no TXT: the receiver's "no key for signature".
        case absent(nxdomain: Bool)
        /// Timeout, SERVFAIL, outside the zone files: nothing is known.
        case unknown(DNSFailure)
        /// The name cannot be asked at all (a CNAME loop, a name too long).
        case impossible(String)
    }

    public var facts: DKIMSelectorFacts
    public var outcome: Outcome
    /// Where a CNAME at the key name points (a provider that hosts the key), when it is delegated.
    public var delegatedTo: String?

    public init(facts: DKIMSelectorFacts, outcome: Outcome, delegatedTo: String? = nil) {
        self.facts = facts; self.outcome = outcome; self.delegatedTo = delegatedTo
    }

    public var name: String { facts.keyName }

    public var verdict: PartVerdict {
        switch outcome {
        case .unknown(let failure): .unknown(failure)
        case .impossible(let reason): .impossible(reason)
        default: .known
        }
    }

    public var record: DKIMKeyRecord? { if case .found(let record, _) = outcome { record } else { nil } }

    /// The outcome in one word, as the JSON documents and snapshots give it: `found`, `revoked`, `invalid`,
    /// `absent`, `unknown` or `impossible`.
    public var status: String {
        switch outcome {
        case .found(let record, _): record.isRevoked ? "revoked" : "found"
        case .invalid: "invalid"
        case .absent: "absent"
        case .unknown: "unknown"
        case .impossible: "impossible"
        }
    }

    /// The key as drift compares it: type, size and fingerprint, or what stands there instead.
    public var summary: String? {
        switch outcome {
        case .found(let record, _):
            if record.isRevoked { return "revoked" }
            guard let key = record.publicKey else { return "unusable \(ObservationSummary.digest(record.text))" }
            return "\(key.algorithm.rawValue) \(key.bits) \(key.fingerprint)" + (record.isTesting ? " t=y" : "")
        case .invalid(_, let text): return "invalid \(ObservationSummary.digest(text))"
        case .absent: return "absent"
        case .unknown, .impossible: return nil
        }
    }
}

/// Reads the key of every selector known for a domain whose signing domain is the domain, one of its
/// subdomains or one of its parents (a provider's own `d=` is the provider's to watch).
public enum DKIMKeyReader {
    /// The most selectors read per domain: the monitor file's first, then the most used in the reports.
    public static let maximumSelectors = 32

    public static func selectorsToRead(_ known: [DKIMSelectorFacts], domain: DomainName) -> [DKIMSelectorFacts] {
        let related = known.filter { facts in
            guard let signing = try? DomainName(facts.signingDomain) else { return false }
            return signing.isSubdomain(of: domain) || domain.isSubdomain(of: signing)
        }
        let ordered = related.sorted { a, b in
            if a.approvedBy.isEmpty != b.approvedBy.isEmpty { return !a.approvedBy.isEmpty }
            let ma = a.reported?.recentMessages ?? 0, mb = b.reported?.recentMessages ?? 0
            return ma != mb ? ma > mb : a.keyName < b.keyName
        }
        return Array(ordered.prefix(maximumSelectors))
    }

    /// The keys of `selectors`, read concurrently, in the order given.
    public static func read(_ selectors: [DKIMSelectorFacts], resolver: any DNSResolver) async -> [DKIMKeyLookup] {
        guard !selectors.isEmpty else { return [] }
        return await withTaskGroup(of: (Int, DKIMKeyLookup).self) { group in
            for (index, facts) in selectors.enumerated() {
                group.addTask { (index, await read(facts, resolver: resolver)) }
            }
            var found: [(Int, DKIMKeyLookup)] = []
            for await entry in group { found.append(entry) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    public static func read(_ facts: DKIMSelectorFacts, resolver: any DNSResolver) async -> DKIMKeyLookup {
        guard let signing = try? DomainName(facts.signingDomain),
              let name = DKIMSelector.keyName(selector: facts.selector, domain: signing) else {
            return DKIMKeyLookup(facts: facts, outcome: .impossible("\(facts.keyName) is not a valid DNS name (too long?)"))
        }
        switch await resolver.txt(name) {
        case .failure(let failure):
            if failure.isTemporary { return DKIMKeyLookup(facts: facts, outcome: .unknown(failure)) }
            return DKIMKeyLookup(facts: facts, outcome: .impossible(failure.description))
        case .success(let found):
            let owner = found.answer.records.first?.name
            let delegated = owner.flatMap { $0 == name ? nil : $0.text.lowercased() }
            let texts = found.texts.map { String(decoding: $0, as: UTF8.self) }
            guard let selected = DKIMKeyRecord.select(texts) else {
                // No key: say whether a CNAME points somewhere that has none (a provider that dropped it).
                let target = await danglingTarget(name, resolver: resolver)
                return DKIMKeyLookup(facts: facts, outcome: .absent(nxdomain: found.answer.isNXDomain), delegatedTo: target)
            }
            switch selected.record {
            case .success(let record):
                return DKIMKeyLookup(facts: facts, outcome: .found(record, count: selected.count), delegatedTo: delegated)
            case .failure(let error):
                return DKIMKeyLookup(facts: facts, outcome: .invalid(error, text: texts[0]), delegatedTo: delegated)
            }
        }
    }

    /// The CNAME target at `name`, if one stands there.
    static func danglingTarget(_ name: DomainName, resolver: any DNSResolver) async -> String? {
        guard case .success(let answer) = await resolver.resolve(name, .cname) else { return nil }
        for record in answer.records { if case .cname(let target) = record.data { return target.text.lowercased() } }
        return nil
    }
}
