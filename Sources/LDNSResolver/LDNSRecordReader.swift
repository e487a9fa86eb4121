import CLDNS
import DNSCore

/// Turns libldns resource records into `DNSRecord` values. Everything is read from the rdfs' wire data,
/// never from presentation text: TXT character-strings keep every octet (including those above 0x7F and
/// quotes or backslashes that presentation text would escape), and names are rebuilt label by label.
enum LDNSRecordReader {
    /// The record, or nil when its rdata is not what its type requires (treated as a malformed answer).
    static func record(_ rr: UnsafeMutablePointer<ldns_rr>) -> DNSRecord? {
        guard let owner = ldns_rr_owner(rr).flatMap(domainName) else { return nil }
        let rawType = UInt16(truncatingIfNeeded: ldns_rr_get_type(rr).rawValue)
        guard let data = recordData(rr, type: DNSRecordType(rawValue: rawType)) else { return nil }
        return DNSRecord(name: owner, ttl: ldns_rr_ttl(rr), data: data)
    }

    static func recordData(_ rr: UnsafeMutablePointer<ldns_rr>, type: DNSRecordType) -> DNSRecordData? {
        let fields = (0..<ldns_rr_rd_count(rr)).map { ldns_rr_rdf(rr, $0) }
        switch type {
        case .a:
            guard fields.count == 1, let bytes = fields[0].map(octets), bytes.count == 4 else { return nil }
            return .a(IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3]))
        case .aaaa:
            guard fields.count == 1, let bytes = fields[0].map(octets), bytes.count == 16 else { return nil }
            let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            return .aaaa(IPv6Address(groups: groups))
        case .mx:
            guard fields.count == 2, let pref = fields[0].map(octets), pref.count == 2, let target = fields[1] else { return nil }
            let preference = UInt16(pref[0]) << 8 | UInt16(pref[1])
            // A null MX (RFC 7505): the exchange is the root name, which has no DomainName form.
            if ldns_rdf_get_type(target) == LDNS_RDF_TYPE_DNAME, octets(target) == [0] { return .nullMX(preference: preference) }
            guard let exchange = domainName(target) else { return nil }
            return .mx(preference: preference, exchange: exchange)
        case .ptr, .cname:
            guard fields.count == 1, let target = fields[0].flatMap(domainName) else { return nil }
            return type == .ptr ? .ptr(target) : .cname(target)
        case .txt, .spf:
            var strings: [[UInt8]] = []
            for field in fields {
                guard let field, let string = characterString(field) else { return nil }
                strings.append(string)
            }
            // A TXT record with no character-string is malformed but real (RFC 7208's `null-text` case): it is
            // kept as an empty text, which is simply not an SPF record, instead of failing the whole answer.
            return type == .txt ? .txt(strings) : .spf(strings)
        default:
            // rdf data of uncompressed fields concatenates to the wire rdata for the types we do not interpret.
            return .other(type: type, rdata: fields.flatMap { $0.map(octets) ?? [] })
        }
    }

    /// The SOA's negative-caching TTL (RFC 2308 section 5): the smaller of the record's TTL and its MINIMUM.
    static func negativeTTL(soa rr: UnsafeMutablePointer<ldns_rr>) -> UInt32? {
        guard ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA, ldns_rr_rd_count(rr) == 7,
              let minimum = ldns_rr_rdf(rr, 6).map(octets), minimum.count == 4 else { return nil }
        let value = minimum.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return min(ldns_rr_ttl(rr), value)
    }

    static func octets(_ rdf: UnsafeMutablePointer<ldns_rdf>) -> [UInt8] {
        let size = ldns_rdf_size(rdf)
        guard size > 0, let data = ldns_rdf_data(rdf) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// A `<character-string>` (RFC 1035 section 3.3): one length octet, then that many octets.
    static func characterString(_ rdf: UnsafeMutablePointer<ldns_rdf>) -> [UInt8]? {
        let bytes = octets(rdf)
        guard let length = bytes.first, bytes.count == Int(length) + 1 else { return nil }
        return Array(bytes.dropFirst())
    }

    /// A name from its uncompressed wire form. Octets that presentation text cannot carry bare (a dot
    /// inside a label, a backslash, spaces, controls, non-ASCII) are written as RFC 1035 `\DDD` escapes
    /// (`\.` and `\\` for the two specials), which is also how ldns and NSD print them.
    static func domainName(_ rdf: UnsafeMutablePointer<ldns_rdf>) -> DomainName? {
        guard ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME else { return nil }
        return wireName(octets(rdf))
    }

    static func wireName(_ wire: [UInt8]) -> DomainName? {
        var text = ""
        var index = 0
        while index < wire.count {
            let length = Int(wire[index])
            if length == 0 { break }
            guard length <= 63, index + 1 + length <= wire.count else { return nil }
            if !text.isEmpty { text += "." }
            for byte in wire[(index + 1)...(index + length)] {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(byte))
                case 0x21...0x7E: text.unicodeScalars.append(UnicodeScalar(byte))
                default: text += "\\" + String(repeating: "0", count: byte < 10 ? 2 : byte < 100 ? 1 : 0) + String(byte)
                }
            }
            index += 1 + length
        }
        // The root name (used only by SOA/NS edge cases) has no DomainName form.
        return text.isEmpty ? nil : try? DomainName(text)
    }
}
