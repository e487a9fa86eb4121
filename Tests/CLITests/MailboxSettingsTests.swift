import Foundation
@testable import Mailbox
import MonitorConfig
import Testing

/// Mailbox URLs, the untagged IMAP answers read from libcurl, and the settings' `mailboxes:` list with its
/// located errors. Cases written from RFC 5092 (URL form), RFC 9051 section 7 (responses) and the settings
/// format in README.
@Suite struct MailboxSettingsTests {
    static let urls: [(text: String, shown: String?, key: String?, problem: String?)] = [
        ("imaps://dmarc@mail.example/INBOX", "imaps://dmarc@mail.example/INBOX", "dmarc@mail.example/INBOX", nil),
        ("imap://dmarc@Mail.Example:143/", "imap://dmarc@mail.example:143/INBOX", "dmarc@mail.example:143/INBOX", nil),
        ("imaps://dmarc%40example.com@mail.example/Reports/DMARC", "imaps://dmarc%40example.com@mail.example/Reports/DMARC",
         "dmarc@example.com@mail.example/Reports/DMARC", nil),
        ("imaps://dmarc:hunter2@mail.example/INBOX", nil, nil, "the URL holds a password"),
        ("https://dmarc@mail.example/INBOX", nil, nil, "https:// is not an IMAP URL"),
        ("imaps://mail.example/INBOX", nil, nil, "names no user"),
        ("imaps://dmarc@mail.example/INBOX;UID=5", nil, nil, "without ;UID="),
    ]

    @Test(arguments: urls) func parsesMailboxURLs(_ entry: (text: String, shown: String?, key: String?, problem: String?)) {
        do {
            let url = try IMAPURL(parsing: entry.text)
            #expect(entry.problem == nil, "accepted \(entry.text)")
            #expect(url.description == entry.shown)
            #expect(url.key == entry.key)
        } catch {
            #expect(entry.problem.map { error.message.contains($0) } == true, "\(error.message)")
            #expect(!error.message.contains("hunter2"))
        }
    }

    @Test func readsUntaggedAnswers() {
        let status = IMAPResponse.status(IMAPResponse.lines(Array("* STATUS INBOX (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 1796227831)\r\n".utf8)))
        #expect(status == ["MESSAGES": 3, "UIDNEXT": 4, "UIDVALIDITY": 1796227831])
        let sizes = IMAPResponse.sizes(["* 1 FETCH (UID 7 RFC822.SIZE 35)", "* 2 FETCH (RFC822.SIZE 40 UID 9)", "* 3 EXPUNGE"])
        #expect(sizes.map(\.uid) == [7, 9] && sizes.map(\.size) == [35, 40])
        #expect(IMAPResponse.separator(["* LIST (\\Noselect) \"/\" \"\""]) == .some("/"))
        #expect(IMAPResponse.separator(["* LIST (\\Noselect) \".\" \"\""]) == .some("."))
        #expect(IMAPResponse.separator(["* LIST (\\Noselect) NIL \"\""]) == .some(nil))
        #expect(IMAPResponse.uidSet([9, 3, 4, 5, 12, 13, 7, 5]) == "3:5,7,9,12:13")
        #expect(IMAPResponse.capabilities(["* CAPABILITY IMAP4rev1 move UIDPLUS"]) == ["IMAP4REV1", "MOVE", "UIDPLUS"])
    }

    static func load(_ yaml: String) throws -> (MonitorConfiguration?, String) {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("settings.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        do { return (try MonitorLoader.load(paths: [file.path]), "") } catch {
            return (nil, error.description.replacingOccurrences(of: file.path, with: "settings.yaml"))
        }
    }

    @Test func loadsMailboxSettings() throws {
        let (loaded, problems) = try Self.load("""
            settings:
              mailboxes:
                - url: imaps://dmarc@mail.example/INBOX
                  password: { env: DMARC_IMAP_PASSWORD }
                  done: \\Seen
                  rejected: Reports/rejected
                  interval: 5m
                  ca_file: ca.pem
                  batch: 20
            """)
        #expect(problems.isEmpty, "\(problems)")
        let mailbox = try #require(loaded?.settings.mailboxes.first)
        #expect(mailbox.url.description == "imaps://dmarc@mail.example/INBOX")
        #expect(mailbox.password == .env("DMARC_IMAP_PASSWORD"))
        #expect(mailbox.done == .seen && mailbox.rejected == .move("Reports/rejected"))
        #expect(mailbox.interval == 300 && mailbox.batchSize == 20)
        #expect(mailbox.caFile?.hasSuffix("/ca.pem") == true)
        #expect(mailbox.source?.hasSuffix("settings.yaml:3") == true)
    }

    @Test func reportsMailboxMistakesWhereTheyAre() throws {
        let (_, problems) = try Self.load("""
            settings:
              mailboxes:
                - url: imaps://dmarc:hunter2@mail.example/INBOX
                  password: { env: X }
                - url: imaps://dmarc@mail.example/INBOX
                  password: hunter2
                  done: "a*b"
                  interval: forever
                  folder: x
                - url: imaps://dmarc@mail.example/INBOX
            """)
        #expect(!problems.contains("hunter2@"), "no password echoed: \(problems)")
        #expect(problems.contains("settings.yaml:3:12: settings.mailboxes[0].url: the URL holds a password"), "\(problems)")
        #expect(problems.contains("settings.yaml:6:17: settings.mailboxes[1].password: secrets are given by reference"), "\(problems)")
        #expect(problems.contains("settings.yaml:7:13: settings.mailboxes[1].done: expected \\Seen or a folder name"), "\(problems)")
        #expect(problems.contains("settings.yaml:8:17: settings.mailboxes[1].interval: expected a duration"), "\(problems)")
        #expect(problems.contains("settings.yaml:9:7: settings.mailboxes[1].folder: unknown key \"folder\""), "\(problems)")
        #expect(problems.contains("settings.yaml:10:7: settings.mailboxes[2].password: a mailbox needs password:"), "\(problems)")
    }
}
