/// What DNSSEC (RFC 4033 section 5, RFC 4035 section 4.3) says of one answer, validated from a trust anchor.
public enum DNSSECStatus: Sendable, Hashable {
    /// A chain of signatures from the trust anchor reaches the answer. `expires` is the epoch second at which
    /// the first signature of the chain (the answer's, its zone's DNSKEY set's, the DS sets' above) runs out;
    /// `signer` the zone that signed the answer, with its trailing dot.
    case secure(signer: String, expires: Int64)
    /// Provably unsigned: a signed denial of DS at a delegation above the name (or no signed zone above it).
    case insecure
    /// Signed, or expected to be, and the signatures do not validate: validating resolvers answer SERVFAIL.
    case bogus(BogusReason, detail: String)
    /// Nothing can be said: the answer or a link of the chain was not answered (timeout, SERVFAIL), or no
    /// validation was made (zone files carry no signatures).
    case indeterminate(String)

    /// Why an answer is bogus: the stable words of the JSON documents and of finding evidence.
    public enum BogusReason: String, Sendable, Hashable, Codable {
        case signatureExpired = "signature-expired"
        case signatureNotYetValid = "signature-not-yet-valid"
        /// No DNSKEY of the signer matches the signature (or the zone has no DNSKEY set).
        case missingDNSKEY = "missing-dnskey"
        /// The parent's DS records match no DNSKEY of the zone.
        case dsMismatch = "ds-mismatch"
        /// A denial of existence whose NSEC/NSEC3 records do not prove it, or are unsigned in a signed zone.
        case badDenial = "bad-denial"
        /// The zone is signed (a DS at the parent) but the answer carries no signature.
        case missingSignature = "missing-signature"
        /// A signature that does not verify (altered data, wrong key).
        case badSignature = "bad-signature"
    }

    /// `secure`, `insecure`, `bogus` or `indeterminate`.
    public var word: String {
        switch self {
        case .secure: "secure"
        case .insecure: "insecure"
        case .bogus: "bogus"
        case .indeterminate: "indeterminate"
        }
    }

    /// The reason word of a bogus answer, the cause of an indeterminate one.
    public var reason: String? {
        switch self {
        case .bogus(let reason, let detail): "\(reason.rawValue): \(detail)"
        case .indeterminate(let cause): cause
        default: nil
        }
    }

    public var isIndeterminate: Bool { if case .indeterminate = self { true } else { false } }
}

/// Validates answers with DNSSEC. Separate from `DNSResolver` so the answers every check reads keep coming
/// through the run's cache; an implementation asks for signatures and keys itself and must be safe to call
/// concurrently.
public protocol DNSSECValidator: Sendable {
    /// The status of the `type` RRset at `name` (or of its denial) at epoch second `now`.
    func status(_ name: DomainName, _ type: DNSRecordType, now: Int64) async -> DNSSECStatus
}
