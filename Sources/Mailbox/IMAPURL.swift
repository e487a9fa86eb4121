import Foundation

/// An IMAP mailbox URL, the part of RFC 5092 that names a mailbox: `imaps://user@host[:port]/MAILBOX` (TLS from
/// the first byte, RFC 8314) or `imap://user@host[:port]/MAILBOX` (STARTTLS, RFC 9051 section 6.2.1, which
/// senderwatch requires: it never logs in over cleartext). The mailbox defaults to INBOX. A password in the URL
/// is refused: it comes from an environment variable or a file.
public struct IMAPURL: Sendable, Hashable, CustomStringConvertible {
    public enum Security: String, Sendable, Hashable {
        case implicitTLS = "imaps"
        case startTLS = "imap"
    }

    public let security: Security
    public let user: String
    public let host: String
    public let port: Int?
    public let mailbox: String

    public init(parsing text: String) throws(IMAPURLError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw IMAPURLError("\"\(Self.shown(text))\" is not a URL; expected imaps://user@host/INBOX or imap://user@host/INBOX")
        }
        guard let security = Security(rawValue: scheme) else {
            throw IMAPURLError("\(scheme):// is not an IMAP URL; expected imaps:// (TLS) or imap:// (STARTTLS)")
        }
        guard components.password == nil else {
            throw IMAPURLError("the URL holds a password; never write it there: give it by reference "
                + "(--password-env NAME or --password-file PATH, or password: { env: NAME } in the settings)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw IMAPURLError("\(Self.shown(text)) names no user; expected \(scheme)://user@host/INBOX")
        }
        guard let host = components.host, !host.isEmpty else {
            throw IMAPURLError("\(Self.shown(text)) names no host; expected \(scheme)://user@host/INBOX")
        }
        guard components.query == nil, components.fragment == nil, !components.percentEncodedPath.contains(";") else {
            throw IMAPURLError("\(Self.shown(text)): expected a mailbox URL without ;UID=, ?query or #fragment parts")
        }
        var mailbox = components.path
        while mailbox.hasPrefix("/") { mailbox.removeFirst() }
        while mailbox.hasSuffix("/") { mailbox.removeLast() }
        self.security = security
        self.user = user
        self.host = host.lowercased()
        self.port = components.port
        self.mailbox = mailbox.isEmpty ? "INBOX" : mailbox
    }

    /// `imaps://user@host[:port]/MAILBOX`, as printed and stored.
    public var description: String { "\(security.rawValue)://\(Self.encoded(user))@\(authority)/\(Self.encoded(mailbox))" }

    /// The mailbox's identity in the database: user, server and mailbox (not the scheme: imap and imaps reach
    /// the same mailbox).
    public var key: String { "\(user)@\(authority)/\(mailbox)" }

    var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(name):\($0)" } ?? name
    }

    /// Where a message is, for output (RFC 5092's `;UIDVALIDITY=` and `;UID=`).
    public func location(uidValidity: Int64, uid: Int64) -> String { "\(self);UIDVALIDITY=\(uidValidity)/;UID=\(uid)" }

    /// The URL handed to libcurl: without the user (given as CURLOPT_USERNAME); for the mailbox, with the
    /// UIDVALIDITY libcurl must find when it selects it (or the transfer fails), and optionally a message.
    func curlURL(mailbox: Bool, uidValidity: Int64? = nil, uid: Int64? = nil) -> String {
        var url = "\(security.rawValue)://\(authority)/"
        guard mailbox else { return url }
        url += Self.encoded(self.mailbox)
        if let uidValidity { url += ";UIDVALIDITY=\(uidValidity)" }
        if let uid { url += "/;UID=\(uid)" }
        return url
    }

    static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ";@?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A URL for a message: its userinfo (which may hold a password) left out.
    static func shown(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else { return text }
        return String(text[..<scheme.upperBound]) + "***" + text[at...]
    }
}

public struct IMAPURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
