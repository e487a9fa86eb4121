/// What an assessment knows about one of its parts (a record, an include subtree, a report destination, an
/// approved sender...). Findings open and resolve only on `known` evidence; `impossible` is known too: the
/// part can never be evaluated, for a reason that will not go away by asking again.
public enum PartVerdict: Sendable, Hashable {
    case known
    /// DNS did not answer for now (timeout, SERVFAIL, refused, outside the zone files): nothing follows.
    case unknown(DNSFailure)
    /// A permanent reason, e.g. a name too long to exist or a CNAME loop.
    case impossible(String)

    public var isUnknown: Bool { if case .unknown = self { true } else { false } }

    /// `known`, `unknown` or `impossible`: the word the JSON documents carry.
    public var word: String {
        switch self {
        case .known: "known"
        case .unknown: "unknown"
        case .impossible: "impossible"
        }
    }

    /// Why the part is not known, in words; nil when it is.
    public var reason: String? {
        switch self {
        case .known: nil
        case .unknown(let failure): failure.description
        case .impossible(let reason): reason
        }
    }

    /// The verdict a DNS failure leaves: unknown when it is temporary, impossible when it is permanent.
    public init(_ failure: DNSFailure) {
        self = failure.isTemporary ? .unknown(failure) : .impossible(failure.description)
    }
}
