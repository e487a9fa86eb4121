import DMARC
import DNSCore

/// A sender the domain owner says may send as the domain: the desired state SPF is compared with.
public struct ApprovedSender: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// One address.
        case ip
        /// A network in CIDR notation.
        case cidr
        /// A provider's SPF name that the record must `include:`.
        case include
        /// A host whose A/AAAA addresses must pass.
        case host
        /// A domain whose MX hosts' addresses must pass.
        case mx
    }

    public var kind: Kind
    /// The address, network or name, in canonical text.
    public var value: String
    /// A readable label: "Office relay", "CRM".
    public var name: String?
    public var owner: String?
    public var note: String?
    /// `dkim:`: the DKIM selectors the sender signs the domain's mail with, lower-cased (RFC 6376 section 3.1).
    public var dkimSelectors: [String]

    public init(kind: Kind, value: String, name: String? = nil, owner: String? = nil, note: String? = nil,
                dkimSelectors: [String] = []) {
        self.kind = kind; self.value = value; self.name = name; self.owner = owner; self.note = note
        self.dkimSelectors = dkimSelectors
    }

    enum CodingKeys: String, CodingKey { case kind, value, name, owner, note, dkimSelectors }

    /// Documents written before senders had selectors read as senders without any.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind); value = try c.decode(String.self, forKey: .value)
        name = try c.decodeIfPresent(String.self, forKey: .name); owner = try c.decodeIfPresent(String.self, forKey: .owner)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        dkimSelectors = try c.decodeIfPresent([String].self, forKey: .dkimSelectors) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind); try c.encode(value, forKey: .value)
        try c.encodeIfPresent(name, forKey: .name); try c.encodeIfPresent(owner, forKey: .owner)
        try c.encodeIfPresent(note, forKey: .note)
        if !dkimSelectors.isEmpty { try c.encode(dkimSelectors, forKey: .dkimSelectors) }
    }

    /// Identity within a domain: kind plus value, case-insensitive for names.
    public var key: String { "\(kind.rawValue):\(value.lowercased())" }

    /// Checks the value for its kind and returns it canonicalised, or a message saying what was expected.
    public static func validated(kind: Kind, value: String) -> Result<String, SenderValueError> {
        switch kind {
        case .ip:
            guard let ip = IPAddress(value) else { return .failure(SenderValueError("\"\(value)\" is not an IP address")) }
            return .success(ip.description)
        case .cidr:
            guard value.contains("/"), let network = CIDRNetwork(value) else {
                return .failure(SenderValueError("\"\(value)\" is not a network in CIDR notation such as 198.51.100.0/28"))
            }
            // A set host bit is a typo more often than not (an address meant as `ip:`, a wrong prefix length).
            if let written = value.split(separator: "/").first.flatMap({ IPAddress($0) }), written != network.address {
                return .failure(SenderValueError("\"\(value)\" has host bits set: the network is \(network)"
                    + " (write that, or ip: \(written) for the one address)"))
            }
            return .success(network.description)
        case .include, .host, .mx:
            do { return .success(try DomainName(mailDomain: value).text.lowercased()) } catch {
                return .failure(SenderValueError(error.description))
            }
        }
    }
}

public struct SenderValueError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A domain under watch, with what it must authorize and how strict its records must be.
public struct MonitoredDomain: Sendable, Hashable, Codable {
    public var name: DomainName
    /// Seconds between polls.
    public var interval: Int
    public var expectations: Expectations
    public var senders: [ApprovedSender]
    /// `dkim_selectors:`: selectors the domain signs with itself, beside those of its senders; lower-cased.
    public var dkimSelectors: [String]
    /// Where the definition came from (`file:line`), for messages.
    public var source: String?

    public init(name: DomainName, interval: Int = 3600, expectations: Expectations = .init(),
                senders: [ApprovedSender] = [], dkimSelectors: [String] = [], source: String? = nil) {
        self.name = name; self.interval = interval; self.expectations = expectations
        self.senders = senders; self.dkimSelectors = dkimSelectors; self.source = source
    }

    enum CodingKeys: String, CodingKey { case name, interval, expectations, senders, dkimSelectors, source }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(DomainName.self, forKey: .name); interval = try c.decode(Int.self, forKey: .interval)
        expectations = try c.decode(Expectations.self, forKey: .expectations)
        senders = try c.decode([ApprovedSender].self, forKey: .senders)
        dkimSelectors = try c.decodeIfPresent([String].self, forKey: .dkimSelectors) ?? []
        source = try c.decodeIfPresent(String.self, forKey: .source)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(interval, forKey: .interval)
        try c.encode(expectations, forKey: .expectations); try c.encode(senders, forKey: .senders)
        if !dkimSelectors.isEmpty { try c.encode(dkimSelectors, forKey: .dkimSelectors) }
        try c.encodeIfPresent(source, forKey: .source)
    }
}
