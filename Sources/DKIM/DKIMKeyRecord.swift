import Foundation

/// A DKIM key record, the TXT record at `selector._domainkey.domain` (RFC 6376 section 3.6.1), as a receiver
/// reads it. Parsing never fails on a value a receiver would ignore; it fails only where a receiver cannot
/// use the record at all (`DKIMKeyRecord.parse` then says why), and an empty `p=` is a revoked key, not an error.
public struct DKIMKeyRecord: Sendable, Hashable {
    public enum KeyType: Sendable, Hashable, CustomStringConvertible {
        case rsa
        /// RFC 8463.
        case ed25519
        /// A `k=` value no receiver here knows: signatures under it cannot verify.
        case other(String)

        public var description: String {
            switch self {
            case .rsa: "rsa"
            case .ed25519: "ed25519"
            case .other(let name): name
            }
        }
    }

    /// The record as published.
    public var text: String
    public var keyType: KeyType
    /// `h=`: the hash algorithms the key may be used with, lower-cased; nil when absent (any).
    public var hashAlgorithms: [String]?
    /// `s=`: service types, lower-cased; nil when absent (`*`).
    public var serviceTypes: [String]?
    /// `t=` flags, lower-cased: `y` (testing), `s` (no subdomains in `i=`).
    public var flags: [String]
    /// `n=`, for people.
    public var notes: String?
    /// The decoded `p=` bytes; empty for a revoked key.
    public var keyData: [UInt8]
    /// What the key is, when `keyData` could be read for its type; nil for a revoked key.
    public var publicKey: DKIMPublicKey?
    /// Why the key could not be read, when it could not (the record is then unusable).
    public var keyProblem: String?

    public var isRevoked: Bool { keyData.isEmpty }
    public var isTesting: Bool { flags.contains("y") }
    /// `h=` names only SHA-1, which RFC 8301 forbids signers and verifiers to use.
    public var isSHA1Only: Bool { hashAlgorithms.map { !$0.isEmpty && $0.allSatisfy { $0 == "sha1" } } ?? false }
    /// The record may be used for e-mail (`s=` absent, `*` or `email`).
    public var allowsEmail: Bool { serviceTypes.map { $0.contains("*") || $0.contains("email") } ?? true }

    /// The largest record accepted: a 4096-bit RSA key is about 800 characters of base64.
    public static let maximumLength = 8192

    public static func parse(_ text: String) -> Result<DKIMKeyRecord, DKIMSyntaxError> {
        guard text.utf8.count <= maximumLength else {
            return .failure(DKIMSyntaxError("the record is \(text.utf8.count) bytes long; at most \(maximumLength) are read"))
        }
        let list: DKIMTagList
        switch DKIMTagList.parse(text) {
        case .success(let parsed): list = parsed
        case .failure(let error): return .failure(error)
        }
        if let version = list["v"] {
            guard list.tags.first?.name == "v" else {
                return .failure(DKIMSyntaxError("v= must be the first tag of a key record (it is tag \(list.tags.firstIndex { $0.name == "v" }! + 1))"))
            }
            guard version == "DKIM1" else {
                return .failure(DKIMSyntaxError("v=\(DKIMTagList.shown(version)) is not DKIM1: receivers ignore the record"))
            }
        }
        guard let p = list["p"] else {
            return .failure(DKIMSyntaxError("no p= tag: the record holds no key (an empty p= revokes a key; a missing one is a syntax error)"))
        }
        let keyType: KeyType
        switch list["k"]?.lowercased() {
        case nil, "rsa": keyType = .rsa
        case "ed25519": keyType = .ed25519
        case let other?: keyType = .other(other)
        }
        let base64 = DKIMTagList.withoutWhitespace(p)
        var keyData: [UInt8] = []
        if !base64.isEmpty {
            guard let decoded = Data(base64Encoded: base64) else {
                return .failure(DKIMSyntaxError("p= is not valid base64 (\(base64.count) characters)"))
            }
            keyData = [UInt8](decoded)
        }
        func values(_ name: String, separator: Character) -> [String]? {
            list[name].map { $0.split(separator: separator).map { DKIMTagList.trimmed($0).lowercased() }.filter { !$0.isEmpty } }
        }
        var record = DKIMKeyRecord(text: text, keyType: keyType, hashAlgorithms: values("h", separator: ":"),
                                   serviceTypes: values("s", separator: ":"), flags: values("t", separator: ":") ?? [],
                                   notes: list["n"], keyData: keyData, publicKey: nil, keyProblem: nil)
        if !keyData.isEmpty {
            switch DKIMPublicKey.read(keyData, type: keyType) {
            case .success(let key): record.publicKey = key
            case .failure(let error): record.keyProblem = error.message
            }
        }
        return .success(record)
    }

    /// A DKIM key record among the TXT strings at a name: the strings of each TXT record joined (RFC 6376
    /// section 3.6.2.2). Several records at one name are ambiguous; a receiver uses one of them, so the
    /// first that parses is taken and the caller is told how many there were.
    public static func select(_ texts: [String]) -> (record: Result<DKIMKeyRecord, DKIMSyntaxError>, count: Int)? {
        guard !texts.isEmpty else { return nil }
        let parsed = texts.map(parse)
        let first = parsed.first { if case .success = $0 { return true } else { return false } } ?? parsed[0]
        return (first, texts.count)
    }
}
