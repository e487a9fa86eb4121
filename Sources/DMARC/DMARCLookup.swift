import DNSCore

/// The DNS answers one discovery or evaluation needs, cached by name so that the policy walk, the
/// organizational-domain walks of several identifiers and the existence check never ask twice, and
/// recorded in order so that callers can show (and tests can assert) what was queried.
struct DMARCLookup {
    let resolver: any DNSResolver
    private var texts: [DomainName: Result<TXTAnswer, DNSFailure>] = [:]
    private var existence: [DomainName: Result<Bool, DNSFailure>] = [:]
    private(set) var queries: [String] = []

    struct TXTAnswer {
        var texts: [String]
        var nxdomain: Bool
    }

    init(resolver: any DNSResolver) { self.resolver = resolver }

    /// TXT strings at `name`, each record's character-strings joined (RFC 7489 section 6.6.3 (no separator)).
    mutating func txt(_ name: DomainName) async -> Result<TXTAnswer, DNSFailure> {
        if let cached = texts[name] { return cached }
        queries.append(name.text)
        let result = await resolver.txt(name).map { found in
            TXTAnswer(texts: found.texts.map { String(decoding: $0, as: UTF8.self) }, nxdomain: found.answer.isNXDomain)
        }
        texts[name] = result
        return result
    }

    /// Whether `name` exists: RFC 9989 takes a non-existent domain in the RFC 8020 sense, an NXDOMAIN
    /// answer; so any answer other than NXDOMAIN (records or no data, for any type) means it exists.
    /// One A query is enough for that.
    mutating func exists(_ name: DomainName) async -> Result<Bool, DNSFailure> {
        if let cached = existence[name] { return cached }
        queries.append(name.text)
        let result = await resolver.resolve(name, .a).map { !$0.isNXDomain }
        existence[name] = result
        return result
    }
}
