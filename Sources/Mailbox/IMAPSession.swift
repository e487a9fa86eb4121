import Alerting
import CCurl
import Foundation

/// One IMAP connection through libcurl's IMAP (RFC 9051): every call is a transfer on the same easy handle, so
/// they share one TLS connection and one login. Custom commands return their untagged responses; messages
/// come from libcurl's own `UID FETCH` (a `;UID=` URL), which reads the literal exactly. Each mailbox URL
/// carries the UIDVALIDITY read at the start, so libcurl refuses to act on a mailbox that was recreated since.
final class IMAPSession {
    let url: IMAPURL
    private let curl: CurlEasy
    private let password: String
    private let caFile: String?
    private var separatorCache: Character??
    private var capabilityCache: Set<String>?
    /// The most a listing answer may hold (about 40 bytes a message).
    static let listingLimit = 256 << 20

    init(url: IMAPURL, password: String, caFile: String?, timeouts: DeliveryTimeouts) throws {
        guard let curl = CurlEasy() else { throw IMAPError(.configuration, "cannot initialise libcurl") }
        self.url = url
        self.curl = curl
        self.password = password
        self.caFile = caFile
        curl.set(CURLOPT_PROTOCOLS_STR, "imap,imaps")
        // imap:// must upgrade with STARTTLS or fail; imaps:// is TLS from the start either way.
        curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        curl.set(CURLOPT_USERNAME, url.user)
        curl.set(CURLOPT_PASSWORD, password)
        curl.tls(verify: true, caFile: caFile)
        curl.timeouts(timeouts)
    }

    struct Status {
        var uidValidity: Int64
        var uidNext: Int64?
        var messages: Int64?
    }

    /// STATUS (RFC 9051 section 6.3.11), which needs no SELECT: the mailbox's UIDVALIDITY and UIDNEXT.
    func status() throws -> Status {
        let lines = try command("STATUS \(IMAPResponse.quoted(url.mailbox)) (UIDVALIDITY UIDNEXT MESSAGES)", what: "STATUS")
        let values = IMAPResponse.status(lines)
        guard let validity = values["UIDVALIDITY"] else {
            throw IMAPError(.refused, "\(url.authority) sent no UIDVALIDITY for \(url.mailbox) (answer: \(lines.prefix(3)))")
        }
        return Status(uidValidity: validity, uidNext: values["UIDNEXT"], messages: values["MESSAGES"])
    }

    /// The messages whose UID is above `after` and below `uidNext`, with their sizes, in UID order. libcurl
    /// counts a command's untagged answers as response headers, which it caps (about 300 KB), so the range is
    /// listed in windows of UIDs: small ones where messages are, doubling across gaps left by expunged ones.
    /// (`N:*` also names the last message when none is above N, RFC 9051 section 6.4.9: hence the filter.)
    func messages(after: Int64, uidNext: Int64?, uidValidity: Int64) throws -> [(uid: Int64, size: Int64)] {
        guard let uidNext else {
            let lines = try command("UID FETCH \(after + 1):* (UID RFC822.SIZE)", what: "UID FETCH (listing)",
                                    uidValidity: uidValidity, limit: Self.listingLimit)
            return IMAPResponse.sizes(lines).filter { $0.uid > after }.sorted { $0.uid < $1.uid }
        }
        var found: [(uid: Int64, size: Int64)] = []
        var start = after + 1
        var window = Self.listingWindow
        while start < uidNext {
            let end = min(start + window - 1, uidNext - 1)
            let lines = try command("UID FETCH \(start):\(end) (UID RFC822.SIZE)", what: "UID FETCH (listing)",
                                    uidValidity: uidValidity, limit: Self.listingLimit)
            let sizes = IMAPResponse.sizes(lines).filter { $0.uid >= start && $0.uid <= end }
            found += sizes
            window = sizes.isEmpty ? min(window * 2, 1 << 24) : Self.listingWindow
            start = end + 1
        }
        return found.sorted { $0.uid < $1.uid }
    }

    /// UIDs per listing or per MOVE / STORE command: their answers (a line a message) stay under libcurl's cap.
    static let listingWindow: Int64 = 100

    enum Fetched {
        case message([UInt8])
        case tooLarge
        case gone
    }

    /// One whole message (`UID FETCH uid BODY[]`, which also sets `\Seen`), at most `limit` bytes.
    func fetch(uid: Int64, uidValidity: Int64, limit: Int) throws -> Fetched {
        curl.clear(CURLOPT_CUSTOMREQUEST)
        curl.set(CURLOPT_URL, url.curlURL(mailbox: true, uidValidity: uidValidity, uid: uid))
        do {
            return .message(try perform(what: "UID FETCH \(uid)", limit: limit, abortPastLimit: true))
        } catch let error as IMAPError where error.kind == .messageGone {
            return .gone
        } catch {
            if curl.transfer.overflowed { return .tooLarge }
            throw error
        }
    }

    /// Moves messages (RFC 6851); without MOVE, copies them, flags the originals `\Deleted` and expunges
    /// exactly those (UIDPLUS's UID EXPUNGE), or leaves them flagged when the server lacks that too. UIDs that
    /// are gone already are no error, so moving again after an interruption is harmless.
    func move(_ uids: [Int64], to folder: String, uidValidity: Int64) throws {
        let target = IMAPResponse.quoted(try serverName(folder))
        for chunk in Self.chunks(uids) {
            let set = IMAPResponse.uidSet(chunk)
            if try capabilities().contains("MOVE") {
                _ = try command("UID MOVE \(set) \(target)", what: "UID MOVE", uidValidity: uidValidity)
                continue
            }
            _ = try command("UID COPY \(set) \(target)", what: "UID COPY", uidValidity: uidValidity)
            _ = try command("UID STORE \(set) +FLAGS.SILENT (\\Deleted)", what: "UID STORE", uidValidity: uidValidity)
            if try capabilities().contains("UIDPLUS") {
                _ = try command("UID EXPUNGE \(set)", what: "UID EXPUNGE", uidValidity: uidValidity)
            }
        }
    }

    func markSeen(_ uids: [Int64], uidValidity: Int64) throws {
        for chunk in Self.chunks(uids) {
            _ = try command("UID STORE \(IMAPResponse.uidSet(chunk)) +FLAGS.SILENT (\\Seen)", what: "UID STORE",
                            uidValidity: uidValidity)
        }
    }

    /// Creates the folder (and its parents, RFC 9051 section 6.3.4) unless LIST finds it.
    func ensureFolder(_ folder: String) throws {
        let name = IMAPResponse.quoted(try serverName(folder))
        let found = try command("LIST \"\" \(name)", what: "LIST")
        guard !IMAPResponse.listsMailbox(found) else { return }
        _ = try command("CREATE \(name)", what: "CREATE \(folder)")
    }

    /// A folder written with `/` between levels, in the server's separator (`LIST "" ""`).
    func serverName(_ folder: String) throws -> String {
        if separatorCache == nil {
            separatorCache = IMAPResponse.separator(try command("LIST \"\" \"\"", what: "LIST")) ?? .some("/")
        }
        guard let separator = separatorCache ?? nil, separator != "/" else { return folder }
        return folder.replacingOccurrences(of: "/", with: String(separator))
    }

    func capabilities() throws -> Set<String> {
        if let capabilityCache { return capabilityCache }
        let found = IMAPResponse.capabilities(try command("CAPABILITY", what: "CAPABILITY"))
        capabilityCache = found
        return found
    }

    /// A command libcurl does not model, sent as CURLOPT_CUSTOMREQUEST: on the mailbox (selected first, with
    /// its UIDVALIDITY checked) when `uidValidity` is given, else on the server.
    private func command(_ text: String, what: String, uidValidity: Int64? = nil,
                         limit: Int = 1 << 20) throws -> [String] {
        curl.set(CURLOPT_URL, url.curlURL(mailbox: uidValidity != nil, uidValidity: uidValidity))
        curl.set(CURLOPT_CUSTOMREQUEST, text)
        return IMAPResponse.lines(try perform(what: what, limit: limit, abortPastLimit: false))
    }

    private func perform(what: String, limit: Int, abortPastLimit: Bool) throws -> [UInt8] {
        let transfer = curl.transfer
        transfer.response = []
        transfer.responseLimit = limit
        transfer.abortPastLimit = abortPastLimit
        transfer.overflowed = false
        defer { transfer.response = [] }
        if let failure = curl.perform() {
            if transfer.overflowed { throw IMAPError(.refused, "\(what): the answer is larger than \(limit) bytes") }
            let detail = RedactedURL.scrub(failure.message, secrets: [password])
            throw IMAPError.from(curl.lastCode, what: what, detail: detail, url: url, caFile: caFile)
        }
        return transfer.response
    }

    private static func chunks(_ uids: [Int64]) -> [[Int64]] {
        let size = Int(listingWindow)
        return stride(from: 0, to: uids.count, by: size).map { Array(uids[$0..<min($0 + size, uids.count)]) }
    }
}
