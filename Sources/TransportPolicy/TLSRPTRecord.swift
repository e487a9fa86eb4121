/// The SMTP TLS Reporting record at `_smtp._tls.DOMAIN` (RFC 8460 section 3): `v=TLSRPTv1; rua=URI,URI`,
/// each URI `mailto:` or `https:`.
public struct TLSRPTRecord: Sendable, Hashable {
    public var text: String
    public var rua: [String]

    public static func parse(_ text: String) -> Result<TLSRPTRecord, PolicySyntaxError> {
        switch PolicyTagRecord.parse(text, version: "TLSRPTv1") {
        case .failure(let error): return .failure(error)
        case .success(let record):
            guard let value = record["rua"], !value.isEmpty else {
                return .failure(PolicySyntaxError("no rua= field: reports have nowhere to go"))
            }
            let uris = value.split(separator: ",").map { $0.trimmingSpaces }
            guard uris.count <= 10 else { return .failure(PolicySyntaxError("\(uris.count) rua URIs; at most 10 are read")) }
            for uri in uris {
                let lower = uri.lowercased()
                if uri.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F || "<>\"{}|\\^`".unicodeScalars.contains($0) }) {
                    return .failure(PolicySyntaxError("rua \(uri.prefix(60)) holds characters a URI cannot hold"))
                }
                if lower.hasPrefix("mailto:"), uri.contains("@"), uri.count > 8 { continue }
                if lower.hasPrefix("https://"), uri.count > 8 { continue }
                return .failure(PolicySyntaxError("rua \(uri.prefix(60)) is neither mailto:ADDRESS nor https://URL"))
            }
            return .success(TLSRPTRecord(text: text, rua: uris))
        }
    }

    /// Records not beginning with `v=TLSRPTv1` are ignored; more than one left is an error for the sender.
    public static func select(_ texts: [String]) -> Result<TLSRPTRecord, PolicySyntaxError>? {
        PolicyTagRecord.selectOne(texts, version: "TLSRPTv1", readers: "reporters", parse)
    }
}
