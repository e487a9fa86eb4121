import DNSCore
import SPF

/// DNS as receivers will see it once the generated records are published: their TXT answers at their names,
/// every other question answered by the real resolver. `generate` analyses the new record through it, so the
/// lookups it reports are counted by the same analyzer that `spf` and `poll` use, not only by the generator.
struct PublishedRecordsResolver: DNSResolver {
    let upstream: any DNSResolver
    /// Character-strings of each generated record, by lower-cased owner name.
    let records: [String: [String]]

    func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        guard type == .txt, let strings = records[name.key] else { return await upstream.resolve(name, type) }
        return .success(.records([DNSRecord(name: name, ttl: 3600, data: .txt(strings.map { Array($0.utf8) }))]))
    }
}

enum PublishCheck {
    /// What stops the generated records from being published, as the SPF analyzer reads them through
    /// `PublishedRecordsResolver`: the lookup count against the budget and RFC 7208's limit, and any error
    /// receivers would answer permerror for.
    static func problems(domain: DomainName, records: [(name: String, strings: [String])], budget: Int,
                         resolver: any DNSResolver) async -> [String] {
        let overlay = PublishedRecordsResolver(upstream: resolver,
                                               records: Dictionary(records.map { ($0.name.lowercased(), $0.strings) },
                                                                   uniquingKeysWith: { first, _ in first }))
        let analysis = await SPFAnalyzer(resolver: overlay).analyze(domain: domain)
        var problems: [String] = []
        if analysis.dnsLookups > budget {
            problems.append("read as receivers will read it once published, the record needs \(analysis.dnsLookups) DNS lookups, "
                            + "more than the budget of \(budget)" + (budget < 10 ? "" : " (RFC 7208 section 4.6.4 allows 10)"))
        }
        problems += analysis.errors.filter { $0.code != "lookup-limit" }.map { "once published: \($0.message)" }
        return problems
    }
}
