import DNSCore

/// What a key lookup at `<selector>._domainkey.<domain>` answered (RFC 6376 section 3.6.2.2), as the
/// caller's resolver saw it. Temporary and permanent failures stay apart: only the first is a `temperror`.
public enum DKIMKeyAnswer: Sendable, Hashable {
    /// The TXT records there, each record's strings joined.
    case found([String])
    /// NXDOMAIN, or the name exists with no TXT record.
    case absent
    /// A timeout, SERVFAIL or the like: the key may be there; ask again later.
    case temporary(String)
    /// DNS failed in a way a retry will not mend (a CNAME loop, a name that cannot be asked).
    case failed(String)
}

/// Why a signature fails (RFC 6376 section 6.1, RFC 8301, RFC 8463), each cause with what decides it.
public enum DKIMFailure: Sendable, Hashable, CustomStringConvertible {
    /// The body hash computed now is not `bh=`: the body changed after signing (or `l=` / `c=` differ).
    case bodyChanged(computed: String, signed: String)
    /// The body hash matches but the signature does not verify: a signed header field changed.
    case headersChanged
    /// No key record at the key name (or none readable as DNS answered).
    case keyMissing(name: String, detail: String)
    /// `p=` is empty: the signer revoked the key (section 3.6.1).
    case keyRevoked(name: String)
    /// An RSA key under 1024 bits, which RFC 8301 section 3.2 forbids verifiers to accept.
    case keyTooSmall(bits: Int)
    /// The key record cannot verify this signature: unreadable, of the other type, or restricted by its
    /// `h=`, `s=` or `t=s`.
    case keyUnusable(String)
    /// `a=` names an algorithm a verifier must refuse (`rsa-sha1`, RFC 8301 section 3.1).
    case algorithmRefused(String)
    /// `x=` is before now.
    case signatureExpired(expiration: Int64, now: Int64)
    /// The field cannot be read as a signature.
    case syntaxError(DKIMSyntaxError)
    /// `l=` asks for more octets than the canonicalized body has.
    case bodyShorterThanLength(length: Int, bodyOctets: Int)

    /// A stable name for the cause, for `--json` and for matching.
    public var code: String {
        switch self {
        case .bodyChanged: "body-changed"
        case .headersChanged: "headers-changed"
        case .keyMissing: "key-missing"
        case .keyRevoked: "key-revoked"
        case .keyTooSmall: "key-too-small"
        case .keyUnusable: "key-unusable"
        case .algorithmRefused: "algorithm-refused"
        case .signatureExpired: "signature-expired"
        case .syntaxError: "syntax-error"
        case .bodyShorterThanLength: "body-shorter-than-length"
        }
    }

    public var description: String {
        switch self {
        case .bodyChanged(let computed, let signed):
            "body changed: body hash \(computed) != \(signed)"
        case .headersChanged:
            "headers changed: the body hash matches but the signature does not verify"
        case .keyMissing(let name, let detail):
            "key missing: \(name) \(detail)"
        case .keyRevoked(let name):
            "key revoked: \(name) publishes an empty p="
        case .keyTooSmall(let bits):
            "key too small: a \(bits)-bit RSA key; verifiers refuse keys under 1024 bits (RFC 8301)"
        case .keyUnusable(let why):
            "key unusable: \(why)"
        case .algorithmRefused(let algorithm):
            "algorithm refused: \(algorithm) is not accepted by verifiers (RFC 8301); sign with rsa-sha256 or ed25519-sha256"
        case .signatureExpired(let expiration, let now):
            "signature expired: x=\(expiration) is \(now - expiration) seconds before now"
        case .syntaxError(let error):
            "syntax error: \(error.message)"
        case .bodyShorterThanLength(let length, let octets):
            "l= larger than the body: l=\(length) but the canonicalized body has \(octets) octets"
        }
    }
}

/// The outcome of one signature (RFC 6376 section 6.1): a verdict with its reason, never a bare Bool.
public enum DKIMVerdict: Sendable, Hashable, CustomStringConvertible {
    case pass
    case fail(DKIMFailure)
    /// The key could not be fetched now; the signature may verify later.
    case temperror(String)

    /// `pass`, `fail` or `temperror`, as Authentication-Results would say (`fail` here covers RFC 8601's
    /// `fail`, `neutral` and `permerror` alike).
    public var result: String {
        switch self {
        case .pass: "pass"
        case .fail: "fail"
        case .temperror: "temperror"
        }
    }

    public var description: String {
        switch self {
        case .pass: "pass"
        case .fail(let failure): "fail (\(failure))"
        case .temperror(let why): "temperror (\(why))"
        }
    }
}

/// Whether a signature's `d=` is aligned with the From domain (RFC 7489 section 3.1.1).
public struct DKIMAlignment: Sendable, Hashable {
    public var fromDomain: DomainName
    /// `d=` and the From domain are the same name.
    public var strict: Bool
    /// They are the same name or share an Organizational Domain; nil when that is unknown (the caller
    /// could not find one of the two Organizational Domains).
    public var relaxed: Bool?

    /// - Parameter organizationalDomains: what the caller found (by DMARC discovery, a PSL, a fixed map)
    ///   for the domains concerned; a domain missing from it has an unknown Organizational Domain.
    public init(signingDomain: DomainName, fromDomain: DomainName, organizationalDomains: [DomainName: DomainName]) {
        self.fromDomain = fromDomain
        strict = signingDomain == fromDomain
        if strict {
            relaxed = true
        } else if let signing = organizationalDomains[signingDomain], let from = organizationalDomains[fromDomain] {
            relaxed = signing == from
        } else {
            relaxed = nil
        }
    }
}

/// One `DKIM-Signature` field verified, with what a postmaster asks next: who signed, with which key, and
/// whether the signature would count for DMARC.
public struct DKIMSignatureResult: Sendable, Hashable {
    public var verdict: DKIMVerdict
    /// The field as parsed; nil when it could not be (the verdict is then a syntax error).
    public var signature: DKIMSignature?
    /// `d=`, `s=` and `a=` as written, also when the field did not parse (when its tag list did).
    public var domain: String?
    public var selector: String?
    public var algorithm: String?
    /// The key used, when one was fetched and read.
    public var keyBits: Int?
    public var keyFingerprint: String?
    /// The key record says `t=y`: the domain is testing DKIM (section 3.6.1).
    public var keyTesting: Bool = false
    /// `l=` signs fewer octets than the canonicalized body has: content may be appended unsigned.
    public var signsPartOfBody: Bool = false
    /// The canonicalized body's length, when it was computed.
    public var bodyOctets: Int?
    /// Set when the caller gave the From domain and `d=` was read.
    public var alignment: DKIMAlignment?

    public init(verdict: DKIMVerdict, signature: DKIMSignature? = nil) {
        self.verdict = verdict
        self.signature = signature
    }
}

/// Every signature of one message.
public struct DKIMMessageVerification: Sendable, Hashable {
    /// One result per `DKIM-Signature` field verified, top first.
    public var results: [DKIMSignatureResult]
    /// Signature fields past the verifier's limit, not verified.
    public var unverified: Int

    public init(results: [DKIMSignatureResult], unverified: Int) {
        self.results = results
        self.unverified = unverified
    }
}
