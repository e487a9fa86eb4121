/// The MTA-STS TXT record at `_mta-sts.DOMAIN` (RFC 8461 section 3.1): `v=STSv1; id=...`. The id tells
/// senders that the policy changed; it is 1 to 32 letters and digits.
public struct MTASTSRecord: Sendable, Hashable {
    public var text: String
    public var id: String

    public static func parse(_ text: String) -> Result<MTASTSRecord, PolicySyntaxError> {
        switch PolicyTagRecord.parse(text, version: "STSv1") {
        case .failure(let error): return .failure(error)
        case .success(let record):
            guard let id = record["id"] else { return .failure(PolicySyntaxError("no id= field (1 to 32 letters and digits)")) }
            guard (1...32).contains(id.count), id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }) else {
                return .failure(PolicySyntaxError("id=\(id.prefix(40)) is not 1 to 32 letters and digits"))
            }
            return .success(MTASTSRecord(text: text, id: id))
        }
    }

    /// RFC 8461 section 3.1: records that do not begin with `v=STSv1` are discarded; other than exactly one
    /// left, or one that does not parse, means the domain has no usable policy.
    public static func select(_ texts: [String]) -> Result<MTASTSRecord, PolicySyntaxError>? {
        PolicyTagRecord.selectOne(texts, version: "STSv1", readers: "senders", parse)
    }
}
