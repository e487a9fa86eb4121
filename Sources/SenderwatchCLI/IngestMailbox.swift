import Alerting
import ArgumentParser
import AuthReports
import Foundation
import Inventory
import Mailbox
import MonitorConfig

/// `ingest --imap URL` and `ingest --mailboxes`: where the reports come from when they are in a mailbox.
struct MailboxOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read the reports in this IMAP mailbox: imaps://USER@HOST[:PORT]/MAILBOX (TLS) or "
        + "imap://USER@HOST[:PORT]/MAILBOX (STARTTLS, required). Never with a password in it.", valueName: "url"))
    var imap: String?

    @Flag(help: "Read every mailbox of the settings file's mailboxes: list.")
    var mailboxes = false

    @Option(help: ArgumentHelp("The environment variable that holds the IMAP password.", valueName: "name"))
    var passwordEnv: String?

    @Option(help: ArgumentHelp("A file that holds the IMAP password (one line).", valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("A CA bundle (PEM) to verify the IMAP server's certificate with, instead of the "
        + "system's.", valueName: "path"))
    var caFile: String?

    @Option(help: ArgumentHelp("Where a message goes once its reports are stored: a folder (created if missing) or "
        + "\\Seen to flag it in place. Default: senderwatch/done.", valueName: "folder"))
    var done: String?

    @Option(help: ArgumentHelp("Where a message goes when it is rejected (broken, too large, not a report). "
        + "Default: senderwatch/rejected.", valueName: "folder"))
    var rejected: String?

    @Option(help: ArgumentHelp("Messages fetched and committed together (1 to 1000, default 50).", valueName: "count"))
    var batch: Int?

    var active: Bool { imap != nil || mailboxes }

    func validate() throws {
        if imap != nil, mailboxes { throw ValidationError("give --imap URL or --mailboxes, not both") }
        if passwordEnv != nil, passwordFile != nil { throw ValidationError("give --password-env or --password-file, not both") }
        if !active, passwordEnv != nil || passwordFile != nil || caFile != nil || done != nil || rejected != nil || batch != nil {
            throw ValidationError("--password-env, --password-file, --ca-file, --done, --rejected and --batch go with --imap")
        }
        if let batch, !(1...1000).contains(batch) { throw ValidationError("--batch must be 1...1000, got \(batch)") }
        if let imap {
            do { _ = try IMAPURL(parsing: imap) } catch { throw ValidationError("--imap: \(error.message)") }
        }
        for (name, value) in [("--done", done), ("--rejected", rejected)] {
            guard let value else { continue }
            do { _ = try MailboxSource.Disposition(parsing: value) } catch { throw ValidationError("\(name): \(error.message)") }
        }
        if let passwordEnv, passwordEnv.isEmpty || !passwordEnv.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            throw ValidationError("--password-env \(passwordEnv): expected an environment variable name such as DMARC_IMAP_PASSWORD")
        }
    }

    /// The mailboxes to read: `--imap` (with the settings of the configured mailbox of the same URL, if any,
    /// under the options given here), or every configured one.
    func sources(_ settings: MonitorSettings?) throws -> [MailboxSource] {
        let configured = settings?.mailboxes ?? []
        guard let imap else {
            guard !configured.isEmpty else {
                throw InputError("--mailboxes: the settings file lists no mailboxes: (give --config, or --imap URL)")
            }
            return configured
        }
        let url = try IMAPURL(parsing: imap)
        var source = configured.first { $0.url.key == url.key } ?? MailboxSource(url: url)
        source.url = url
        if let passwordEnv { source.password = .env(passwordEnv) }
        if let passwordFile { source.password = .file(passwordFile) }
        if let caFile { source.caFile = caFile }
        if let done { source.done = try MailboxSource.Disposition(parsing: done) }
        if let rejected { source.rejected = try MailboxSource.Disposition(parsing: rejected) }
        if let batch { source.batchSize = batch }
        return [source]
    }
}

extension IngestCommand {
    /// Reads each mailbox in turn; prints report lines as their batch is committed, then a summary per mailbox.
    func ingestMailboxes(_ settings: MonitorSettings?) throws {
        let sources = try mailbox.sources(settings)
        let (inventory, path) = try store.openStore(settings)
        let reader = settings?.reportReader ?? ReportReader()
        let fixedNow = now.flatMap(Self.instant)
        let out = OutputBuffer()
        var worst = ExitStatus.healthy
        for source in sources {
            var tally = IngestTally()
            var fetch = MailboxFetch(source: source, store: inventory, reader: reader)
            fetch.now = { fixedNow ?? epochNow() }
            fetch.onNote = { note in FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            fetch.onResults = { results in
                for result in results {
                    tally.add(result)
                    out.write((output.json ? IngestLine(result).json : Self.text(result)) + "\n")
                }
                out.flush()
            }
            let summary: MailboxFetchSummary
            do { summary = try fetch.run() } catch let error as IMAPError {
                out.flush()
                FileHandle.standardError.write(Data("error: \(source.url): \(error.message)\n".utf8))
                worst = max(worst, error.temporary ? ExitStatus.temporaryFailure : ExitStatus.usage)
                continue
            }
            if tally.refused > 0 { worst = max(worst, ExitStatus.usage) }
            if !output.json {
                out.write(Self.mailboxSummary(summary, tally: tally, database: path) + "\n")
            }
            out.flush()
            if let failure = summary.failure {
                let message = "error: \(source.url): \(failure.message) (what is committed stays; the next run goes on from there)"
                FileHandle.standardError.write(Data((message + "\n").utf8))
                worst = max(worst, failure.temporary ? ExitStatus.temporaryFailure : ExitStatus.usage)
            }
        }
        throw ExitCode(worst)
    }

    static func mailboxSummary(_ summary: MailboxFetchSummary, tally: IngestTally, database: String) -> String {
        let moved = summary.disposed.sorted { $0.key < $1.key }.map { destination, count in
            destination == MailboxSource.Disposition.seenText ? "\(count) flagged \\Seen" : "\(count) moved to \(destination)"
        }
        return "\(summary.mailbox): \(summary.read) message(s) read"
            + (summary.gone > 0 ? " (\(summary.gone) gone before they could be read)" : "") + ", "
            + tally.text
            + (moved.isEmpty ? "" : "; " + moved.joined(separator: ", ")) + " (\(database))"
    }
}
