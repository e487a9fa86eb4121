import DNSCore

/// Identifier alignment (RFC 9989 section 4.4; RFC 7489 section 3.1): whether an authenticated domain
/// (a DKIM `d=` or an SPF-authenticated domain) matches the Author Domain closely enough.
public enum Alignment {
    /// Strict mode wants identical domains; relaxed mode wants the same Organizational Domain.
    /// - Parameter organizationalDomain: how to find a domain's Organizational Domain; inside this module
    ///   that is the DNS Tree Walk, and callers with another source (a PSL, a fixed map) may pass theirs.
    public static func aligned(_ a: DomainName, _ b: DomainName, mode: AlignmentMode,
                               organizationalDomain: (DomainName) -> DomainName) -> Bool {
        if a == b { return true }
        guard mode == .relaxed else { return false }
        return organizationalDomain(a) == organizationalDomain(b)
    }

    /// Whether two names could share an Organizational Domain at all: only if they share a rightmost label,
    /// since an Organizational Domain is an ancestor of (or equal to) each. Saves a tree walk otherwise.
    static func mayShareOrganizationalDomain(_ a: DomainName, _ b: DomainName) -> Bool {
        a.labels.last?.lowercased() == b.labels.last?.lowercased()
    }
}

/// The alignment check of one authenticated identifier.
public struct IdentifierAlignment: Sendable, Hashable, Codable {
    public var domain: DomainName
    /// Its Organizational Domain, when it had to be looked up (relaxed mode, non-identical domains).
    public var organizationalDomain: DomainName?
    /// Nil when a temporary DNS failure hid the Organizational Domain.
    public var aligned: Bool?

    public init(domain: DomainName, organizationalDomain: DomainName?, aligned: Bool?) {
        self.domain = domain; self.organizationalDomain = organizationalDomain; self.aligned = aligned
    }
}
