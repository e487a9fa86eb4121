import DNSCore

/// What a domain's MX set says about where its mail goes (RFC 5321 section 5.1, RFC 7505), and what the
/// exchanges' addresses are: read on every poll.
public struct MXObservation: Sendable {
    /// One record of the MX set.
    public struct Exchange: Sendable, Hashable {
        public var preference: UInt16
        /// Nil for a null MX (exchange `.`).
        public var host: DomainName?

        public init(preference: UInt16, host: DomainName?) { self.preference = preference; self.host = host }

        /// `10 mx1.example.com` or `0 .`: the record as published.
        public var text: String { "\(preference) \(host?.key ?? ".")" }
    }

    /// The MX set at the domain.
    public enum MXSet: Sendable {
        case records([Exchange])
        /// NXDOMAIN or no MX: mail goes to the domain's own address records (the implicit MX).
        case none(nxdomain: Bool)
        case unknown(DNSFailure)
        /// A permanent failure (a CNAME loop at the domain).
        case impossible(DNSFailure)
    }

    /// The addresses of one mail host (an exchange, or the domain itself under the implicit MX).
    public struct HostAddresses: Sendable {
        public var host: DomainName
        public var addresses: [IPAddress]
        /// The owner of the address records when they came through a CNAME: the exchange is an alias.
        public var canonicalName: DomainName?
        /// Set when no address was found and one family timed out (or failed for now): nothing is known.
        public var failure: DNSFailure?

        public var isUnknown: Bool { failure != nil }
    }

    public var set: MXSet
    /// Every host the set names (at most `MXReader.maximumHosts`), or the domain itself under the implicit
    /// MX, in preference order.
    public var hosts: [HostAddresses]

    public init(set: MXSet, hosts: [HostAddresses] = []) { self.set = set; self.hosts = hosts }

    public var exchanges: [Exchange] { if case .records(let found) = set { found } else { [] } }
    public var nullMX: Bool { exchanges.contains { $0.host == nil } }

    public var verdict: PartVerdict {
        switch set {
        case .unknown(let failure): .unknown(failure)
        case .impossible(let failure): .impossible(failure.description)
        default: .known
        }
    }

    /// The set as stored and compared for drift: sorted record texts joined with `, `; nil when there is none.
    /// The exchanges (null MX left out) as the MTA-STS checks read them, or the failure.
    public var exchangeHosts: Result<[DomainName], DNSFailure> {
        switch set {
        case .records(let found): .success(found.compactMap(\.host))
        case .none: .success([])
        case .unknown(let failure), .impossible(let failure): .failure(failure)
        }
    }

    public var publishedText: String? {
        let texts = exchanges.map(\.text).sorted()
        return texts.isEmpty ? nil : texts.joined(separator: ", ")
    }
}

/// Reads the MX set and the addresses of each exchange, concurrently.
public struct MXReader: Sendable {
    /// Hosts whose addresses are read; a set longer than this is hostile or broken, and its tail says nothing new.
    public static let maximumHosts = 16

    public let resolver: any DNSResolver

    public init(resolver: any DNSResolver) { self.resolver = resolver }

    public func read(_ domain: DomainName) async -> MXObservation {
        let set: MXObservation.MXSet
        switch await resolver.resolve(domain, .mx) {
        case .failure(let failure):
            set = failure.isTemporary ? .unknown(failure) : .impossible(failure)
        case .success(let answer):
            let found = answer.records.compactMap { record -> MXObservation.Exchange? in
                if case .mx(let preference, let exchange) = record.data { return .init(preference: preference, host: exchange) }
                return record.data.nullMXPreference.map { .init(preference: $0, host: nil) }
            }
            set = found.isEmpty ? .none(nxdomain: answer.isNXDomain) : .records(found.sorted { ($0.preference, $0.text) < ($1.preference, $1.text) })
        }
        var names: [DomainName] = []
        switch set {
        case .records(let exchanges):
            for host in exchanges.compactMap(\.host) where !names.contains(host) && IPAddress(host.text) == nil {
                names.append(host)
            }
        case .none(let nxdomain):
            if !nxdomain { names = [domain] }
        case .unknown, .impossible:
            break
        }
        // Under the implicit MX only whether the domain has an address matters: AAAA is asked only without A.
        let implicit = names == [domain]
        let hosts = await withTaskGroup(of: (Int, MXObservation.HostAddresses).self) { group in
            for (index, name) in names.prefix(Self.maximumHosts).enumerated() {
                group.addTask { (index, implicit ? await firstAddresses(name) : await addresses(name)) }
            }
            var found: [(Int, MXObservation.HostAddresses)] = []
            for await entry in group { found.append(entry) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return MXObservation(set: set, hosts: hosts)
    }

    /// A of `host`, then AAAA only when there is no A record.
    func firstAddresses(_ host: DomainName) async -> MXObservation.HostAddresses {
        let v4 = await family(host, .a)
        return v4.addresses.isEmpty ? merge(host, [v4, await family(host, .aaaa)]) : merge(host, [v4])
    }

    /// One address family's answer: the addresses, the owner when it differs (an alias), or a temporary failure.
    func family(_ host: DomainName, _ type: DNSRecordType) async -> (addresses: [IPAddress], owner: DomainName?, failure: DNSFailure?) {
        switch await resolver.resolve(host, type) {
        case .success(let answer):
            return (answer.records.compactMap { $0.data.address }, answer.records.first?.name, nil)
        case .failure(let error):
            return ([], nil, error.isTemporary ? error : nil)
        }
    }

    func merge(_ host: DomainName, _ families: [(addresses: [IPAddress], owner: DomainName?, failure: DNSFailure?)]) -> MXObservation.HostAddresses {
        var reading = MXObservation.HostAddresses(host: host, addresses: families.flatMap(\.addresses))
        if let owner = families.compactMap(\.owner).first, owner != host { reading.canonicalName = owner }
        if reading.addresses.isEmpty { reading.failure = families.compactMap(\.failure).first }
        return reading
    }

    /// A and AAAA of `host`: unknown only when no address came back and a family failed for now.
    func addresses(_ host: DomainName) async -> MXObservation.HostAddresses {
        async let v4 = family(host, .a)
        async let v6 = family(host, .aaaa)
        return merge(host, [await v4, await v6])
    }

}
