import DNSCore

/// The one way the core fetches a policy over HTTPS (MTA-STS, RFC 8461 section 3.3), as `DNSResolver` is the
/// one way it reaches DNS. The adapter verifies the certificate for `host`, follows no redirect, stops after
/// `maximumBytes` and connects only to `addresses` (resolved by senderwatch's own resolver, so the audit and
/// the fetch see the same DNS).
public protocol PolicyFetcher: Sendable {
    func fetch(host: DomainName, path: String, addresses: [IPAddress], maximumBytes: Int) async -> PolicyFetch
}

public enum PolicyFetch: Sendable, Hashable {
    /// A 200 answer: the body, and the seconds the server's certificate has left.
    case fetched(body: [UInt8], certificateSecondsLeft: Int64?)
    /// An answer a sender cannot use: the certificate does not verify, a redirect, another status, too large.
    case refused(String)
    /// No answer (timeout, connection refused, reset): nothing is known.
    case unanswered(String)
}
