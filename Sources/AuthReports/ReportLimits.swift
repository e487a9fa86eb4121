/// The resource limits that bound what one input may cost, whoever wrote it. Every default is far above what a
/// real reporter sends (the largest real aggregate reports seen hold a few hundred thousand records and a few
/// tens of megabytes of XML), so a limit is reached only by damage or by hostile input. A report past a limit
/// is rejected with a message naming the limit and its settings key (`ingest_limits.<key>`); the rest of the
/// batch goes on. Monitors/README.md documents the keys.
public struct ReportLimits: Hashable, Sendable {
    /// XML bytes of one report, whatever its container (`report_bytes`). The benchmark's one-million-record
    /// report is 683 MB.
    public var reportBytes: Int = 1 << 30
    /// Bytes one compressed report (a gzip stream or a zip entry) may inflate to (`inflated_bytes`).
    public var inflatedBytes: Int = 512 << 20
    /// Inflated bytes per compressed byte (`inflate_ratio`), checked once `ratioFloorBytes` are out. Real
    /// reports compress 15 to 35 times, a very repetitive one about 100 times; deflate's ceiling is about 1,030.
    public var inflateRatio: Int = 200
    /// Nesting depth of XML elements, wrappers included (`element_depth`). The schemas nest five deep.
    public var elementDepth: Int = 32
    /// Bytes of one tag with its attributes, or of one comment, processing instruction or DOCTYPE
    /// (`element_bytes`).
    public var elementBytes: Int = 64 << 10
    /// Bytes of the text of one element, CDATA included (`text_bytes`).
    public var textBytes: Int = 1 << 20
    /// `<record>` elements in one report (`records`).
    public var records: Int = 2_000_000
    /// Bytes of one e-mail message or mbox file, read whole to see its MIME structure (`message_bytes`).
    public var messageBytes: Int = 256 << 20
    /// Nesting of multiparts and attached messages (`mime_depth`).
    public var mimeDepth: Int = 8
    /// Body parts of one message, all levels together (`mime_parts`).
    public var mimeParts: Int = 256
    /// Messages of one mbox file (`mbox_messages`).
    public var mboxMessages: Int = 100_000
    /// Bytes of one header section, of a message or of a body part (`header_bytes`).
    public var headerBytes: Int = 1 << 20
    /// Entries of one zip archive, read or skipped (`zip_entries`).
    public var zipEntries: Int = 64
    /// Bytes of one zip entry, as its header declares them or as they stream by (`zip_entry_bytes`).
    public var zipEntryBytes: Int = 512 << 20
    /// Bytes of one SMTP TLS report's JSON (`tlsrpt_bytes`), read whole: real ones are a few kilobytes.
    public var tlsReportBytes: Int = 64 << 20
    /// A smaller window than this proves nothing about the inflate ratio (headers, tiny reports).
    public static let ratioFloorBytes = 4 << 20

    public init() {}

    /// The settings key of each limit, with its value: for messages and for the settings reader.
    public static var keys: [(key: String, path: WritableKeyPath<ReportLimits, Int>)] { [
        ("report_bytes", \.reportBytes), ("inflated_bytes", \.inflatedBytes), ("inflate_ratio", \.inflateRatio),
        ("element_depth", \.elementDepth), ("element_bytes", \.elementBytes), ("text_bytes", \.textBytes),
        ("records", \.records), ("message_bytes", \.messageBytes), ("mime_depth", \.mimeDepth),
        ("mime_parts", \.mimeParts), ("mbox_messages", \.mboxMessages), ("header_bytes", \.headerBytes),
        ("zip_entries", \.zipEntries),
        ("zip_entry_bytes", \.zipEntryBytes), ("tlsrpt_bytes", \.tlsReportBytes),
    ] }

    /// The error for input past the limit `key`: what was found, the limit, and where to raise it.
    static func exceeded(_ key: String, _ what: String, limit: Int) -> ReportError {
        ReportError(.limitExceeded, "\(what): the limit is \(limit) (settings ingest_limits.\(key))")
    }
}
