import DNSCore

/// A `Received` header's `from` clause: who connected to whom (RFC 5321 section 4.4).
public struct ReceivedHop: Hashable, Sendable {
    /// The HELO / EHLO name the client gave.
    public var helo: String?
    /// The address the receiving server saw the connection from.
    public var ip: IPAddress?
    /// The receiving server (`by`).
    public var by: String?
}

/// The header section of a message as fields in order, topmost (the last added) first.
struct HeaderFields {
    struct Field {
        let name: String
        let value: String
        /// Lower-cased `name`.
        let key: String
    }

    let fields: [Field]

    /// The header fields up to the first empty line, unfolded (RFC 5322 section 2.2.3).
    init(_ message: String) {
        var fields: [(String, String)] = []
        // "\r\n" is one Character in Swift: split on every line break.
        for line in message.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" {
                if !fields.isEmpty { fields[fields.count - 1].1 += " " + line.trimming([" ", "\t"]) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line.hasPrefix("From ") && fields.isEmpty { continue } // mbox separator line
            fields.append((String(line[..<colon]).trimming([" ", "\t"]), String(line[line.index(after: colon)...]).trimming([" ", "\t"])))
        }
        self.fields = fields.map { Field(name: $0.0, value: $0.1, key: $0.0.lowercased()) }
    }

    /// The positions of the fields named `name` (lower case), top first.
    func positions(of name: String) -> [Int] {
        fields.indices.filter { fields[$0].key == name }
    }

    func first(_ name: String) -> String? { fields.first { $0.key == name }?.value }

    /// A `Received` value's `from` clause and its `by` host.
    static func hop(_ value: String) -> ReceivedHop {
        var hop = ReceivedHop()
        let startsWithBy = value.lowercased().hasPrefix("by ")
        if let by = value.range(of: " by ", options: .caseInsensitive) ?? (startsWithBy ? value.range(of: "by ") : nil) {
            hop.by = value[by.upperBound...].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ";" }).first.map(String.init)
        }
        // The `from` clause ends where `by` starts (outside comments, in practice always " by ").
        let fromPart: Substring
        if value.lowercased().hasPrefix("from "), let from = value.range(of: "from ", options: .caseInsensitive) {
            let tail = value[from.upperBound...]
            if let by = tail.range(of: " by ", options: .caseInsensitive) {
                fromPart = tail[..<by.lowerBound]
            } else { fromPart = tail }
            hop.helo = fromPart.split(separator: " ").first.map(String.init)
            // Yahoo writes `from 192.0.2.1 (EHLO name)`.
            if let first = hop.helo, let ip = IPAddress(first) {
                hop.ip = ip
                hop.helo = fromPart.range(of: "(EHLO ", options: .caseInsensitive).map {
                    String(fromPart[$0.upperBound...].prefix { $0 != ")" })
                }
                return hop
            }
        } else { fromPart = "" }
        var search = fromPart[...]
        while let open = search.firstIndex(of: "[") {
            let after = search[search.index(after: open)...]
            guard let close = after.firstIndex(of: "]") else { break }
            var text = String(after[..<close])
            if text.lowercased().hasPrefix("ipv6:") { text.removeFirst(5) }
            if let ip = IPAddress(text) { hop.ip = ip; break }
            search = after[close...]
        }
        return hop
    }

    /// `Name <local@domain>` or a bare address; nil for `<>`.
    static func address(_ value: String) -> String? {
        var text = value
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            text = String(value[value.index(after: open)..<close])
        } else {
            text = value.split(separator: " ").first { $0.contains("@") }.map(String.init) ?? value
        }
        text = text.trimming([" ", "\t", "\"", "<", ">"])
        return text.isEmpty ? nil : text
    }

    static func domain(of address: String) -> String {
        let host = address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]) } ?? address
        return host.lowercased().trimming([" ", ">", "."])
    }

    /// The first word of a receiver's comment that is an IP address.
    static func firstIP(_ text: String) -> IPAddress? {
        text.split(whereSeparator: { " \t[]();,".contains($0) }).lazy.compactMap { IPAddress(String($0)) }.first
    }
}

extension IPAddress {
    private static let internalNetworks: [CIDRNetwork] = [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",   // RFC 1918 private
        "127.0.0.0/8", "::1/128",                            // loopback
        "169.254.0.0/16", "fe80::/10",                       // link-local
        "fc00::/7",                                          // RFC 4193 unique local
        "0.0.0.0/8", "::/128",                               // "this network", unspecified
    ].compactMap { CIDRNetwork($0) }

    /// A private, loopback, link-local or unspecified address: a hop inside some network, never the
    /// Internet address a receiver saw, and never one to add to SPF.
    public var isInternal: Bool {
        let address = unmapped
        return Self.internalNetworks.contains { $0.contains(address) }
    }
}
