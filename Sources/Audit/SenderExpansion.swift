import DNSCore

/// An approved sender turned into the addresses receivers will see it connect from.
public struct ExpandedSender: Sendable {
    public var sender: ApprovedSender
    public var addresses: [IPAddress]
    /// Why the addresses could not be (fully) found: a host with no address records, a DNS failure.
    public var problem: String?
    /// The temporary DNS failure that hid some addresses: then their absence proves nothing.
    public var failure: DNSFailure?

    public init(sender: ApprovedSender, addresses: [IPAddress], problem: String?, failure: DNSFailure?) {
        self.sender = sender; self.addresses = addresses; self.problem = problem; self.failure = failure
    }

    /// True when a temporary DNS failure hid some addresses.
    public var temporary: Bool { failure != nil }
}

/// Expands approved senders through DNS: an IP is itself, a network is checked at its first and last
/// address, a host by its A and AAAA records, an MX domain by its exchanges' addresses. Includes have no
/// addresses: they are checked against the record's include tree instead.
public enum SenderExpansion {
    public static let maxAddressesPerSender = 16

    public static func expand(_ senders: [ApprovedSender], resolver: any DNSResolver) async -> [ExpandedSender] {
        var expanded: [ExpandedSender] = []
        for sender in senders { expanded.append(await expand(sender, resolver: resolver)) }
        return expanded
    }

    static func expand(_ sender: ApprovedSender, resolver: any DNSResolver) async -> ExpandedSender {
        switch sender.kind {
        case .ip:
            return ExpandedSender(sender: sender, addresses: IPAddress(sender.value).map { [$0] } ?? [], problem: nil, failure: nil)
        case .cidr:
            guard let network = CIDRNetwork(sender.value) else {
                return ExpandedSender(sender: sender, addresses: [], problem: "\(sender.value) is not a network", failure: nil)
            }
            let ends = network.isHost ? [network.address] : [network.address, network.lastAddress]
            return ExpandedSender(sender: sender, addresses: ends, problem: nil, failure: nil)
        case .include:
            return ExpandedSender(sender: sender, addresses: [], problem: nil, failure: nil)
        case .host:
            guard let host = try? DomainName(sender.value) else {
                return ExpandedSender(sender: sender, addresses: [], problem: "\(sender.value) is not a host name", failure: nil)
            }
            return await addresses(of: [host], for: sender, resolver: resolver)
        case .mx:
            guard let domain = try? DomainName(sender.value) else {
                return ExpandedSender(sender: sender, addresses: [], problem: "\(sender.value) is not a domain", failure: nil)
            }
            switch await resolver.mx(domain) {
            case .failure(let failure):
                return ExpandedSender(sender: sender, addresses: [], problem: failure.description,
                                      failure: failure.isTemporary ? failure : nil)
            case .success(let (_, exchanges)):
                if exchanges.isEmpty {
                    return ExpandedSender(sender: sender, addresses: [], problem: "\(domain) has no MX records", failure: nil)
                }
                return await addresses(of: exchanges, for: sender, resolver: resolver)
            }
        }
    }

    static func addresses(of hosts: [DomainName], for sender: ApprovedSender, resolver: any DNSResolver) async -> ExpandedSender {
        var found: [IPAddress] = []
        var problems: [String] = []
        var temporary: DNSFailure?
        for host in hosts {
            for ipv6 in [false, true] {
                switch await resolver.addresses(host, ipv6: ipv6) {
                case .success(let (_, addresses)): found += addresses
                case .failure(let failure):
                    problems.append(failure.description)
                    if failure.isTemporary, temporary == nil { temporary = failure }
                }
            }
        }
        let unique = Array(Set(found)).sorted().prefix(maxAddressesPerSender)
        if unique.isEmpty && problems.isEmpty { problems.append("\(hosts.map(\.text).joined(separator: ", ")) has no A or AAAA records") }
        return ExpandedSender(sender: sender, addresses: Array(unique), problem: problems.isEmpty ? nil : problems.joined(separator: "; "), failure: temporary)
    }
}
