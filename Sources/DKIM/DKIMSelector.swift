import DNSCore

/// DKIM selectors (RFC 6376 section 3.1): dot-separated labels of letters, digits and inner hyphens, the
/// name of a key under `_domainkey` of the signing domain.
public enum DKIMSelector {
    /// The selector canonicalised (lower-cased), or what is wrong with it.
    public static func validated(_ text: String) -> Result<String, DKIMSyntaxError> {
        let selector = text.lowercased()
        guard !selector.isEmpty else { return .failure(DKIMSyntaxError("a selector cannot be empty")) }
        guard selector.utf8.count <= 200 else {
            return .failure(DKIMSyntaxError("selector \"\(DKIMTagList.shown(text))\" is \(selector.utf8.count) characters long; at most 200"))
        }
        for label in selector.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count <= 63,
                  bytes.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }),
                  bytes.first != 0x2D, bytes.last != 0x2D else {
                return .failure(DKIMSyntaxError("\"\(DKIMTagList.shown(text))\" is not a DKIM selector (expected labels of "
                    + "letters, digits and inner hyphens separated by dots, such as s1 or selector1.2024)"))
            }
        }
        return .success(selector)
    }

    /// Where the key of `selector` for signing domain `domain` is published: `selector._domainkey.domain`.
    public static func keyName(selector: String, domain: DomainName) -> DomainName? {
        try? DomainName("\(selector)._domainkey.\(domain.text)")
    }
}
