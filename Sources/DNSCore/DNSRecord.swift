/// A DNS RR type code (RFC 1035 section 3.2.2 and later registrations).
public struct DNSRecordType: RawRepresentable, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSRecordType(rawValue: 1)
    public static let ns = DNSRecordType(rawValue: 2)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let soa = DNSRecordType(rawValue: 6)
    public static let ptr = DNSRecordType(rawValue: 12)
    public static let mx = DNSRecordType(rawValue: 15)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    /// The obsolete SPF RR type (RFC 7208 section 3.1 says not to use it; some zones still carry it).
    public static let spf = DNSRecordType(rawValue: 99)
    /// DANE certificate associations (RFC 6698).
    public static let tlsa = DNSRecordType(rawValue: 52)

    private static let names: [UInt16: String] = [1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 52: "TLSA", 99: "SPF"]

    public init?(name: String) {
        guard let entry = Self.names.first(where: { $0.value == name.uppercased() }) else { return nil }
        rawValue = entry.key
    }

    public var description: String { Self.names[rawValue] ?? "TYPE\(rawValue)" }
    public static func < (lhs: DNSRecordType, rhs: DNSRecordType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The data of one resource record, for the types senderwatch reads.
public enum DNSRecordData: Sendable, Hashable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case mx(preference: UInt16, exchange: DomainName)
    /// The character-strings of a TXT (or SPF-type) record as octets; they are joined without a separator
    /// when read as one text (RFC 7208 section 3.3).
    case txt([[UInt8]])
    case spf([[UInt8]])
    case ptr(DomainName)
    case cname(DomainName)
    case other(type: DNSRecordType, rdata: [UInt8])

    public var type: DNSRecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .mx: .mx
        case .txt: .txt
        case .spf: .spf
        case .ptr: .ptr
        case .cname: .cname
        case .other(let type, _): type
        }
    }

    /// TXT character-strings joined with no separator, as octets.
    public var joinedText: [UInt8]? {
        switch self {
        case .txt(let strings), .spf(let strings): strings.flatMap { $0 }
        default: nil
        }
    }

    /// The address of an A or AAAA record.
    public var address: IPAddress? {
        switch self {
        case .a(let a): .v4(a)
        case .aaaa(let a): .v6(a)
        default: nil
        }
    }
}

/// One resource record as answered.
public struct DNSRecord: Sendable, Hashable {
    public var name: DomainName
    public var ttl: UInt32
    public var data: DNSRecordData
    public init(name: DomainName, ttl: UInt32, data: DNSRecordData) {
        self.name = name; self.ttl = ttl; self.data = data
    }
}

extension DNSRecordData {
    /// The wire rdata of a null MX (RFC 7505 section 3): preference, then the root name. Its exchange has no
    /// `DomainName` form, so it is carried as the MX type's raw rdata.
    public static func nullMX(preference: UInt16) -> DNSRecordData {
        .other(type: .mx, rdata: [UInt8(preference >> 8), UInt8(preference & 0xFF), 0])
    }

    /// The preference of a null MX record (exchange `.`); nil for every other record.
    public var nullMXPreference: UInt16? {
        guard case .other(let type, let rdata) = self, type == .mx, rdata.count == 3, rdata[2] == 0 else { return nil }
        return UInt16(rdata[0]) << 8 | UInt16(rdata[1])
    }
}
