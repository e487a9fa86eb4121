import DNSCore
import TransportPolicy

/// What a domain publishes for mail transport and brand: MTA-STS (RFC 8461) with its policy fetched over
/// HTTPS as a sending MTA fetches it, TLS-RPT (RFC 8460), and the BIMI assertion record.
public struct TransportObservation: Sendable {
    /// A TXT record of one kind at its name.
    public enum Record<Value: Sendable>: Sendable {
        case absent
        case found(Value)
        /// Records of the kind that senders cannot use, with why.
        case invalid(PolicySyntaxError, texts: [String])
        case unknown(DNSFailure)
        case impossible(String)

        public var value: Value? { if case .found(let v) = self { v } else { nil } }
        public var verdict: PartVerdict {
            switch self {
            case .unknown(let failure): .unknown(failure)
            case .impossible(let reason): .impossible(reason)
            default: .known
            }
        }
        /// The text published, as stored and shown: the record, or the unusable records joined with ` | `; nil
        /// when nothing of the kind is published or nothing is known.
        public var publishedText: String? {
            switch self {
            case .found(let value): (value as? any PublishedPolicyRecord)?.text
            case .invalid(_, let texts): texts.joined(separator: " | ")
            default: nil
            }
        }

        public var isPresent: Bool {
            switch self {
            case .found, .invalid: true
            default: false
            }
        }
    }

    /// The policy at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`.
    public enum Policy: Sendable {
        /// Not fetched: no record and no expectation, or no fetcher (the part is then unknown).
        case notRead
        case fetched(MTASTSPolicy, text: String, certificateSecondsLeft: Int64?)
        case invalid(PolicySyntaxError, text: String)
        /// The policy host has no address, or the server's answer cannot be used (certificate, redirect,
        /// status, size): a sender has no policy either.
        case refused(String)
        case unknown(String)

        public var policy: MTASTSPolicy? { if case .fetched(let p, _, _) = self { p } else { nil } }
        public var text: String? {
            switch self {
            case .fetched(_, let text, _), .invalid(_, let text): text
            default: nil
            }
        }
    }

    public var mtaSTS: Record<MTASTSRecord>
    public var policy: Policy
    /// The MX hosts, when a policy with mx patterns has to cover them; nil otherwise.
    public var mx: Result<[DomainName], DNSFailure>?
    /// The MX set and its hosts' addresses, read on every poll; nil in observations built without it.
    public var mailExchangers: MXObservation?
    public var tlsRPT: Record<TLSRPTRecord>
    public var bimi: Record<BIMIRecord>
    /// The BIMI logo and mark certificate, fetched when the record names them.
    public var logo: Asset<[String]>?
    public var markCertificate: Asset<BIMIAssets.MarkCertificate>?

    /// A file fetched over HTTPS: what was read from it, or why nothing could be.
    public enum Asset<Value: Sendable>: Sendable {
        case read(Value)
        /// Fetched, but not a valid file of its kind.
        case invalid(String)
        case refused(String)
        case unknown(String)

        public var isUnknown: Bool { if case .unknown = self { true } else { false } }
        /// Why nothing is known, when nothing is.
        public var reason: String? { if case .unknown(let reason) = self { reason } else { nil } }
    }

    public init(mtaSTS: Record<MTASTSRecord> = .absent, policy: Policy = .notRead, mx: Result<[DomainName], DNSFailure>? = nil,
                tlsRPT: Record<TLSRPTRecord> = .absent, bimi: Record<BIMIRecord> = .absent) {
        self.mtaSTS = mtaSTS; self.policy = policy; self.mx = mx; self.tlsRPT = tlsRPT; self.bimi = bimi
    }

    public var policyVerdict: PartVerdict {
        if case .unknown(let reason) = policy { return .unknown(DNSFailure(.network, detail: reason)) }
        return .known
    }
}

/// Reads a domain's transport and brand records.
public struct TransportReader: Sendable {
    public let resolver: any DNSResolver
    public let fetcher: (any PolicyFetcher)?

    public init(resolver: any DNSResolver, fetcher: (any PolicyFetcher)?) {
        self.resolver = resolver; self.fetcher = fetcher
    }

    public func read(_ domain: DomainName, expectations: Expectations) async -> TransportObservation {
        async let sts = record(domain, "_mta-sts", MTASTSRecord.select)
        async let tls = record(domain, "_smtp._tls", TLSRPTRecord.select)
        async let bimi = record(domain, "default._bimi", BIMIRecord.select)
        async let exchangers = MXReader(resolver: resolver).read(domain)
        var observation = TransportObservation(mtaSTS: await sts, tlsRPT: await tls, bimi: await bimi)
        // The policy is fetched when the record points to it, or when the monitor file expects MTA-STS (so a
        // policy served without its record is found too).
        let wanted: Bool
        switch observation.mtaSTS {
        case .found: wanted = true
        case .absent: wanted = expectations.mtaSTS != nil
        case .invalid, .unknown, .impossible: wanted = false
        }
        if wanted { observation.policy = await policy(domain) }
        let mx = await exchangers
        observation.mailExchangers = mx
        if let policy = observation.policy.policy, policy.mode != .none {
            observation.mx = mx.exchangeHosts
        }
        if let record = observation.bimi.value {
            if let logo = record.logo {
                observation.logo = await asset(logo, maximumBytes: BIMILogo.maximumBytes) { body in
                    .read(BIMILogo.problems(body))
                }
            }
            if let authority = record.authority {
                observation.markCertificate = await asset(authority, maximumBytes: BIMIAssets.maximumCertificateBytes) { body in
                    switch BIMIAssets.markCertificate(body, domain: domain) {
                    case .success(let certificate): .read(certificate)
                    case .failure(let error): .invalid(error.message)
                    }
                }
            }
        }
        return observation
    }

    func record<T>(_ domain: DomainName, _ label: String,
                   _ select: ([String]) -> Result<T, PolicySyntaxError>?) async -> TransportObservation.Record<T> {
        guard let name = try? domain.prepending(label) else { return .impossible("\(label).\(domain) is too long to exist") }
        switch await resolver.txt(name) {
        case .failure(let failure):
            return failure.isTemporary ? .unknown(failure) : .impossible(failure.description)
        case .success(let found):
            let texts = found.texts.map { String(decoding: $0, as: UTF8.self) }
            switch select(texts) {
            case nil: return .absent
            case .success(let value)?: return .found(value)
            case .failure(let error)?: return .invalid(error, texts: texts)
            }
        }
    }

    /// Fetches an https URL of the BIMI record through the resolver's addresses for its host.
    func asset<T>(_ url: String, maximumBytes: Int,
                  read: ([UInt8]) -> TransportObservation.Asset<T>) async -> TransportObservation.Asset<T> {
        guard let fetcher else { return .unknown("files are not fetched here (no HTTPS fetcher)") }
        guard let location = BIMIAssets.location(url) else { return .refused("\(url.prefix(80)) is not an https URL on port 443") }
        switch await addresses(location.host) {
        case .failure(let reason): return .unknown(reason.message)
        case .success(let found):
            if found.isEmpty { return .refused("\(location.host) has no address") }
            switch await fetcher.fetch(host: location.host, path: location.path, addresses: found, maximumBytes: maximumBytes) {
            case .unanswered(let reason): return .unknown(reason)
            case .refused(let reason): return .refused(reason)
            case .fetched(let body, _): return read(body)
            }
        }
    }

    /// The IPv4 and IPv6 addresses of `host`; a failure only when neither family answered and one timed out.
    func addresses(_ host: DomainName) async -> Result<[IPAddress], PolicySyntaxError> {
        async let v4 = resolver.addresses(host, ipv6: false)
        async let v6 = resolver.addresses(host, ipv6: true)
        var found: [IPAddress] = []
        var failure: DNSFailure?
        for result in [await v4, await v6] {
            switch result {
            case .success(let answer): found += answer.addresses
            case .failure(let error): if error.isTemporary { failure = error }
            }
        }
        if found.isEmpty, let failure { return .failure(PolicySyntaxError("the address of \(host): \(failure)")) }
        return .success(found)
    }

    func policy(_ domain: DomainName) async -> TransportObservation.Policy {
        guard let fetcher else { return .unknown("policies are not fetched here (no HTTPS fetcher)") }
        guard let host = try? domain.prepending("mta-sts") else { return .refused("mta-sts.\(domain) is too long to exist") }
        let addresses: [IPAddress]
        switch await self.addresses(host) {
        case .failure(let reason): return .unknown(reason.message)
        case .success(let found): addresses = found
        }
        if addresses.isEmpty { return .refused("\(host) has no address") }
        switch await fetcher.fetch(host: host, path: "/.well-known/mta-sts.txt", addresses: addresses,
                                   maximumBytes: MTASTSPolicy.maximumBytes) {
        case .unanswered(let reason): return .unknown(reason)
        case .refused(let reason): return .refused(reason)
        case .fetched(let body, let seconds):
            guard body.count <= MTASTSPolicy.maximumBytes else {
                return .refused("the policy is larger than \(MTASTSPolicy.maximumBytes) bytes")
            }
            let text = String(decoding: body, as: UTF8.self)
            switch MTASTSPolicy.parse(text) {
            case .success(let policy): return .fetched(policy, text: text, certificateSecondsLeft: seconds)
            case .failure(let error): return .invalid(error, text: text)
            }
        }
    }
}

/// A record that keeps the text it was parsed from.
public protocol PublishedPolicyRecord { var text: String { get } }
extension MTASTSRecord: PublishedPolicyRecord {}
extension TLSRPTRecord: PublishedPolicyRecord {}
extension BIMIRecord: PublishedPolicyRecord {}
