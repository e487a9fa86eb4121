/// A BIMI assertion record at `SELECTOR._bimi.DOMAIN` (`default` unless a selector is named):
/// `v=BIMI1; l=https://.../logo.svg; a=https://.../vmc.pem`. Both `l=` and `a=` empty is a declination.
public struct BIMIRecord: Sendable, Hashable {
    public var text: String
    /// The logo's HTTPS URL, nil when empty.
    public var logo: String?
    /// The mark certificate's HTTPS URL, nil when empty or absent.
    public var authority: String?

    public var isDeclination: Bool { logo == nil && authority == nil }

    public static func parse(_ text: String) -> Result<BIMIRecord, PolicySyntaxError> {
        switch PolicyTagRecord.parse(text, version: "BIMI1") {
        case .failure(let error): return .failure(error)
        case .success(let record):
            guard let l = record["l"] else { return .failure(PolicySyntaxError("no l= field (the logo's https URL, or empty to decline)")) }
            func url(_ value: String?, _ tag: String) -> Result<String?, PolicySyntaxError> {
                guard let value, !value.isEmpty else { return .success(nil) }
                guard value.lowercased().hasPrefix("https://"), value.count > 8, !value.contains(",") else {
                    return .failure(PolicySyntaxError("\(tag)=\(value.prefix(60)) is not one https:// URL"))
                }
                return .success(value)
            }
            switch (url(l, "l"), url(record["a"], "a")) {
            case (.failure(let e), _), (_, .failure(let e)): return .failure(e)
            case (.success(let logo), .success(let authority)):
                if let logo, !logo.lowercased().hasSuffix(".svg") {
                    return .failure(PolicySyntaxError("l=\(logo.prefix(60)) does not name an SVG file"))
                }
                return .success(BIMIRecord(text: text, logo: logo, authority: authority))
            }
        }
    }

    public static func select(_ texts: [String]) -> Result<BIMIRecord, PolicySyntaxError>? {
        PolicyTagRecord.selectOne(texts, version: "BIMI1", readers: "", parse)
    }
}
