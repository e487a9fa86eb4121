import DNSCore
import TestSupport

/// Writes `DNSRecordData` as RFC 1035 master-file text (section 5.1) that NSD loads, byte-faithfully:
/// - names are absolute; octets other than letters, digits, `-` and `_` are written `\DDD` (a lone `*`
///   label stays a wildcard);
/// - character-strings are quoted; `"` and `\` are backslash-escaped, octets outside printable ASCII (and
///   the zone-syntax specials `;`, `(`, `)`, `$`, `@`) are written `\DDD`, so UTF-8 and control bytes reach
///   the wire unchanged;
/// - a string longer than 255 octets (which no character-string can hold) is split into 255-octet pieces,
///   which read back as the same joined text (RFC 7208 section 3.3);
/// - a TXT or SPF record with no character-string at all (the suite's `SPF: [ ]`), which has no
///   presentation form, is written in the RFC 3597 generic form `TYPE16 \# 0`.
enum ZoneTextWriter {
    static func name(_ name: DomainName) -> String {
        name.labels.map { label($0) }.joined(separator: ".") + "."
    }

    static func label(_ label: Substring) -> String {
        if label == "*" { return "*" }
        var out = ""
        for byte in label.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += decimalEscape(byte)
            }
        }
        return out
    }

    static func decimalEscape(_ byte: UInt8) -> String {
        let digits = String(byte)
        return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
    }

    /// One quoted character-string; `octets` must be at most 255 long.
    static func quoted(_ octets: some Sequence<UInt8>) -> String {
        var out = "\""
        for byte in octets {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out += "\\"
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "$"), UInt8(ascii: "@"):
                out += decimalEscape(byte)
            case 0x20...0x7E:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += decimalEscape(byte)
            }
        }
        return out + "\""
    }

    /// The character-strings of a TXT/SPF record in zone syntax, or nil when there are none.
    static func characterStrings(_ strings: [[UInt8]]) -> String? {
        guard !strings.isEmpty else { return nil }
        var pieces: [String] = []
        for s in strings {
            if s.isEmpty { pieces.append("\"\""); continue }
            var start = 0
            while start < s.count {
                let end = min(start + 255, s.count)
                pieces.append(quoted(s[start..<end]))
                start = end
            }
        }
        return pieces.joined(separator: " ")
    }

    /// `TYPE rdata` for one record.
    static func typeAndData(_ data: DNSRecordData) -> String {
        switch data {
        case .a(let a): return "A \(a)"
        case .aaaa(let a): return "AAAA \(a)"
        case .mx(let preference, let exchange): return "MX \(preference) \(name(exchange))"
        case .ptr(let target): return "PTR \(name(target))"
        case .cname(let target): return "CNAME \(name(target))"
        case .txt(let strings): return characterStrings(strings).map { "TXT \($0)" } ?? "TYPE16 \\# 0"
        case .spf(let strings): return characterStrings(strings).map { "SPF \($0)" } ?? "TYPE99 \\# 0"
        case .other(let type, let rdata):
            let hex = rdata.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            return "TYPE\(type.rawValue) \\# \(rdata.count)" + (rdata.isEmpty ? "" : " \(hex)")
        }
    }

    static func line(_ owner: DomainName, ttl: UInt32 = 3600, _ data: DNSRecordData) -> String {
        "\(name(owner)) \(ttl) IN \(typeAndData(data))"
    }

    /// A whole zone: SOA and NS at `origin` (`"."` for the root zone), then `records` in order. NSD keeps
    /// an RRset in file order and does not rotate it, so order-sensitive cases (PTR, MX) see the same order
    /// as the in-memory zone. The SOA minimum is the negative TTL.
    static func zone(origin: String, records: [(DomainName, DNSRecordData)], negativeTTL: UInt32 = 300) -> NSDServer.Zone {
        let apex = origin == "." ? "." : origin + "."
        var text = """
            $TTL 3600
            \(apex) IN SOA ns.senderwatch.invalid. hostmaster.senderwatch.invalid. 1 3600 600 86400 \(negativeTTL)
            \(apex) IN NS ns.senderwatch.invalid.

            """
        for (owner, data) in records { text += line(owner, data) + "\n" }
        return NSDServer.Zone(origin: origin, text: text)
    }
}
