import Crypto
import DNSCore
import Foundation
import _CryptoExtras

/// Verifies the DKIM signatures of a message as a receiver does (RFC 6376 section 6.1, RFC 8301, RFC 8463).
/// Pure: the key lookup and the time are the caller's; nothing here touches the network, the disk or the clock.
public struct DKIMVerifier: Sendable {
    /// Fetches the TXT records at `<selector>._domainkey.<domain>`.
    public typealias KeyLookup = @Sendable (_ selector: String, _ domain: String) async -> DKIMKeyAnswer

    public var lookupKey: KeyLookup
    /// Seconds since the epoch, for `x=`.
    public var now: Int64
    /// Signatures verified per message, top first; the rest are counted, not verified (each costs a DNS query).
    public var maximumSignatures: Int
    /// The largest message read.
    public var maximumMessageBytes: Int

    /// RFC 8301 section 3.2: verifiers must not consider signatures under smaller RSA keys valid.
    public static let minimumRSABits = 1024
    public static let defaultMaximumSignatures = 10
    public static let defaultMaximumMessageBytes = 16 * 1024 * 1024

    public init(now: Int64, maximumSignatures: Int = defaultMaximumSignatures,
                maximumMessageBytes: Int = defaultMaximumMessageBytes, lookupKey: @escaping KeyLookup) {
        self.now = now
        self.maximumSignatures = maximumSignatures
        self.maximumMessageBytes = maximumMessageBytes
        self.lookupKey = lookupKey
    }

    /// Verifies every signature of `message` (its bytes as received), or refuses a message over the limit.
    /// - Parameters:
    ///   - fromDomain: the domain of the From address, for alignment; nil leaves alignment out.
    ///   - organizationalDomains: the Organizational Domains the caller found for the From domain and the
    ///     `d=` domains, for relaxed alignment.
    public func verify(_ message: [UInt8], fromDomain: DomainName? = nil,
                       organizationalDomains: [DomainName: DomainName] = [:]) async throws(DKIMSyntaxError) -> DKIMMessageVerification {
        guard message.count <= maximumMessageBytes else {
            throw DKIMSyntaxError("the message is \(message.count) bytes long; at most \(maximumMessageBytes) are verified")
        }
        return await verify(DKIMMessage(message), fromDomain: fromDomain, organizationalDomains: organizationalDomains)
    }

    public func verify(_ message: DKIMMessage, fromDomain: DomainName? = nil,
                       organizationalDomains: [DomainName: DomainName] = [:]) async -> DKIMMessageVerification {
        let fields = message.signatureFields
        var bodies = CanonicalBodies(body: message.body)
        var results: [DKIMSignatureResult] = []
        for (position, field) in fields.prefix(max(0, maximumSignatures)) {
            var result = await verify(field, at: position, in: message, bodies: &bodies)
            if let fromDomain, let domain = result.signature?.domain {
                result.alignment = DKIMAlignment(signingDomain: domain, fromDomain: fromDomain,
                                                 organizationalDomains: organizationalDomains)
            }
            results.append(result)
        }
        return DKIMMessageVerification(results: results, unverified: fields.count - results.count)
    }

    /// The `d=` domains of the signatures that would be verified, for a caller that finds their
    /// Organizational Domains first.
    public func signingDomains(_ message: DKIMMessage) -> [DomainName] {
        message.signatureFields.prefix(max(0, maximumSignatures)).compactMap {
            try? DKIMSignature.parse($0.field.value).get().domain
        }
    }

    func verify(_ field: DKIMMessage.Field, at position: Int, in message: DKIMMessage,
                bodies: inout CanonicalBodies) async -> DKIMSignatureResult {
        let signature: DKIMSignature
        switch DKIMSignature.parse(field.value) {
        case .failure(let error):
            var result = DKIMSignatureResult(verdict: .fail(.syntaxError(error)))
            if case .success(let tags) = DKIMTagList.parse(field.value) {
                result.domain = tags["d"]
                result.selector = tags["s"]
                result.algorithm = tags["a"]
            }
            return result
        case .success(let parsed):
            signature = parsed
        }
        var result = DKIMSignatureResult(verdict: .pass, signature: signature)
        result.domain = signature.domain.text
        result.selector = signature.selector
        result.algorithm = signature.algorithm.rawValue
        if signature.algorithm == .rsaSHA1 {
            result.verdict = .fail(.algorithmRefused(signature.algorithm.rawValue))
            return result
        }
        if let expiration = signature.expiration, expiration < now {
            result.verdict = .fail(.signatureExpired(expiration: expiration, now: now))
            return result
        }
        let key: DKIMPublicKey
        switch await fetchKey(for: signature) {
        case .refused(let verdict):
            result.verdict = verdict
            return result
        case .usable(let record, let publicKey):
            key = publicKey
            result.keyBits = key.bits
            result.keyFingerprint = key.fingerprint
            result.keyTesting = record.isTesting
        }
        let body = bodies.canonical(signature.bodyCanonicalization)
        result.bodyOctets = body.count
        let signedLength = signature.bodyLength ?? body.count
        guard signedLength <= body.count else {
            result.verdict = .fail(.bodyShorterThanLength(length: signedLength, bodyOctets: body.count))
            return result
        }
        result.signsPartOfBody = signedLength < body.count
        let bodyHash = Array(SHA256.hash(data: body.prefix(signedLength)))
        guard bodyHash == signature.bodyHash else {
            result.verdict = .fail(.bodyChanged(computed: Data(bodyHash).base64EncodedString(),
                                                signed: Data(signature.bodyHash).base64EncodedString()))
            return result
        }
        let data = Self.headerData(signedHeaders: signature.signedHeaders, canonicalization: signature.headerCanonicalization,
                                   signatureField: field, at: position, in: message)
        result.verdict = Self.check(signature.signature, algorithm: signature.algorithm, key: key, headerData: data)
        return result
    }

    enum KeyFetch {
        case usable(DKIMKeyRecord, DKIMPublicKey)
        case refused(DKIMVerdict)
    }

    /// The key record for `signature`, read and checked against it (sections 3.6.1 and 6.1.2).
    func fetchKey(for signature: DKIMSignature) async -> KeyFetch {
        let name = signature.keyName
        let texts: [String]
        switch await lookupKey(signature.selector, signature.domain.text) {
        case .found(let found): texts = found
        case .absent: return .refused(.fail(.keyMissing(name: name, detail: "does not exist or has no TXT record")))
        case .failed(let why): return .refused(.fail(.keyMissing(name: name, detail: "cannot be looked up: \(why)")))
        case .temporary(let why): return .refused(.temperror("the key at \(name) could not be fetched: \(why)"))
        }
        guard let selected = DKIMKeyRecord.select(texts) else {
            return .refused(.fail(.keyMissing(name: name, detail: "has no TXT record")))
        }
        switch selected.record {
        case .failure(let error):
            return .refused(.fail(.keyUnusable("\(name) is not a key record: \(error.message)")))
        case .success(let record):
            if record.isRevoked { return .refused(.fail(.keyRevoked(name: name))) }
            guard let key = record.publicKey else {
                return .refused(.fail(.keyUnusable("\(name): \(record.keyProblem ?? "p= holds no key")")))
            }
            if let failure = Self.keyFailure(record, key, name: name, for: signature) { return .refused(.fail(failure)) }
            return .usable(record, key)
        }
    }

    /// Why a readable key cannot verify `signature`, or nil when it can.
    static func keyFailure(_ record: DKIMKeyRecord, _ key: DKIMPublicKey, name: String, for signature: DKIMSignature) -> DKIMFailure? {
        guard key.algorithm == signature.algorithm.keyType else {
            return .keyUnusable("\(name) publishes a k=\(record.keyType) key; "
                + "a=\(signature.algorithm) needs k=\(signature.algorithm.keyType.rawValue)")
        }
        if let hashes = record.hashAlgorithms, !hashes.contains(signature.algorithm.hashName) {
            return .keyUnusable("\(name) allows h=\(hashes.joined(separator: ":")) only; "
                + "a=\(signature.algorithm) hashes with \(signature.algorithm.hashName)")
        }
        guard record.allowsEmail else {
            return .keyUnusable("\(name) is for s=\(record.serviceTypes?.joined(separator: ":") ?? ""), not email")
        }
        if record.flags.contains("s"), signature.identityDomain != signature.domain {
            return .keyUnusable("\(name) has t=s, so i= must be in d=\(signature.domain) itself, not \(signature.identityDomain)")
        }
        if key.algorithm == .rsa, key.bits < minimumRSABits {
            return .keyTooSmall(bits: key.bits)
        }
        return nil
    }

    /// What the signature signs (section 3.7): the fields `h=` names, each canonicalized and ended by CRLF,
    /// then the signature field itself with `b=` emptied, canonicalized, without a final CRLF.
    public static func headerData(signedHeaders: [String], canonicalization: DKIMCanonicalization,
                                  signatureField: DKIMMessage.Field, at position: Int, in message: DKIMMessage) -> [UInt8] {
        var data: [UInt8] = []
        for field in message.signedFields(signedHeaders, excluding: position) {
            data += canonicalization.header(field.raw)
            data += DKIMCanonicalization.crlf
        }
        data += canonicalization.header(DKIMMessage.withoutSignatureValue(signatureField.raw))
        return data
    }

    /// Whether `signature` verifies over `headerData`: RSA PKCS #1 v1.5 over the SHA-256 digest, or Ed25519
    /// over the SHA-256 digest (RFC 8463 section 3). The body hash matched already, so a signature that does
    /// not verify means a signed header field changed; a key swift-crypto cannot load is unusable.
    static func check(_ signature: [UInt8], algorithm: DKIMSignature.Algorithm, key: DKIMPublicKey,
                      headerData: [UInt8]) -> DKIMVerdict {
        let digest = SHA256.hash(data: headerData)
        switch algorithm {
        case .rsaSHA256:
            let publicKey: _RSA.Signing.PublicKey
            do { publicKey = try _RSA.Signing.PublicKey(unsafeDERRepresentation: key.material) } catch {
                return .fail(.keyUnusable("the RSA key cannot be loaded: \(error)"))
            }
            let value = _RSA.Signing.RSASignature(rawRepresentation: signature)
            return publicKey.isValidSignature(value, for: digest, padding: .insecurePKCS1v1_5) ? .pass : .fail(.headersChanged)
        case .ed25519SHA256:
            guard let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.material) else {
                return .fail(.keyUnusable("the Ed25519 key cannot be loaded"))
            }
            return publicKey.isValidSignature(signature, for: Array(digest)) ? .pass : .fail(.headersChanged)
        case .rsaSHA1:
            return .fail(.algorithmRefused(algorithm.rawValue))
        }
    }
}

/// The body canonicalized once per algorithm, however many signatures ask for it.
struct CanonicalBodies {
    let body: [UInt8]
    var done: [DKIMCanonicalization: [UInt8]] = [:]

    init(body: [UInt8]) { self.body = body }

    mutating func canonical(_ algorithm: DKIMCanonicalization) -> [UInt8] {
        if let known = done[algorithm] { return known }
        let canonical = algorithm.body(body)
        done[algorithm] = canonical
        return canonical
    }
}
