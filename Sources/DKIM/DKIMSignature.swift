import DNSCore
import Foundation

/// A `DKIM-Signature` header field (RFC 6376 section 3.5) as a verifier reads it. Parsing checks what
/// section 6.1.1 makes a verifier check before it fetches a key: the required tags, `v=1`, values of the
/// right form, `h=` naming From, `i=` inside `d=` and `x=` after `t=`. Whether the algorithm is acceptable
/// (RFC 8301 refuses `rsa-sha1`) and whether the signature has expired are the verifier's questions.
public struct DKIMSignature: Sendable, Hashable {
    /// `a=`.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case rsaSHA256 = "rsa-sha256"
        /// RFC 8463.
        case ed25519SHA256 = "ed25519-sha256"
        /// Read so the refusal can name it: RFC 8301 section 3.1 forbids verifiers to accept it.
        case rsaSHA1 = "rsa-sha1"

        public var keyType: DKIMKeyAlgorithm { self == .ed25519SHA256 ? .ed25519 : .rsa }
        /// The hash name a key record's `h=` uses for it.
        public var hashName: String { self == .rsaSHA1 ? "sha1" : "sha256" }
        public var description: String { rawValue }
    }

    /// The tags as written.
    public var tags: DKIMTagList
    /// `a=`.
    public var algorithm: Algorithm
    /// `b=`, decoded.
    public var signature: [UInt8]
    /// `bh=`, decoded.
    public var bodyHash: [UInt8]
    /// `c=`, header part; `simple` when absent.
    public var headerCanonicalization: DKIMCanonicalization
    /// `c=`, body part; `simple` when absent or when `c=` names only the header algorithm.
    public var bodyCanonicalization: DKIMCanonicalization
    /// `d=`, the Signing Domain Identifier.
    public var domain: DomainName
    /// `h=`, lower-cased, in order, repetitions kept (each one signs one more instance, from the bottom).
    public var signedHeaders: [String]
    /// `i=`, the Agent or User Identifier; `@` and `d=` when absent (section 3.5).
    public var identity: String
    /// The domain part of `identity`: `d=` or a subdomain of it.
    public var identityDomain: DomainName
    /// `l=`: how many octets of the canonicalized body are signed; nil for all of it.
    public var bodyLength: Int?
    /// `s=`.
    public var selector: String
    /// `t=`, seconds since the epoch; `Int64.max` when longer than 12 digits (section 3.5 allows "infinite").
    public var timestamp: Int64?
    /// `x=`, seconds since the epoch; `Int64.max` when longer than 12 digits.
    public var expiration: Int64?

    /// The longest field value read: an RSA signature of the largest key read is about 2,800 characters.
    public static let maximumLength = 16 * 1024
    /// The most `h=` names read. Signers that oversign list every field twice, about 40 names.
    public static let maximumSignedHeaders = 64
    /// Longer `t=` and `x=` values may be treated as infinite (section 3.5); they are.
    static let maximumTimeDigits = 12

    /// The name of the key record: `<s>._domainkey.<d>` (section 3.6.2.1).
    public var keyName: String { "\(selector)._domainkey.\(domain.text)" }

    /// Parses the field's value (what follows `DKIM-Signature:`), or says which tag is wrong and what was expected.
    public static func parse(_ value: String) -> Result<DKIMSignature, DKIMSyntaxError> {
        guard value.utf8.count <= maximumLength else {
            return .failure(DKIMSyntaxError("the field is \(value.utf8.count) bytes long; at most \(maximumLength) are read"))
        }
        let list: DKIMTagList
        switch DKIMTagList.parse(value) {
        case .success(let parsed): list = parsed
        case .failure(let error): return .failure(error)
        }
        do {
            return .success(try DKIMSignature(list))
        } catch let error as DKIMSyntaxError {
            return .failure(error)
        } catch {
            return .failure(DKIMSyntaxError("\(error)"))
        }
    }

    init(_ list: DKIMTagList) throws {
        func required(_ name: String, _ meaning: String) throws -> String {
            guard let value = list[name] else {
                throw DKIMSyntaxError("no \(name)= tag (\(meaning), required by RFC 6376 section 3.5)")
            }
            return value
        }
        let version = try required("v", "the version, 1")
        guard version == "1" else { throw DKIMSyntaxError("v=\(DKIMTagList.shown(version)) is not 1, the only DKIM-Signature version") }
        let algorithmText = try required("a", "the signing algorithm")
        guard let algorithm = Algorithm(rawValue: algorithmText.lowercased()) else {
            throw DKIMSyntaxError("a=\(DKIMTagList.shown(algorithmText)) is not a signing algorithm "
                + "(rsa-sha256 or ed25519-sha256 expected)")
        }
        self.algorithm = algorithm
        tags = list
        signature = try Self.base64(try required("b", "the signature"), tag: "b")
        bodyHash = try Self.base64(try required("bh", "the body hash"), tag: "bh")
        (headerCanonicalization, bodyCanonicalization) = try Self.canonicalization(list["c"])
        domain = try Self.domain(try required("d", "the signing domain"), tag: "d")
        signedHeaders = try Self.headerNames(try required("h", "the signed header fields"))
        selector = try Self.selector(try required("s", "the selector"))
        (identity, identityDomain) = try Self.identity(list["i"], domain: domain)
        bodyLength = try list["l"].map { try Self.length($0) }
        try Self.checkQueryMethods(list["q"])
        timestamp = try list["t"].map { try Self.time($0, tag: "t") }
        expiration = try list["x"].map { try Self.time($0, tag: "x") }
        if let timestamp, let expiration, timestamp != .max, expiration != .max, expiration <= timestamp {
            throw DKIMSyntaxError("x=\(expiration) is not after t=\(timestamp) (the expiry must follow the signing time, section 3.5)")
        }
        // Checked last: a name like "dkim.example" cannot be looked up when the two do not fit in one domain name.
        guard (try? DomainName(keyName)) != nil else {
            throw DKIMSyntaxError("s=\(DKIMTagList.shown(selector)) and d=\(domain) make \(keyName.utf8.count) octets; "
                + "a key name holds at most \(DomainName.maximumLength)")
        }
    }

    static func base64(_ value: String, tag: String) throws -> [UInt8] {
        let text = DKIMTagList.withoutWhitespace(value)
        guard !text.isEmpty else { throw DKIMSyntaxError("\(tag)= is empty (base64 expected)") }
        guard let data = Data(base64Encoded: text) else {
            throw DKIMSyntaxError("\(tag)= is not valid base64 (\(text.count) characters: \(DKIMTagList.shown(text)))")
        }
        return [UInt8](data)
    }

    static func canonicalization(_ value: String?) throws -> (DKIMCanonicalization, DKIMCanonicalization) {
        guard let value else { return (.simple, .simple) }
        let parts = value.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let header = parts.first.flatMap(DKIMCanonicalization.init(rawValue:))
        let body = parts.count > 1 ? DKIMCanonicalization(rawValue: parts[1]) : .simple
        guard parts.count <= 2, let header, let body else {
            throw DKIMSyntaxError("c=\(DKIMTagList.shown(value)) is not a canonicalization "
                + "(simple or relaxed, or header/body such as relaxed/simple)")
        }
        return (header, body)
    }

    static func domain(_ value: String, tag: String) throws -> DomainName {
        guard value.unicodeScalars.allSatisfy({ isLetterOrDigit($0) || "-._".unicodeScalars.contains($0) }),
              let name = try? DomainName(value) else {
            throw DKIMSyntaxError("\(tag)=\(DKIMTagList.shown(value)) is not a domain name")
        }
        return name
    }

    static func headerNames(_ value: String) throws -> [String] {
        let names = value.split(separator: ":", omittingEmptySubsequences: false).map { DKIMTagList.trimmed($0).lowercased() }
        guard names.count <= maximumSignedHeaders else {
            throw DKIMSyntaxError("h= names \(names.count) header fields; at most \(maximumSignedHeaders) are read")
        }
        for name in names {
            // RFC 5322 field names: printable ASCII except the colon.
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw DKIMSyntaxError("h= holds \"\(DKIMTagList.shown(name))\", which is not a header field name "
                    + "(names separated by ':' expected)")
            }
        }
        guard names.contains("from") else {
            throw DKIMSyntaxError("h= does not name From (\(DKIMTagList.shown(value))); the From field must be signed (section 5.4)")
        }
        return names
    }

    static func selector(_ value: String) throws -> String {
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        let valid = labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= DomainName.maximumLabelLength
                && label.unicodeScalars.allSatisfy { isLetterOrDigit($0) || $0 == "-" || $0 == "_" }
        }
        guard valid else {
            throw DKIMSyntaxError("s=\(DKIMTagList.shown(value)) is not a selector (dot-separated labels of letters, digits and '-')")
        }
        return value
    }

    static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    static func identity(_ value: String?, domain: DomainName) throws -> (String, DomainName) {
        guard let value else { return ("@" + domain.text, domain) }
        guard let at = value.lastIndex(of: "@") else {
            throw DKIMSyntaxError("i=\(DKIMTagList.shown(value)) has no '@' (an optional local part, '@', then a domain expected)")
        }
        let identityDomain = try self.domain(String(value[value.index(after: at)...]), tag: "i")
        guard identityDomain.isSubdomain(of: domain) else {
            throw DKIMSyntaxError("i=\(DKIMTagList.shown(value)) is not in d=\(domain) (its domain must be d= or a subdomain, section 3.5)")
        }
        return (value, identityDomain)
    }

    static func length(_ value: String) throws -> Int {
        guard !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw DKIMSyntaxError("l=\(DKIMTagList.shown(value)) is not a number of octets (decimal digits expected)")
        }
        guard let length = Int(value) else {
            throw DKIMSyntaxError("l=\(DKIMTagList.shown(value)) is larger than any body read")
        }
        return length
    }

    static func time(_ value: String, tag: String) throws -> Int64 {
        guard !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw DKIMSyntaxError("\(tag)=\(DKIMTagList.shown(value)) is not a time (seconds since 1970, decimal digits expected)")
        }
        let digits = value.drop { $0 == "0" }
        guard digits.count <= maximumTimeDigits else { return .max }
        return Int64(digits) ?? 0
    }

    static func checkQueryMethods(_ value: String?) throws {
        guard let value else { return }
        // "dns/txt" is the only method defined; an option after it (dns/txt/...) is reserved and ignored.
        let known = value.split(separator: ":").contains { method in
            let parts = DKIMTagList.trimmed(method).lowercased().split(separator: "/", omittingEmptySubsequences: false)
            return parts.count >= 2 && parts[0] == "dns" && parts[1] == "txt"
        }
        guard known else { throw DKIMSyntaxError("q=\(DKIMTagList.shown(value)) names no query method known (dns/txt expected)") }
    }
}
