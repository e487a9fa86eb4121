import Alerting
import Foundation
import Mailbox
import Yams

extension MonitorLoader {
    /// Settings keys for the IMAP mailboxes reports arrive in (`ingest --mailboxes`, and the daemon).
    static let mailboxSettingsKeys = ["mailboxes"]
    static let mailboxKeys = ["url", "password", "done", "rejected", "interval", "ca_file", "batch", "timeout",
                              "connect_timeout"]

    /// `mailboxes: [{ url: imaps://dmarc@mail.example/INBOX, password: { env: NAME }, done: senderwatch/done,
    /// rejected: senderwatch/rejected, interval: 15m, ca_file: ca.pem }]`. See README, "Reports from a mailbox".
    static func parseMailboxSettings(_ entries: [String: Node], into settings: inout MonitorSettings, _ reader: YAMLReader) {
        guard let node = entries["mailboxes"] else { return }
        var seen: [String: String] = [:]
        for (index, item) in reader.list(node, "settings.mailboxes").enumerated() {
            let path = "settings.mailboxes[\(index)]"
            guard let mailbox = parseMailbox(item, path, reader) else { continue }
            if let earlier = seen[mailbox.url.key] {
                reader.problem(item, reader.join(path, "url"), "\(mailbox.url) is listed twice (first at \(earlier))")
                continue
            }
            seen[mailbox.url.key] = path
            settings.mailboxes.append(mailbox)
        }
    }

    static func parseMailbox(_ node: Node, _ path: String, _ reader: YAMLReader) -> MailboxSource? {
        guard let entries = reader.mapping(node, path, allowed: mailboxKeys) else { return nil }
        let before = reader.problems.count
        guard let urlNode = entries["url"], let text = reader.string(urlNode, reader.join(path, "url")) else {
            reader.problem(node, reader.join(path, "url"), "a mailbox needs url: such as imaps://dmarc@mail.example/INBOX")
            return nil
        }
        let url: IMAPURL
        do { url = try IMAPURL(parsing: text) } catch {
            reader.problem(urlNode, reader.join(path, "url"), error.message)
            return nil
        }
        var mailbox = MailboxSource(url: url, source: "\(reader.file):\(node.mark?.line ?? 1)")
        if let secret = entries["password"] {
            mailbox.password = AlertRoutesLoader.parseSecret(secret, reader.join(path, "password"), reader)
        } else {
            reader.problem(node, reader.join(path, "password"),
                           "a mailbox needs password: { env: NAME } or { file: PATH } (never the password itself)")
        }
        for (key, keyPath) in [("done", \MailboxSource.done), ("rejected", \MailboxSource.rejected)] {
            guard let value = entries[key], let text = reader.string(value, reader.join(path, key)) else { continue }
            do { mailbox[keyPath: keyPath] = try MailboxSource.Disposition(parsing: text) } catch {
                reader.problem(value, reader.join(path, key), error.message)
            }
        }
        if let value = entries["interval"], let text = reader.string(value, reader.join(path, "interval")) {
            // Seconds are allowed (down to 1s) for tests and demos against a local server, as for domains.
            if let seconds = parseDuration(text), seconds >= 1, seconds <= 7 * 86400 { mailbox.interval = seconds } else {
                reader.problem(value, reader.join(path, "interval"),
                               "expected a duration from 1s to 7d such as 15m or 1h, found \"\(text)\"")
            }
        }
        if let value = entries["ca_file"], let file = reader.string(value, reader.join(path, "ca_file")) {
            let base = (reader.file as NSString).deletingLastPathComponent
            mailbox.caFile = file.hasPrefix("/") || base.isEmpty ? file : (base as NSString).appendingPathComponent(file)
        }
        if let value = entries["batch"] {
            mailbox.batchSize = reader.int(value, reader.join(path, "batch"), range: 1...1000) ?? mailbox.batchSize
        }
        if let value = entries["timeout"] {
            mailbox.timeouts.total = AlertRoutesLoader.timeout(value, reader.join(path, "timeout"), reader) ?? mailbox.timeouts.total
        }
        if let value = entries["connect_timeout"] {
            mailbox.timeouts.connect = AlertRoutesLoader.timeout(value, reader.join(path, "connect_timeout"), reader)
                ?? mailbox.timeouts.connect
        }
        return reader.problems.count == before ? mailbox : nil
    }
}
