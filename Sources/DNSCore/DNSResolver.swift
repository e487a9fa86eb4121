/// The one way the core reaches DNS. Adapters (libldns, zone files, test zones) implement it; the core
/// never sees a socket. Implementations must be safe to call concurrently.
public protocol DNSResolver: Sendable {
    /// Resolves `name`/`type`, following CNAME chains for types other than CNAME.
    func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult
}

extension DNSResolver {
    /// TXT records, each as the joined octets of its character-strings.
    public func txt(_ name: DomainName) async -> Result<(answer: DNSAnswer, texts: [[UInt8]]), DNSFailure> {
        await resolve(name, .txt).map { answer in
            (answer, answer.records.compactMap { $0.data.joinedText })
        }
    }

    /// Addresses of `name` of one family (A for IPv4, AAAA for IPv6).
    public func addresses(_ name: DomainName, ipv6: Bool) async -> Result<(answer: DNSAnswer, addresses: [IPAddress]), DNSFailure> {
        await resolve(name, ipv6 ? .aaaa : .a).map { answer in
            (answer, answer.records.compactMap { $0.data.address })
        }
    }

    /// MX exchanges in preference order.
    public func mx(_ name: DomainName) async -> Result<(answer: DNSAnswer, exchanges: [DomainName]), DNSFailure> {
        await resolve(name, .mx).map { answer in
            let pairs: [(UInt16, DomainName)] = answer.records.compactMap {
                if case .mx(let p, let e) = $0.data { (p, e) } else { nil }
            }
            return (answer, pairs.sorted { $0.0 < $1.0 }.map(\.1))
        }
    }

    /// PTR targets of `name`.
    public func ptr(_ name: DomainName) async -> Result<(answer: DNSAnswer, names: [DomainName]), DNSFailure> {
        await resolve(name, .ptr).map { answer in
            (answer, answer.records.compactMap { if case .ptr(let n) = $0.data { n } else { nil } })
        }
    }
}
