/// The stable identifier of a kind of finding, e.g. `spf.lookup-limit`. These strings are part of the JSON
/// contract and of alert routing rules: add new ones, never rename.
public struct FindingKind: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: FindingKind, rhs: FindingKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // SPF (RFC 7208)
    public static let spfMissing = FindingKind("spf.missing")
    public static let spfMultiple = FindingKind("spf.multiple")
    public static let spfSyntax = FindingKind("spf.syntax")
    public static let spfLookupLimit = FindingKind("spf.lookup-limit")
    public static let spfVoidLimit = FindingKind("spf.void-limit")
    public static let spfBrokenInclude = FindingKind("spf.broken-include")
    public static let spfPermissiveAll = FindingKind("spf.permissive-all")
    public static let spfNoAll = FindingKind("spf.no-all")
    public static let spfPTR = FindingKind("spf.ptr")
    public static let spfTooLong = FindingKind("spf.too-long")
    public static let spfRedundant = FindingKind("spf.redundant")
    public static let spfSenderUnauthorized = FindingKind("spf.sender-unauthorized")
    public static let spfUnapprovedAuthorization = FindingKind("spf.unapproved-authorization")
    public static let spfAllQualifier = FindingKind("spf.all-weaker-than-expected")
    public static let spfIncludeLoop = FindingKind("spf.include-loop")
    public static let spfMXLimit = FindingKind("spf.mx-limit")
    /// A permanent DNS failure (a CNAME loop) under the record: receivers answer temperror for it.
    public static let spfDNSError = FindingKind("spf.dns-error")
    /// An approved host or MX domain without addresses to check.
    public static let inventorySenderUnresolvable = FindingKind("inventory.sender-unresolvable")
    /// A provider moved away from the networks `generate --flatten` copied into the record.
    public static let spfFlattenedStale = FindingKind("spf.flattened-stale")

    // DMARC (RFC 7489, DMARCbis)
    public static let dmarcMissing = FindingKind("dmarc.missing")
    public static let dmarcInvalid = FindingKind("dmarc.invalid")
    public static let dmarcMultiple = FindingKind("dmarc.multiple")
    public static let dmarcMonitoringOnly = FindingKind("dmarc.monitoring-only")
    public static let dmarcWeakerThanExpected = FindingKind("dmarc.weaker-than-expected")
    public static let dmarcRecordWarning = FindingKind("dmarc.record-warning")
    public static let dmarcRUAUnauthorized = FindingKind("dmarc.rua-unauthorized")
    /// A permanent DNS failure at a `_dmarc` name (a CNAME loop): no receiver can read the policy.
    public static let dmarcDNSError = FindingKind("dmarc.dns-error")

    // DNS and drift
    public static let dnsTemporary = FindingKind("dns.temporary")
    public static let dnsUnreachable = FindingKind("dns.unreachable")
    public static let recordChanged = FindingKind("record.changed")
    public static let providerChanged = FindingKind("provider.changed")
}

// DKIM (RFC 6376, RFC 8301, RFC 8463). The subject of each is the key name `selector._domainkey.d`, except
// `dkim.unaligned`, whose subject is the source address.
extension FindingKind {
    /// No key at the name of a selector the monitor file lists or the reports show in use.
    public static let dkimKeyMissing = FindingKind("dkim.key-missing")
    /// `p=` empty: the key is revoked, yet the monitor file or the reports still have it in use.
    public static let dkimKeyRevoked = FindingKind("dkim.key-revoked")
    /// An RSA key under 1024 bits: receivers treat its signatures as absent (RFC 8301 section 3.2).
    public static let dkimKeyTooSmall = FindingKind("dkim.key-too-small")
    /// An RSA key of 1024 to 2047 bits: accepted today, below the 2048 RFC 8301 asks signers for.
    public static let dkimWeakKey = FindingKind("dkim.weak-key")
    /// `h=sha1` alone: the key can sign only with SHA-1, which verifiers must not accept (RFC 8301 section 3.1).
    public static let dkimSHA1Only = FindingKind("dkim.sha1-only")
    /// `t=y` left on: the domain says it is testing DKIM, and some receivers give its signatures less weight.
    public static let dkimTesting = FindingKind("dkim.testing")
    /// The record at the key name cannot be used (syntax, unknown key type, unreadable key, `s=` without email).
    public static let dkimSyntax = FindingKind("dkim.syntax")
    /// A real source passes DKIM only with a `d=` not aligned with the From domain: DMARC rests on SPF alone.
    public static let dkimUnaligned = FindingKind("dkim.unaligned")
    /// A key the monitor file lists that the reports have not seen for `stale_after` days.
    public static let dkimOrphanedKey = FindingKind("dkim.orphaned-key")
}

// MTA-STS (RFC 8461), TLS-RPT (RFC 8460), BIMI.
extension FindingKind {
    /// The `_mta-sts` record is published but senders cannot get a usable policy (RFC 8461 section 3.3).
    public static let mtaSTSRecordWithoutPolicy = FindingKind("mta-sts.record-without-policy")
    /// A policy is served but no `_mta-sts` record announces it: senders never fetch it.
    public static let mtaSTSPolicyWithoutRecord = FindingKind("mta-sts.policy-without-record")
    /// The monitor file expects MTA-STS and there is no record.
    public static let mtaSTSMissing = FindingKind("mta-sts.missing")
    /// The record or the policy does not parse (subject `record` or `policy`).
    public static let mtaSTSSyntax = FindingKind("mta-sts.syntax")
    /// A live MX host no `mx` pattern matches (RFC 8461 section 4.1): under enforce, senders refuse it.
    public static let mtaSTSMXNotCovered = FindingKind("mta-sts.mx-not-covered")
    /// The policy's mode is weaker than the monitor file's `mta_sts:`.
    public static let mtaSTSWeakerThanExpected = FindingKind("mta-sts.weaker-than-expected")
    /// The policy changed but the record's id did not: senders keep the cached policy (RFC 8461 section 3.1).
    public static let mtaSTSIDUnchanged = FindingKind("mta-sts.id-unchanged")
    /// The policy host's certificate expires soon: then no sender can fetch the policy.
    public static let mtaSTSCertificateExpiring = FindingKind("mta-sts.certificate-expiring")
    /// `max_age` above RFC 8461's year, or under a day.
    public static let mtaSTSMaxAge = FindingKind("mta-sts.max-age")
    public static let tlsRPTSyntax = FindingKind("tlsrpt.syntax")
    /// No TLS-RPT record where the monitor file expects one, or beside an MTA-STS policy.
    public static let tlsRPTMissing = FindingKind("tlsrpt.missing")
    public static let bimiSyntax = FindingKind("bimi.syntax")
    public static let bimiMissing = FindingKind("bimi.missing")
    /// BIMI published (or expected) while DMARC is not at quarantine or reject for all mail: receivers
    /// show no logo.
    public static let bimiDMARCNotEnforced = FindingKind("bimi.dmarc-not-enforced")
    /// The logo the BIMI record names cannot be fetched (address, certificate, status, size).
    public static let bimiLogoUnavailable = FindingKind("bimi.logo-unavailable")
    /// The logo is not SVG Tiny PS (profile, version, title, scripts, external references).
    public static let bimiLogoInvalid = FindingKind("bimi.logo-invalid")
    /// The mark certificate cannot be fetched or read, does not name the domain, or is out of its validity.
    public static let bimiCertificateInvalid = FindingKind("bimi.certificate-invalid")
    /// The mark certificate expires within `certificate_warning_days`.
    public static let bimiCertificateExpiring = FindingKind("bimi.certificate-expiring")
}

// The MX set (RFC 5321 section 5.1, RFC 7505). Host-level kinds have the exchange as subject.
extension FindingKind {
    /// No MX record on a sending domain: mail to it goes to its own A/AAAA address (info, RFC 5321 section 5.1).
    public static let mxImplicit = FindingKind("mx.implicit")
    /// A null MX on a domain that sends mail (approved, observed or SPF-authorized senders): bounces cannot
    /// be delivered and receivers may reject its mail (RFC 7505 section 4.2).
    public static let mxNullOnSendingDomain = FindingKind("mx.null-on-sending-domain")
    /// A null MX beside other MX records (RFC 7505 section 3 forbids it).
    public static let mxNullMixed = FindingKind("mx.null-mixed")
    /// An MX exchange that is an alias (RFC 2181 section 10.3).
    public static let mxCNAME = FindingKind("mx.cname")
    /// An MX exchange written as an IP address.
    public static let mxIPLiteral = FindingKind("mx.ip-literal")
    /// An MX host with neither A nor AAAA records (critical when no MX host has an address).
    public static let mxHostWithoutAddress = FindingKind("mx.host-without-address")
}

// DNSSEC (RFC 4033, RFC 4035), validated from the trust anchor. The subject of `dnssec.bogus` is the answer,
// `NAME/TYPE`; the others are about the domain.
extension FindingKind {
    /// An answer that decides a verdict does not validate: validating receivers get SERVFAIL (SPF and DMARC
    /// then temperror), so the record is as good as gone for them.
    public static let dnssecBogus = FindingKind("dnssec.bogus")
    /// A signature of the chain that validates the domain's records runs out within `dnssec_warning_days`
    /// (warning) or `dnssec_error_days` (error): re-sign, or validating receivers lose the records.
    public static let dnssecSignatureExpiring = FindingKind("dnssec.signature-expiring")
    /// The parent publishes DS records that match no DNSKEY of the zone (a key rollover gone wrong).
    public static let dnssecDSMismatch = FindingKind("dnssec.ds-mismatch")
}

// DANE for SMTP (RFC 7672), read when DNSSEC validation is on. The subject is the MX host.
extension FindingKind {
    /// A TLSA record at `_25._tcp.HOST` that cannot be read (too short, a digest of the wrong length).
    public static let daneSyntax = FindingKind("dane.syntax")
    /// TLSA parameters senders do not use for SMTP: usage 0 or 1 (RFC 7672 section 3.1.3), or an undefined
    /// usage, selector or matching type. An error when no record of the host is usable.
    public static let daneUnusable = FindingKind("dane.unusable")
    /// TLSA records that are not secure (or whose MX host's addresses are not): senders ignore them.
    public static let daneInsecure = FindingKind("dane.insecure")
}
