/// An IP network in CIDR notation (RFC 4632), stored with its host bits cleared.
public struct CIDRNetwork: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The first address of the network.
    public let address: IPAddress
    public let prefixLength: Int

    /// The network `address/prefixLength`; host bits are cleared, so `192.0.2.77/24` becomes `192.0.2.0/24`.
    public init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.bitWidth else { return nil }
        self.address = Self.mask(address, prefixLength)
        self.prefixLength = prefixLength
    }

    /// A single-host network (/32 or /128).
    public init(host: IPAddress) {
        self.address = host
        self.prefixLength = host.bitWidth
    }

    /// Parses `address`, `address/len`; the prefix length is decimal without leading zeros.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ip = IPAddress(parts[0]) else { return nil }
        if parts.count == 1 { self.init(host: ip); return }
        let digits = parts[1]
        guard !digits.isEmpty, digits.utf8.count <= 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              !(digits.utf8.count > 1 && digits.utf8.first == 0x30), let length = Int(digits) else { return nil }
        self.init(address: ip, prefixLength: length)
    }

    public var isIPv4: Bool { address.isIPv4 }
    public var isHost: Bool { prefixLength == address.bitWidth }

    /// True when `ip` lies inside the network. Families never mix: an IPv4 network does not contain an
    /// IPv6 address (callers that want RFC 7208's treatment of IPv4-mapped addresses unmap first).
    public func contains(_ ip: IPAddress) -> Bool {
        switch (address, ip) {
        case (.v4, .v4), (.v6, .v6): Self.mask(ip, prefixLength) == address
        default: false
        }
    }

    /// True when every address of `other` is inside `self`.
    public func contains(_ other: CIDRNetwork) -> Bool {
        other.prefixLength >= prefixLength && contains(other.address)
    }

    public func overlaps(_ other: CIDRNetwork) -> Bool { contains(other) || other.contains(self) }

    /// Number of addresses, saturating at `UInt64.max` for very large IPv6 networks.
    public var addressCount: UInt64 {
        let hostBits = address.bitWidth - prefixLength
        return hostBits >= 64 ? UInt64.max : UInt64(1) << UInt64(hostBits)
    }

    /// Canonical text; a host network prints without a suffix only when `omitHostLength` is set.
    public func text(omitHostLength: Bool) -> String {
        omitHostLength && isHost ? address.description : "\(address)/\(prefixLength)"
    }

    public var description: String { "\(address)/\(prefixLength)" }

    public static func < (lhs: CIDRNetwork, rhs: CIDRNetwork) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.prefixLength < rhs.prefixLength
    }

    static func mask(_ ip: IPAddress, _ length: Int) -> IPAddress {
        switch ip {
        case .v4(let a):
            let m: UInt32 = length == 0 ? 0 : UInt32.max << UInt32(32 - length)
            return .v4(IPv4Address(a.value & m))
        case .v6(let a):
            let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : UInt64.max << UInt64(64 - length))
            let lowBits = max(0, length - 64)
            let lowMask: UInt64 = lowBits >= 64 ? .max : (lowBits == 0 ? 0 : UInt64.max << UInt64(64 - lowBits))
            return .v6(IPv6Address(high: a.high & highMask, low: a.low & lowMask))
        }
    }
}

extension CIDRNetwork: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let network = CIDRNetwork(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(string)\" is not a CIDR network")
        }
        self = network
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPAddress: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let ip = IPAddress(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(string)\" is not an IP address")
        }
        self = ip
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension CIDRNetwork {
    /// The last address of the network (the broadcast address for IPv4).
    public var lastAddress: IPAddress {
        let hostBits = address.bitWidth - prefixLength
        switch address {
        case .v4(let a):
            let hostMask: UInt32 = hostBits >= 32 ? .max : (UInt32(1) << UInt32(hostBits)) - 1
            return .v4(IPv4Address(a.value | hostMask))
        case .v6(let a):
            let lowMask: UInt64 = hostBits >= 64 ? .max : (UInt64(1) << UInt64(hostBits)) - 1
            let highBits = max(0, hostBits - 64)
            let highMask: UInt64 = highBits >= 64 ? .max : (UInt64(1) << UInt64(highBits)) - 1
            return .v6(IPv6Address(high: a.high | highMask, low: a.low | lowMask))
        }
    }
}
