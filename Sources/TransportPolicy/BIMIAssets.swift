import DNSCore
import Foundation
import X509

/// The two files a BIMI record points to: the logo (an SVG in the SVG Tiny Portable/Secure profile) and,
/// optionally, the mark certificate (a PEM chain whose leaf names the domain). The checks are the basics
/// receivers enforce before they show a logo; what they do with the certificate's issuer is theirs.
public enum BIMIAssets {
    /// The largest logo read: the BIMI group recommends at most 32 KiB.
    public static let maximumLogoBytes = 32_768
    public static let maximumCertificateBytes = 65_536

    /// What is wrong with an SVG logo for BIMI, empty when nothing is.
    public static func logoProblems(_ bytes: [UInt8]) -> [String] {
        guard bytes.count <= maximumLogoBytes else { return ["the logo is \(bytes.count) bytes; at most \(maximumLogoBytes)"] }
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        guard let start = text.range(of: "<svg") else { return ["the file is not an SVG document (no <svg> element)"] }
        let root = text[start.lowerBound...].prefix { $0 != ">" }
        var problems: [String] = []
        if !(root.contains("baseprofile=\"tiny-ps\"") || root.contains("baseprofile='tiny-ps'")) {
            problems.append("the <svg> element lacks baseProfile=\"tiny-ps\" (SVG Tiny Portable/Secure)")
        }
        if !(root.contains("version=\"1.2\"") || root.contains("version='1.2'")) {
            problems.append("the <svg> element lacks version=\"1.2\"")
        }
        if !text.contains("<title") { problems.append("no <title> element (the profile requires one)") }
        if text.contains("<script") { problems.append("a <script> element (scripts are not allowed)") }
        if text.contains("<foreignobject") { problems.append("a <foreignObject> element (not allowed)") }
        if text.contains("<image") { problems.append("an embedded or linked raster <image> (not allowed)") }
        for reference in ["href=\"http", "href='http", "url(http", "href=\"//", "href='//"] where text.contains(reference) {
            problems.append("an external reference (\(reference)...): the logo must be self-contained")
            break
        }
        if text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) != nil {
            problems.append("an event attribute (on...=): scripts are not allowed")
        }
        return problems
    }

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
