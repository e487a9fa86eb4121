import Alerting
import Foundation

/// One mailbox to read reports from: `ingest --imap`, or an entry of the settings' `mailboxes:` list.
public struct MailboxSource: Sendable, Hashable {
    /// What becomes of a message once it is processed: flagged `\Seen` where it is, or moved to a folder
    /// (RFC 6851 MOVE; the folder is created when missing). Folder names use `/` between levels, translated
    /// to the server's own hierarchy separator.
    public enum Disposition: Sendable, Hashable, CustomStringConvertible {
        case seen
        case move(String)

        public static let seenText = "\\Seen"

        /// `\Seen`, or a folder name (ASCII, without the IMAP wildcards `*` and `%` or quotes).
        public init(parsing text: String) throws(IMAPURLError) {
            let name = text.trimmingCharacters(in: .whitespaces)
            if name.caseInsensitiveCompare(Self.seenText) == .orderedSame {
                self = .seen
                return
            }
            guard !name.isEmpty, !name.hasPrefix("/"), !name.hasSuffix("/"), !name.contains("//"),
                  name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F }),
                  !name.contains(where: { "*%\"\\".contains($0) }) else {
                throw IMAPURLError("expected \\Seen or a folder name such as senderwatch/done (ASCII, levels "
                    + "separated by /, no * % \" or \\), found \"\(text)\"")
            }
            self = .move(name)
        }

        public var description: String {
            switch self {
            case .seen: Self.seenText
            case .move(let folder): folder
            }
        }
    }

    public static let defaultDone = Disposition.move("senderwatch/done")
    public static let defaultRejected = Disposition.move("senderwatch/rejected")
    public static let defaultInterval = 900
    public static let defaultBatchSize = 50

    public var url: IMAPURL
    public var password: SecretRef?
    public var done: Disposition
    public var rejected: Disposition
    /// Seconds between fetches in the daemon.
    public var interval: Int
    /// A CA bundle (PEM) to trust instead of the system's, for a private CA.
    public var caFile: String?
    /// Messages fetched and committed together.
    public var batchSize: Int
    public var timeouts: Alerting.DeliveryTimeouts
    /// Where the settings define it (`file:line`), for messages.
    public var source: String?

    public init(url: IMAPURL, password: SecretRef? = nil, done: Disposition = defaultDone,
                rejected: Disposition = defaultRejected, interval: Int = defaultInterval, caFile: String? = nil,
                batchSize: Int = defaultBatchSize, timeouts: Alerting.DeliveryTimeouts = .init(connect: 15, total: 300),
                source: String? = nil) {
        self.url = url; self.password = password; self.done = done; self.rejected = rejected
        self.interval = interval; self.caFile = caFile; self.batchSize = batchSize; self.timeouts = timeouts
        self.source = source
    }
}
