/// How much a finding matters. Ordered: `info < warning < error < critical`.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    /// Worth knowing; nothing breaks.
    case info
    /// Mail still flows, but the posture is weaker than it should be or close to breaking.
    case warning
    /// Receivers already reject, junk or misjudge some mail.
    case error
    /// All mail from the domain is affected (every SPF check is permerror, spoofing is unprotected).
    case critical

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
