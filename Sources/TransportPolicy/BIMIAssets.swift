import DNSCore
import Foundation
import X509

/// The mark certificate a BIMI record may point to (a PEM chain whose leaf names the domain), and where a
/// record's URLs lead. What receivers do with the certificate's issuer is theirs. The logo is `BIMILogo`.
public enum BIMIAssets {
    public static let maximumCertificateBytes = 65_536

    /// The leaf of a mark certificate chain: its end of validity, its DNS names, and what is wrong for `domain`.
    public struct MarkCertificate: Sendable, Hashable {
        public var notValidAfter: Int64
        public var notValidBefore: Int64
        public var names: [String]
        public var problems: [String]
    }

    public static func markCertificate(_ bytes: [UInt8], domain: DomainName) -> Result<MarkCertificate, PolicySyntaxError> {
        guard bytes.count <= maximumCertificateBytes else {
            return .failure(PolicySyntaxError("the certificate file is \(bytes.count) bytes; at most \(maximumCertificateBytes)"))
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let begin = text.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = text.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<text.endIndex) else {
            return .failure(PolicySyntaxError("no PEM certificate in the file"))
        }
        let leaf: Certificate
        do { leaf = try Certificate(pemEncoded: String(text[begin.lowerBound..<end.upperBound])) } catch {
            return .failure(PolicySyntaxError("the first certificate cannot be read: \(error)"))
        }
        var names: [String] = []
        if let san = try? leaf.extensions.subjectAlternativeNames {
            for name in san { if case .dnsName(let dns) = name { names.append(dns.lowercased()) } }
        }
        var problems: [String] = []
        if !names.contains(domain.key) && !names.contains("*." + (domain.parent?.key ?? "")) {
            problems.append("the certificate names \(names.isEmpty ? "no domain" : names.joined(separator: ", ")), not \(domain.key)")
        }
        return .success(MarkCertificate(notValidAfter: Int64(leaf.notValidAfter.timeIntervalSince1970),
                                        notValidBefore: Int64(leaf.notValidBefore.timeIntervalSince1970),
                                        names: names, problems: problems))
    }

    /// The host and path of an https URL, or nil.
    public static func location(_ url: String) -> (host: DomainName, path: String)? {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
              let host = components.host, let name = try? DomainName(host), components.port == nil || components.port == 443 else { return nil }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        return (name, path + (components.percentEncodedQuery.map { "?" + $0 } ?? ""))
    }
}
