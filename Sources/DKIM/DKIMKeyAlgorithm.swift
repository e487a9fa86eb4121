/// The algorithm of a DKIM key: RSA (RFC 6376) or Ed25519 (RFC 8463). Apart from `DKIMPublicKey` so the
/// parsers that need only the name (`DKIMSignature`) build without the cryptography (Scripts/fuzz).
public enum DKIMKeyAlgorithm: String, Sendable, Hashable { case rsa, ed25519 }
