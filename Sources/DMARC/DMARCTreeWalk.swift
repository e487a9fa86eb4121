import DNSCore

/// The DNS Tree Walk of RFC 9989 section 4.10, which replaced RFC 7489's Public Suffix List: one pass
/// from a domain towards the root answers both "which record is the policy" (section 4.10.1) and "where
/// is the Organizational Domain" (section 4.10.2).
struct DMARCTreeWalk {
    /// The most `_dmarc` queries one walk may make (RFC 9989 section 4.10).
    static let maximumQueries = 8

    /// The names whose `_dmarc` records the walk reads, in order: the domain itself; then, when it has 8
    /// or more labels, straight to its rightmost 7; then one label shorter at a time down to the TLD.
    /// That caps a walk at 8 queries however deep the name. A name of only digits and dots is an IPv4
    /// literal, not a domain, and is never walked.
    static func names(from domain: DomainName) -> [DomainName] {
        var names = [domain]
        let labels = domain.labels
        if labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) { return names }
        let start = labels.count >= 8 ? 7 : labels.count - 1
        for count in stride(from: start, through: 1, by: -1) {
            if let name = try? DomainName(labels.suffix(count).joined(separator: ".")) { names.append(name) }
        }
        return names
    }

    /// What one level of the walk published.
    enum Level {
        case nothing(otherTexts: [String])
        case valid(DMARCRecord, text: String, others: [String])
        case invalid(text: String, error: DMARCParseError)
        case multiple([String])
        case failure(DNSFailure)
    }

    /// Reads `_dmarc.<name>`: non-DMARC TXT records are discarded (RFC 7489 section 6.6.3 step 2);
    /// more than one DMARC record means none applies.
    static func level(_ name: DomainName, _ lookup: inout DMARCLookup) async -> Level {
        guard let owner = try? name.prepending("_dmarc") else { return .nothing(otherTexts: []) }
        switch await lookup.txt(owner) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let answer):
            let dmarc = answer.texts.filter(DMARCRecord.isDMARCRecord)
            let others = answer.texts.filter { !DMARCRecord.isDMARCRecord($0) }
            guard let text = dmarc.first else { return .nothing(otherTexts: others) }
            if dmarc.count > 1 { return .multiple(dmarc) }
            do { return .valid(try DMARCRecord(parsing: text), text: text, others: others) } catch {
                return .invalid(text: text, error: error)
            }
        }
    }

    /// The outcome of a walk.
    struct Outcome {
        /// The first level with a valid record or with several records; nil when there was neither.
        var policy: (domain: DomainName, level: Level)?
        /// An invalid record passed over before the policy was found.
        var skippedInvalid: (domain: DomainName, text: String, error: DMARCParseError)?
        /// Other TXT records at the domain's own `_dmarc` name, for hints.
        var unrelatedAtDomain: [String] = []
        /// Nil when a temporary failure hid part of the walk.
        var organizationalDomain: DomainName?
        /// The failure that stopped the walk, if any.
        var failure: (domain: DomainName, failure: DNSFailure)?
    }

    /// Walks from `domain`. Policy discovery stops at the first level with a valid record (or several);
    /// the walk goes on only while the Organizational Domain is still undecided.
    ///
    /// Organizational Domain (RFC 9989 section 4.10.2): the first record with `psd=n` marks it; a record
    /// with `psd=y` above the starting domain puts it one label below that record; otherwise it is the
    /// domain with the fewest labels that published a valid record, and with no records at all the
    /// domain itself. A `psd=y` record at the starting domain is not a boundary (nothing lies below it
    /// on this path), so the walk continues past it.
    static func walk(_ domain: DomainName, _ lookup: inout DMARCLookup, needPolicy: Bool = true) async -> Outcome {
        var outcome = Outcome()
        var fewestLabels: DomainName?
        for (index, name) in names(from: domain).enumerated() {
            let level = await level(name, &lookup)
            let policyOpen = needPolicy && outcome.policy == nil
            switch level {
            case .failure(let failure):
                outcome.failure = (name, failure)
                return outcome
            case .nothing(let others):
                if index == 0 { outcome.unrelatedAtDomain = others }
            case .invalid(let text, let error):
                if policyOpen, outcome.skippedInvalid == nil { outcome.skippedInvalid = (name, text, error) }
            case .multiple:
                if policyOpen {
                    outcome.policy = (name, level)
                    return outcome
                }
            case .valid(let record, _, let others):
                if index == 0 { outcome.unrelatedAtDomain = others }
                if policyOpen { outcome.policy = (name, level) }
                if record.psd == .no {
                    outcome.organizationalDomain = name
                    return outcome
                }
                if record.psd == .yes, index > 0 {
                    let below = domain.labels.suffix(name.labelCount + 1).joined(separator: ".")
                    outcome.organizationalDomain = (try? DomainName(below)) ?? domain
                    return outcome
                }
                fewestLabels = name
            }
        }
        outcome.organizationalDomain = fewestLabels ?? domain
        return outcome
    }
}
