import DNSCore

/// Counters of an `LDNSResolver` since it was created; a snapshot, safe to keep.
public struct ResolverStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Queries handed to libldns (a CNAME re-query counts as one more; retries inside one query do not).
    public var queriesSent = 0
    /// Lookups (`resolve` calls) that ended in an answer: records, NXDOMAIN or no data.
    public var answers = 0
    /// Lookups that ended in a failure, by kind.
    public var failures: [DNSFailure.Kind: Int] = [:]

    public init() {}

    public var failureCount: Int { failures.values.reduce(0, +) }

    public var description: String {
        let kinds = failures.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }
        return "queries sent \(queriesSent), answers \(answers), failures \(failureCount)"
            + (kinds.isEmpty ? "" : " (\(kinds.joined(separator: ", ")))")
    }
}
