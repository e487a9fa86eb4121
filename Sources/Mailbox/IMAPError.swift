import CCurl

/// Why a mailbox could not be read. `temporary` failures (no connection, a timeout, a dropped connection) are
/// retried at the next run or interval; the others need the user (a refused login, an untrusted certificate,
/// a server without STARTTLS).
public struct IMAPError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case configuration, login, certificate, tls, connection, refused, mailboxChanged, messageGone
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }

    public var description: String { message }
    public var temporary: Bool { kind == .connection || kind == .mailboxChanged }

    /// The error for a failed libcurl transfer. `what` says what was being done ("login", "UID MOVE"), `detail`
    /// is libcurl's message, already scrubbed of the password.
    static func from(_ code: CURLcode, what: String, detail: String, url: IMAPURL, caFile: String?) -> IMAPError {
        let server = "\(url.authority)"
        switch code {
        case CURLE_LOGIN_DENIED:
            return IMAPError(.login, "\(server) refused the login of \(url.user): wrong user name or password (\(detail))")
        case CURLE_PEER_FAILED_VERIFICATION:
            return IMAPError(.certificate, "the certificate of \(server) is not trusted (\(detail)); "
                + (caFile.map { "it is not signed by the CA in \($0)" } ?? "give the CA that signed it with --ca-file or ca_file:"))
        case CURLE_SSL_CACERT_BADFILE:
            return IMAPError(.certificate, "cannot use the CA file \(caFile ?? "(system default)"): \(detail)")
        case CURLE_USE_SSL_FAILED:
            return IMAPError(.tls, "\(server) does not offer STARTTLS, and senderwatch never logs in without TLS: "
                + "use imaps:// if the server has implicit TLS (port 993), or enable STARTTLS on it (\(detail))")
        case CURLE_SSL_CONNECT_ERROR:
            return IMAPError(.tls, "TLS with \(server) failed: \(detail)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING,
             CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_WEIRD_SERVER_REPLY:
            return IMAPError(.connection, "\(what) on \(server): \(detail)")
        case CURLE_REMOTE_FILE_NOT_FOUND where detail.contains("UIDVALIDITY"):
            return IMAPError(.mailboxChanged, "\(url.mailbox) on \(server) changed its UIDVALIDITY during the run "
                + "(it was recreated); the next run starts it over")
        case CURLE_REMOTE_FILE_NOT_FOUND:
            return IMAPError(.messageGone, "\(what) on \(server): \(detail)")
        case CURLE_QUOTE_ERROR:
            return IMAPError(.refused, "\(server) refused \(what) (\(detail))")
        default:
            return IMAPError(.connection, "\(what) on \(server): \(detail)")
        }
    }
}
