import Crypto
import SwiftASN1

/// The public key of a DKIM key record: its algorithm, its size, and a fingerprint that tells two keys apart.
/// RSA keys are read from their SubjectPublicKeyInfo (or a bare PKCS #1 RSAPublicKey, which some signers
/// publish and receivers accept) with SwiftASN1; Ed25519 keys are the 32 raw bytes of RFC 8463.
public struct DKIMPublicKey: Sendable, Hashable {
    public typealias Algorithm = DKIMKeyAlgorithm

    public var algorithm: Algorithm
    /// Modulus bits for RSA, 256 for Ed25519.
    public var bits: Int
    /// `sha256:` and the hex SHA-256 of the published key bytes.
    public var fingerprint: String
    /// The SubjectPublicKeyInfo DER of an RSA key (PKCS #1 wrapped when published bare); the raw key for Ed25519.
    public var material: [UInt8]

    /// The largest RSA modulus read: 16,384 bits.
    public static let maximumRSABits = 16_384

    static let rsaEncryption = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.1.1")

    public static func read(_ bytes: [UInt8], type: DKIMKeyRecord.KeyType) -> Result<DKIMPublicKey, DKIMSyntaxError> {
        let fingerprint = "sha256:" + SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        switch type {
        case .ed25519:
            guard bytes.count == 32 else {
                return .failure(DKIMSyntaxError("an Ed25519 key is 32 bytes (RFC 8463); p= decodes to \(bytes.count)"))
            }
            guard (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else {
                return .failure(DKIMSyntaxError("p= is not an Ed25519 public key"))
            }
            return .success(DKIMPublicKey(algorithm: .ed25519, bits: 256, fingerprint: fingerprint, material: bytes))
        case .rsa:
            do {
                let (modulus, spki) = try rsaModulus(bytes)
                let bits = bitLength(modulus)
                guard bits > 0, bits <= maximumRSABits else {
                    return .failure(DKIMSyntaxError("the RSA modulus is \(bits) bits; between 1 and \(maximumRSABits) are read"))
                }
                return .success(DKIMPublicKey(algorithm: .rsa, bits: bits, fingerprint: fingerprint, material: spki))
            } catch let error as DKIMSyntaxError {
                return .failure(error)
            } catch {
                return .failure(DKIMSyntaxError("p= is not an RSA public key in DER (SubjectPublicKeyInfo expected): \(error)"))
            }
        case .other(let name):
            return .failure(DKIMSyntaxError("k=\(DKIMTagList.shown(name)) is not a key type receivers know (rsa or ed25519)"))
        }
    }

    /// The modulus of an RSA key in SubjectPublicKeyInfo or PKCS #1 form, and the key as SubjectPublicKeyInfo.
    static func rsaModulus(_ bytes: [UInt8]) throws -> (ArraySlice<UInt8>, [UInt8]) {
        let root = try DER.parse(bytes)
        guard case .constructed(let children) = root.content, root.identifier == .sequence else {
            throw DKIMSyntaxError("p= is not a DER SEQUENCE")
        }
        var iterator = children.makeIterator()
        guard let first = iterator.next() else { throw DKIMSyntaxError("p= is an empty DER SEQUENCE") }
        if first.identifier == .integer {
            // PKCS #1 RSAPublicKey: SEQUENCE { modulus, publicExponent }.
            let key = try PKCS1Key(derEncoded: root)
            var serializer = DER.Serializer()
            try serializer.appendConstructedNode(identifier: .sequence) { spki in
                try spki.appendConstructedNode(identifier: .sequence) { algorithm in
                    try algorithm.serialize(rsaEncryption)
                    try algorithm.serialize(ASN1Null())
                }
                try spki.serialize(ASN1BitString(bytes: ArraySlice(bytes)))
            }
            return (key.modulus, serializer.serializedBytes)
        }
        let info = try SPKI(derEncoded: root)
        guard info.algorithm == rsaEncryption else {
            throw DKIMSyntaxError("the key's algorithm is \(info.algorithm), not rsaEncryption (1.2.840.113549.1.1.1)")
        }
        guard info.key.paddingBits == 0 else { throw DKIMSyntaxError("the key's BIT STRING has padding bits") }
        let key = try PKCS1Key(derEncoded: DER.parse(Array(info.key.bytes)))
        return (key.modulus, bytes)
    }

    static func bitLength(_ magnitude: ArraySlice<UInt8>) -> Int {
        guard let index = magnitude.firstIndex(where: { $0 != 0 }) else { return 0 }
        let leading = magnitude[index].leadingZeroBitCount
        return (magnitude.endIndex - index) * 8 - leading
    }

    struct SPKI: DERParseable {
        var algorithm: ASN1ObjectIdentifier
        var key: ASN1BitString

        init(derEncoded node: ASN1Node) throws {
            (algorithm, key) = try DER.sequence(node, identifier: .sequence) { nodes in
                let algorithm = try DER.sequence(of: ASN1Any.self, identifier: .sequence, nodes: &nodes)
                let key = try ASN1BitString(derEncoded: &nodes)
                guard let first = algorithm.first else { throw DKIMSyntaxError("the AlgorithmIdentifier is empty") }
                return (try ASN1ObjectIdentifier(asn1Any: first), key)
            }
        }
    }

    struct PKCS1Key: DERParseable {
        var modulus: ArraySlice<UInt8>
        var exponent: ArraySlice<UInt8>

        init(derEncoded node: ASN1Node) throws {
            (modulus, exponent) = try DER.sequence(node, identifier: .sequence) { nodes in
                (try ArraySlice<UInt8>(derEncoded: &nodes), try ArraySlice<UInt8>(derEncoded: &nodes))
            }
        }
    }
}
