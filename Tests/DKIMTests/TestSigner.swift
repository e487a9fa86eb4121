import _CryptoExtras
import Crypto
import DKIM
import Foundation

/// A small DKIM signer for tests only (RFC 6376 section 5): it computes `bh=` over the canonicalized body,
/// writes the signature field with an empty `b=`, signs what the verifier's `headerData` says is signed, and
/// puts the signature in. The RFC 8463 vectors and section 3.4.5's examples check the shared parts
/// independently of it.
struct TestSigner: Sendable {
    enum Key: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        /// The private key's raw bytes (swift-crypto's Ed25519 key is not Sendable).
        case ed25519(Data)

        var algorithm: String {
            switch self {
            case .rsa: "rsa-sha256"
            case .ed25519: "ed25519-sha256"
            }
        }

        /// The key record to publish for this key.
        var record: String {
            switch self {
            case .rsa(let key): "v=DKIM1; k=rsa; p=\(key.publicKey.derRepresentation.base64EncodedString())"
            case .ed25519(let raw): "v=DKIM1; k=ed25519; p=\(try! Curve25519.Signing.PrivateKey(rawRepresentation: raw).publicKey.rawRepresentation.base64EncodedString())"
            }
        }

        func sign(_ data: [UInt8]) throws -> [UInt8] {
            let digest = SHA256.hash(data: data)
            switch self {
            case .rsa(let key): return [UInt8](try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
            case .ed25519(let raw): return [UInt8](try Curve25519.Signing.PrivateKey(rawRepresentation: raw).signature(for: Array(digest)))
            }
        }
    }

    var key: Key
    var domain = "example.com"
    var selector = "s1"
    var headers = ["from", "to", "subject", "date"]
    var canonicalization = "relaxed/relaxed"
    /// `l=`; a length past the body's signs the whole body and says more.
    var bodyLength: Int?
    /// Written as is between `h=` and `bh=`, e.g. "x=1700000000;".
    var extraTags = ""
    /// Overrides `a=` (the signature is still made with the key's own algorithm).
    var algorithm: String?

    /// Generated once per run: RSA key generation is slow in debug builds.
    static let rsa2048 = Key.rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048))
    static let rsa1024 = Key.rsa(try! _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024)))
    static let ed25519 = Key.ed25519(Curve25519.Signing.PrivateKey().rawRepresentation)

    /// `message` (CRLF line ends) with a DKIM-Signature field on top.
    func sign(_ message: String) throws -> String {
        let parts = canonicalization.split(separator: "/").map(String.init)
        let headerAlgorithm = DKIMCanonicalization(rawValue: parts[0])!
        let bodyAlgorithm = parts.count > 1 ? DKIMCanonicalization(rawValue: parts[1])! : .simple
        var body = bodyAlgorithm.body(DKIMMessage(Array(message.utf8)).body)
        if let bodyLength, bodyLength < body.count { body = Array(body.prefix(bodyLength)) }
        let tags = (bodyLength.map { "l=\($0); " } ?? "") + extraTags
        let bodyHash = Data(SHA256.hash(data: body)).base64EncodedString()
        // Folded as signers fold, so the verifier's unfolding and b= removal are exercised.
        let field = "DKIM-Signature: v=1; a=\(algorithm ?? key.algorithm); c=\(canonicalization); d=\(domain);\r\n"
            + "\ts=\(selector); h=\(headers.joined(separator: ":")); \(tags)\r\n\tbh=\(bodyHash);\r\n\tb="
        let unsigned = DKIMMessage(Array((field + "\r\n" + message).utf8))
        let data = DKIMVerifier.headerData(signedHeaders: headers, canonicalization: headerAlgorithm,
                                           signatureField: unsigned.fields[0], at: 0, in: unsigned)
        let signature = Data(try key.sign(data)).base64EncodedString()
        return field + Self.folded(signature) + "\r\n" + message
    }

    /// Base64 broken into lines of 64 characters with folding whitespace, as signers write `b=`.
    static func folded(_ text: String) -> String {
        var lines: [Substring] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            lines.append(rest.prefix(64))
            rest = rest.dropFirst(64)
        }
        return lines.joined(separator: "\r\n\t ")
    }
}
