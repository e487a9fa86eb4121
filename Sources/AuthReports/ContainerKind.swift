/// The container of a report, told by its first bytes, never by a file name.
public enum ContainerKind: String, Hashable, Sendable {
    case xml, gzip, zip, email, mbox, unknown, empty
    /// A JSON object: an SMTP TLS report (RFC 8460).
    case json

    public static func detect(_ prefix: some Collection<UInt8>) -> ContainerKind {
        let bytes = Array(prefix.prefix(512))
        if bytes.isEmpty { return .empty }
        if bytes.starts(with: [0x1F, 0x8B]) { return .gzip }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if bytes.starts(with: Array("From ".utf8)) { return .mbox }
        var content = bytes[...]
        if content.starts(with: [0xEF, 0xBB, 0xBF]) { content = content.dropFirst(3) }
        let trimmed = content.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if trimmed.first == UInt8(ascii: "<") { return .xml }
        if trimmed.first == UInt8(ascii: "{") { return .json }
        if trimmed.isEmpty { return bytes.count < 512 ? .empty : .unknown }
        return looksLikeHeaderField(content) ? .email : .unknown
    }

    /// An RFC 5322 field name (printable ASCII but the colon) followed by a colon, on the first line.
    private static func looksLikeHeaderField(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > bytes.startIndex else { return false }
        return bytes[..<colon].allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
