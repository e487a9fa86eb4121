import DNSCore

/// Builds the SPF record a domain's approved senders call for (`senderwatch generate`).
///
/// Terms come in a stable order: `ip4` networks, `ip6` networks (each sorted, with networks inside another
/// dropped), `a` and `mx` terms for host and MX senders, `include` terms by name, then `all` with the
/// expected qualifier. The worst-case lookup count (RFC 7208 section 4.6.4) is the `a`/`mx` terms plus
/// each include's own cost. With flattening, includes are replaced by the networks they resolve to now,
/// the costliest first, until the count fits the budget; when the record then grows beyond
/// `maxRecordOctets`, its networks move to `_spf1`, `_spf2`, ... sub-records chained by `include`.
public struct SPFGenerator: Sendable {
    /// A record this long still fits a 512-octet UDP answer with its name and headers (RFC 7208 section 3.4).
    public static let maxRecordOctets = 450

    public var domain: DomainName
    public var senders: [ApprovedSender]
    public var expectations: Expectations
    /// What each included provider costs and authorizes now, by lower-case name.
    public var providers: [String: ProviderSPF]
    /// The qualifier of the `all` the domain publishes now, used when there is no `spf_all` expectation so
    /// the generated record is never weaker than the live one.
    public var currentAll: String?

    public init(domain: DomainName, senders: [ApprovedSender], expectations: Expectations, providers: [String: ProviderSPF],
                currentAll: String? = nil) {
        self.domain = domain; self.senders = senders; self.expectations = expectations; self.providers = providers
        self.currentAll = currentAll
    }

    public var lookupBudget: Int { min(expectations.maxLookups ?? 10, 10) }

    /// The includes the inventory asks for, by name.
    public var includes: [String] {
        Array(Set(senders.filter { $0.kind == .include }.map { $0.value.lowercased() })).sorted()
    }

    public func generate(flatten mode: FlattenMode) -> GeneratedSPF {
        var flattened: Set<String> = []
        var problems: [String] = []
        switch mode {
        case .none: break
        case .these(let names):
            for name in names.sorted() {
                if let reason = flattenBlocker(name) { problems.append("\(name) cannot be flattened: \(reason)") } else { flattened.insert(name) }
            }
        case .asNeeded:
            while lookups(build(flattened)) > lookupBudget {
                let candidates = includes.filter { !flattened.contains($0) && flattenBlocker($0) == nil }
                guard let costliest = candidates.max(by: { (cost($0), $1) < (cost($1), $0) }) else { break }
                flattened.insert(costliest)
            }
        }
        let records = build(flattened)
        let total = lookups(records)
        for name in includes where providers[name] == nil {
            problems.append("the SPF record of \(name) could not be read, so its lookups are counted as 1")
        }
        if total > lookupBudget {
            var text = "the record needs \(total) DNS lookups, more than the budget of \(lookupBudget)"
            if mode == .none, includes.contains(where: { flattenBlocker($0) == nil }) { text += ": run with --flatten" }
            problems.append(text)
        }
        if let top = records.first, top.text.utf8.count > Self.maxRecordOctets {
            problems.append("the record is \(top.text.utf8.count) octets, more than \(Self.maxRecordOctets): it may not fit a UDP answer")
        }
        var notes: [String] = []
        if expectations.spfAll == nil {
            let kept = currentAll == "-" ? "-all, as published now" : "~all"
            notes.append("no spf_all expectation: the record ends with \(kept) (set expect.spf_all in the monitor file to choose)")
        }
        let copies = flattened.sorted().map { name in
            GeneratedSPF.Flattened(include: name, networks: (providers[name]?.networks ?? []).map(\.description), lookupsSaved: cost(name))
        }
        return GeneratedSPF(domain: domain.text, records: records, lookups: total, lookupBudget: lookupBudget,
                            allQualifier: allTerm, flattened: copies, problems: problems, notes: notes)
    }

    /// The expected qualifier; without an expectation `-` if the live record has it, else `~`.
    var allTerm: String { (expectations.spfAll ?? (currentAll == "-" ? "-" : "~")) + "all" }

    /// Lookups `include:name` costs: 1 plus the provider's tree, 1 when unknown.
    func cost(_ name: String) -> Int { providers[name]?.lookups ?? 1 }

    func flattenBlocker(_ name: String) -> String? {
        guard let provider = providers[name] else { return "its SPF record could not be read" }
        if let reason = provider.unflattenable { return reason }
        if provider.networks.isEmpty { return "it authorizes no networks" }
        return nil
    }

    /// Worst-case lookups: every DNS-querying term of the domain's records plus the includes' own trees.
    func lookups(_ records: [GeneratedSPF.Record]) -> Int {
        var total = 0
        for record in records {
            for term in record.text.split(separator: " ").dropFirst() {
                let bare = term.drop { "+-~?".contains($0) }.lowercased()
                if bare.hasPrefix("include:") {
                    let target = String(bare.dropFirst("include:".count))
                    total += target.hasSuffix("." + domain.key) && target.hasPrefix("_spf") ? 1 : cost(target)
                } else if bare == "a" || bare.hasPrefix("a:") || bare.hasPrefix("a/") || bare == "mx" || bare.hasPrefix("mx:") || bare.hasPrefix("mx/") {
                    total += 1
                }
            }
        }
        return total
    }

    /// The records for a choice of flattened includes.
    func build(_ flattened: Set<String>) -> [GeneratedSPF.Record] {
        var networks = senders.compactMap { sender -> CIDRNetwork? in
            switch sender.kind {
            case .ip: IPAddress(sender.value).map { CIDRNetwork(host: $0) }
            case .cidr: CIDRNetwork(sender.value)
            default: nil
            }
        }
        for name in flattened.sorted() { networks += providers[name]?.networks ?? [] }
        let networkTerms = Self.minimal(networks).map { ($0.isIPv4 ? "ip4:" : "ip6:") + $0.text(omitHostLength: true) }
        let nameTerms = names(.host, bare: "a") + names(.mx, bare: "mx")
            + includes.filter { !flattened.contains($0) }.map { "include:\($0)" }

        let single = (["v=spf1"] + networkTerms + nameTerms + [allTerm]).joined(separator: " ")
        if single.utf8.count <= Self.maxRecordOctets {
            return [record(domain.text, single)]
        }
        // Too long for one record: the networks move to a chain of sub-records.
        var chunks: [[String]] = [[]]
        let reserve = "v=spf1 include:_spf99.\(domain.text) ?all".utf8.count
        for term in networkTerms {
            let length = chunks[chunks.count - 1].reduce(reserve) { $0 + $1.utf8.count + 1 } + term.utf8.count + 1
            if length > Self.maxRecordOctets, !chunks[chunks.count - 1].isEmpty { chunks.append([]) }
            chunks[chunks.count - 1].append(term)
        }
        var records = [record(domain.text, (["v=spf1"] + nameTerms + ["include:\(subName(1))", allTerm]).joined(separator: " "))]
        for (index, chunk) in chunks.enumerated() {
            let next = index + 1 < chunks.count ? ["include:\(subName(index + 2))"] : []
            records.append(record(subName(index + 1), (["v=spf1"] + chunk + next + ["?all"]).joined(separator: " ")))
        }
        return records
    }

    func subName(_ index: Int) -> String { "_spf\(index).\(domain.text)" }

    func record(_ name: String, _ text: String) -> GeneratedSPF.Record {
        GeneratedSPF.Record(name: name, text: text, strings: GeneratedSPF.characterStrings(text))
    }

    /// `a`/`mx` terms for host or MX senders; the domain itself is written bare.
    func names(_ kind: ApprovedSender.Kind, bare: String) -> [String] {
        Array(Set(senders.filter { $0.kind == kind }.map { $0.value.lowercased() })).sorted().map {
            $0 == domain.key ? bare : "\(bare):\($0)"
        }
    }

    /// Sorted networks with duplicates and networks inside another removed; IPv4 first.
    static func minimal(_ networks: [CIDRNetwork]) -> [CIDRNetwork] {
        let sorted = Array(Set(networks)).sorted { a, b in
            a.isIPv4 != b.isIPv4 ? a.isIPv4 : a < b
        }
        var kept: [CIDRNetwork] = []
        for network in sorted where !kept.contains(where: { $0.isIPv4 == network.isIPv4 && $0.contains(network) }) {
            kept.append(network)
        }
        return kept
    }
}
