import DNSCore

/// What a provider's SPF name costs and authorizes now, as the generator needs it: gathered through DNS by
/// the caller (an `SPFAnalysis` of the name), so the generator itself stays free of I/O.
public struct ProviderSPF: Sendable, Hashable, Codable {
    /// The include target, lower-case.
    public var name: String
    /// DNS lookups that `include:name` costs a receiver in the worst case: the include itself plus the
    /// provider's own tree (RFC 7208 section 4.6.4).
    public var lookups: Int
    /// The networks the provider's tree authorizes with `+`, sorted, without duplicates.
    public var networks: [CIDRNetwork]
    /// Why the provider cannot be replaced by its networks (its tree holds `exists`, `ptr` or macro terms,
    /// or it is broken or unreachable); nil when it can.
    public var unflattenable: String?

    public init(name: String, lookups: Int, networks: [CIDRNetwork], unflattenable: String? = nil) {
        self.name = name.lowercased(); self.lookups = lookups
        self.networks = Array(Set(networks)).sorted(); self.unflattenable = unflattenable
    }
}

/// Which includes the generator replaces with the networks they resolve to.
public enum FlattenMode: Sendable, Hashable {
    /// Keep every include.
    case none
    /// Flatten the most expensive includes, one at a time, until the record fits the lookup budget.
    case asNeeded
    /// Flatten exactly these (the choice recorded by an earlier `generate --flatten`).
    case these(Set<String>)
}

/// The SPF record (and sub-records) that a domain's inventory calls for.
public struct GeneratedSPF: Sendable, Codable {
    /// One TXT record to publish.
    public struct Record: Sendable, Codable, Hashable {
        /// The owner name, e.g. `example.com` or `_spf1.example.com`.
        public var name: String
        /// The record's text as receivers read it (the strings concatenated).
        public var text: String
        /// The TXT character-strings, each at most 255 octets (RFC 7208 section 3.3).
        public var strings: [String]
    }

    /// An include replaced by a copy of its networks: what the poll compares the provider with.
    public struct Flattened: Sendable, Codable, Hashable {
        public var include: String
        public var networks: [String]
        /// Lookups the replacement saves.
        public var lookupsSaved: Int
    }

    public var domain: String
    /// The domain's own record first, then its `_spfN` sub-records in chain order.
    public var records: [Record]
    /// Worst-case DNS lookups of the whole published set.
    public var lookups: Int
    /// The most lookups allowed: the domain's `max_lookups`, never above RFC 7208's 10.
    public var lookupBudget: Int
    public var allQualifier: String
    public var flattened: [Flattened]
    /// Why the record is not yet right to publish (over budget, a provider that could not be read);
    /// empty when it is.
    public var problems: [String]
    /// Remarks that do not block publishing (a default chosen for a missing expectation).
    public var notes: [String]

    public var withinBudget: Bool { lookups <= lookupBudget }

    /// BIND zone-file lines for every record, one line each.
    public var zoneLines: [String] {
        records.map { record in
            "\(record.name). 3600 IN TXT " + record.strings.map(Self.zoneQuoted).joined(separator: " ")
        }
    }

    /// A character-string in zone-file syntax (RFC 1035 section 5.1): quotes and backslashes escaped.
    static func zoneQuoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }

    /// Splits a record into character-strings of at most `limit` octets, breaking after a space when one is
    /// near, so every string ends on a whole term where possible (receivers join them without a separator).
    public static func characterStrings(_ text: String, limit: Int = 255) -> [String] {
        var strings: [String] = []
        var rest = Array(text.utf8)
        while rest.count > limit {
            var cut = limit
            if let space = rest[..<limit].lastIndex(of: UInt8(ascii: " ")), space > 0 { cut = space + 1 }
            strings.append(String(decoding: rest[..<cut], as: UTF8.self))
            rest.removeFirst(cut)
        }
        strings.append(String(decoding: rest, as: UTF8.self))
        return strings
    }
}
