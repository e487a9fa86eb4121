/// The handling a Domain Owner requests for mail that fails DMARC: the values of `p`, `sp` and `np`
/// (RFC 9989 section 4.7; RFC 7489 section 6.3). Ordered by strength, so `max` picks the stricter one.
public enum DMARCPolicy: String, Sendable, Codable, Comparable, CaseIterable {
    case none, quarantine, reject

    private var strength: Int {
        switch self {
        case .none: 0
        case .quarantine: 1
        case .reject: 2
        }
    }

    public static func < (lhs: DMARCPolicy, rhs: DMARCPolicy) -> Bool { lhs.strength < rhs.strength }

    /// The policy a receiver applies when the record says `t=y`: one step weaker, because testing mode
    /// asks for reject to be treated as quarantine and quarantine as none (RFC 9989 section 4.7, `t`).
    public var testingAdjusted: DMARCPolicy {
        switch self {
        case .reject: .quarantine
        case .quarantine, .none: .none
        }
    }
}

/// Identifier alignment mode, the values of `adkim` and `aspf` (RFC 9989 section 4.4; RFC 7489 section 3.1).
public enum AlignmentMode: String, Sendable, Codable, CaseIterable {
    /// Same Organizational Domain.
    case relaxed = "r"
    /// Identical domains.
    case strict = "s"
}

/// The `psd` tag (RFC 9989 section 4.7): whether the publishing domain is a Public Suffix Domain, which
/// steers where the DNS Tree Walk places the Organizational Domain boundary (section 4.10.2).
public enum DMARCPublicSuffixFlag: String, Sendable, Codable, CaseIterable {
    /// A Public Suffix Domain: the Organizational Domain is the label below it.
    case yes = "y"
    /// Not a PSD, and the Organizational Domain itself.
    case no = "n"
    /// Unknown, the default: the walk keeps going.
    case unknown = "u"
}

/// One option of the `fo` tag, which says when failure reports are wanted (RFC 7489 section 6.3;
/// RFC 9990-era failure reporting keeps the same values).
public enum DMARCFailureOption: String, Sendable, Codable, CaseIterable {
    /// Report when every underlying mechanism failed to produce an aligned pass (the default).
    case allFail = "0"
    /// Report when any mechanism failed to produce an aligned pass.
    case anyFail = "1"
    /// Report any DKIM signature that failed to verify.
    case dkim = "d"
    /// Report any SPF failure.
    case spf = "s"
}
