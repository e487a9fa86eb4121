import CLDNS
import DNSCore
import Foundation

/// The trust anchors validation starts from: DS or DNSKEY records in presentation form (RFC 4034 sections 2.2
/// and 5.3), as in a root-anchors file or the output of `ldns-keygen` / `ldns-key2ds`.
public struct DNSSECTrustAnchors: Sendable {
    /// Each anchor record's presentation text, as libldns reads it back.
    let records: [String]
    /// Owners of the anchors, lower-cased, with a trailing dot.
    let owners: Set<String>

    /// The root zone's key-signing keys (KSK-2017, tag 20326, and KSK-2024, tag 38696) as DS records, as IANA
    /// publishes them at https://data.iana.org/root-anchors/root-anchors.xml.
    public static let root = try! DNSSECTrustAnchors(text: """
        . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
        . IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
        """, source: "the built-in root anchors")

    /// The most anchor records one file may hold.
    public static let maximumRecords = 64

    /// Reads anchors from `text`: one DS or DNSKEY record per line; blank lines and `;` comments are skipped.
    public init(text: String, source: String) throws(ResolverConfigurationError) {
        LDNSRuntime.prepare()
        var records: [String] = []
        var owners: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard records.count < Self.maximumRecords else {
                throw ResolverConfigurationError("\(source): more than \(Self.maximumRecords) trust anchors")
            }
            var rr: UnsafeMutablePointer<ldns_rr>?
            let status = ldns_rr_new_frm_str(&rr, line, 0, nil, nil)
            guard status == LDNS_STATUS_OK, let rr else {
                let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
                throw ResolverConfigurationError("\(source) line \(index + 1): not a DS or DNSKEY record (\(text)): \(line.prefix(80))")
            }
            defer { ldns_rr_free(rr) }
            let type = ldns_rr_get_type(rr)
            guard type == LDNS_RR_TYPE_DS || type == LDNS_RR_TYPE_DNSKEY else {
                throw ResolverConfigurationError("\(source) line \(index + 1): expected a DS or DNSKEY record, found another type")
            }
            guard let text = DNSSECRecords.text(rr), let owner = ldns_rr_owner(rr).flatMap(DNSSECRecords.nameText) else {
                throw ResolverConfigurationError("\(source) line \(index + 1): libldns cannot print the record back")
            }
            records.append(text)
            owners.insert(owner)
        }
        guard !records.isEmpty else {
            throw ResolverConfigurationError("\(source): no DS or DNSKEY record; expected lines such as \". IN DS 20326 8 2 E06D...\"")
        }
        self.records = records
        self.owners = owners
    }

    /// Reads an anchors file.
    public init(file path: String) throws(ResolverConfigurationError) {
        let text: String
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > 1 << 20 {
                throw ResolverConfigurationError("trust anchor file \(path) is larger than 1 MiB")
            }
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch let error as ResolverConfigurationError {
            throw error
        } catch {
            throw ResolverConfigurationError("cannot read trust anchor file \(path): \(error.localizedDescription)")
        }
        try self.init(text: text, source: "trust anchor file \(path)")
    }
}
