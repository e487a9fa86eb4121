/// A definite answer from DNS. Negative answers are answers, not failures: RFC 7208 counts both kinds of
/// negative answer as void lookups, and neither is ever a temporary error.
public enum DNSAnswer: Sendable, Hashable {
    /// The records of the asked type, after any CNAME chain was followed. Never empty.
    case records([DNSRecord])
    /// RCODE 3: the name does not exist.
    case nxdomain(negativeTTL: UInt32)
    /// The name exists but has no record of the asked type (RCODE 0, empty answer).
    case noData(negativeTTL: UInt32)

    public var records: [DNSRecord] {
        if case .records(let r) = self { r } else { [] }
    }

    /// NXDOMAIN or no data: what RFC 7208 section 4.6.4 calls a void lookup.
    public var isVoid: Bool { records.isEmpty }

    public var isNXDomain: Bool { if case .nxdomain = self { true } else { false } }

    /// Seconds this answer may be reused: the smallest record TTL, or the negative TTL.
    public var ttl: UInt32 {
        switch self {
        case .records(let r): r.map(\.ttl).min() ?? 0
        case .nxdomain(let t), .noData(let t): t
        }
    }

    /// Builds an answer from records; an empty list becomes no data.
    public static func from(_ records: [DNSRecord], negativeTTL: UInt32 = 0) -> DNSAnswer {
        records.isEmpty ? .noData(negativeTTL: negativeTTL) : .records(records)
    }
}

/// DNS did not give an answer. `isTemporary` separates what may succeed on retry or with other servers
/// (timeouts, SERVFAIL, REFUSED, network errors, a name outside the zone files given) from what will not
/// (a query that cannot be formed, FORMERR, NOTIMP, a CNAME loop). A temporary failure makes the part of an
/// assessment that needed the answer *unknown*; a permanent one makes it *impossible*.
public struct DNSFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        case timeout
        case serverFailure = "servfail"
        case refused
        case network
        case malformedResponse = "malformed-response"
        /// Zone files were given and none of them holds the name; nothing says what the DNS would answer.
        case outsideZones = "outside-zones"
        case cnameLoop = "cname-loop"
        case formatError = "formerr"
        case notImplemented = "notimp"
        case invalidQuery = "invalid-query"
    }

    public var kind: Kind
    public var name: DomainName?
    public var type: DNSRecordType?
    public var detail: String

    public init(_ kind: Kind, name: DomainName? = nil, type: DNSRecordType? = nil, detail: String = "") {
        self.kind = kind; self.name = name; self.type = type; self.detail = detail
    }

    public var isTemporary: Bool {
        switch kind {
        case .timeout, .serverFailure, .refused, .network, .malformedResponse, .outsideZones: true
        case .cnameLoop, .formatError, .notImplemented, .invalidQuery: false
        }
    }

    public var description: String {
        if kind == .outsideZones {
            return "\(name.map { "\($0)" } ?? "the name") is outside the zone files given" + (type.map { " (\($0) query)" } ?? "")
        }
        var text = "DNS \(isTemporary ? "temporary" : "permanent") failure (\(kind.rawValue))"
        if let name, let type { text += " for \(name) \(type)" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}

public typealias DNSResult = Result<DNSAnswer, DNSFailure>
