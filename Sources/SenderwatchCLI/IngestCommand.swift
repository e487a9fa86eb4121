import ArgumentParser
import AuthReports
import Foundation
import Inventory

/// `senderwatch ingest PATH...`: read DMARC aggregate reports into the observed-senders tables.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read DMARC aggregate and failure reports and SMTP TLS reports (XML, JSON, .gz, .zip, e-mail, mbox, Maildir, directories, IMAP) into the database.",
        discussion: """
        Each PATH is a file or a directory (read recursively; a Maildir's cur/ and new/ are read, tmp/ is \
        skipped), or - for standard input. The format is recognised by the file's first bytes, never its name: \
        XML, gzip, zip (every report entry in it), an e-mail message (attachments in base64 or \
        quoted-printable) or an mbox of them. Both the RFC 7489 schema and the DMARC 2.0 namespace are read; \
        tolerated oddities (invalid UTF-8, stray elements, upper-case result words, implausibly large counts...) \
        are reported as warnings.
        Reports are hostile input and bounded: sizes, depth, records, inflate ratio, MIME parts and zip entries \
        have limits (settings ingest_limits; Monitors/README.md lists them with their defaults). A report past \
        a limit, with a count or date no report can hold (dates outside 1990..2100, a range over \
        \(ReportValues.maximumRangeDays) days, more than 10^12 messages), or dated after today plus a day of \
        clock skew is rejected with the file, report id, element and value; the rest of the batch goes on.
        Reports are identified by reporter org and report id: ingesting the same report again reports \
        `duplicate`; the same id again with other content reports `conflict` (with both content digests) and \
        stores nothing. Each report is stored all or nothing (reports are committed in batches of up to \
        \(ReportBatch.maximumReports); a line is printed once its report is stored), so an interrupted ingest \
        leaves no partial report. Another ingest, poll or run may use the database at the same time: each \
        waits for the other's writes.
        A report covering more than 25 hours is spread over the UTC days it covers.
        SMTP TLS reports (RFC 8460: JSON, gzip-compressed or not, as a file or attached as \
        application/tlsrpt+gzip) are stored per policy domain, UTC day, result type and receiving MX; \
        `poll` opens tlsrpt.failures when a domain's inbound TLS sessions fail. DMARC failure reports (RFC 9991 \
        in the ARF format of RFC 6591, a message with a message/feedback-report part) are stored without the \
        original message's body, recipients or subject (its header section only with the setting \
        failure_report_headers: true), and their source is counted into the observed senders as one message, \
        on a line whose reporter is marked "(failure report)".
        --json prints one JSON object per line for each report (or each unreadable file): schemaVersion, \
        file, kind (aggregate | tlsrpt | failure), location (inside a container, or null), status (ingested | duplicate | conflict | rejected), \
        orgName, reportId, domain, records, messages, warnings, error, digest (of the report's content), \
        storedDigest (of the stored report with the same id, for duplicate and conflict).
        IMAP: --imap imaps://USER@HOST/MAILBOX (TLS) or imap://USER@HOST/MAILBOX (STARTTLS, which is then \
        required) reads the reports from a mailbox through libcurl, with the password from --password-env NAME \
        or --password-file PATH (never in the URL) and the server's certificate verified (--ca-file for a \
        private CA). --mailboxes reads every mailbox of the settings file's mailboxes: list (its url, password, \
        done, rejected, ca_file, batch; `senderwatch run` reads them at their interval). Only messages not yet \
        processed are fetched: the database keeps each mailbox's UIDVALIDITY and highest processed UID. They \
        are read --batch at a time (50), each bounded by ingest_limits (a message past message_bytes is not \
        fetched), as e-mail files are. A message is recorded as processed in the transaction that stores its \
        reports; once committed it is moved to --done (senderwatch/done) or, if any of it was rejected, to \
        --rejected (senderwatch/rejected); folders are created when missing, and \\Seen flags the message in \
        place instead. A dropped connection or a killed run loses nothing: the next run moves what was stored \
        but not moved and reads the rest; re-reading a report reports `duplicate`. A changed UIDVALIDITY (the \
        mailbox was recreated) is said, and the mailbox is read from the start. Each report line's file is \
        the message, as URL;UIDVALIDITY=V/;UID=N; a summary line per mailbox follows (text output only).
        Exit codes: 0 every report ingested or duplicate; 2 some file or report was rejected or in conflict \
        (the others are still ingested), or a mailbox refused the login or its certificate is not trusted; \
        3 a mailbox could not be reached or the connection dropped (what was committed stays).
        """)

    @Argument(help: ArgumentHelp("Report files or directories, or - for standard input.", valueName: "path"))
    var paths: [String] = []

    @OptionGroup var mailbox: MailboxOptions

    @Option(help: ArgumentHelp("Judge report dates against this time instead of the clock: epoch seconds or "
        + "YYYY-MM-DD (to replay old mail, or in tests).", valueName: "time"))
    var now: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var progressOptions: ProgressOptions

    func validate() throws {
        if let now, Self.instant(now) == nil {
            throw ValidationError("--now \"\(now)\": expected epoch seconds or a date YYYY-MM-DD")
        }
        if mailbox.active {
            if !paths.isEmpty { throw ValidationError("give report files or --imap / --mailboxes, not both") }
            return
        }
        if paths.isEmpty { throw ValidationError("give at least one report file or directory, or - for standard input") }
        if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("- (standard input) can be given once") }
    }

    static func instant(_ text: String) -> Int64? {
        if let seconds = Int64(text), seconds >= 0 { return seconds }
        return UTCDay.dayNumber(text).map { $0 * 86400 }
    }

    func run() async throws {
        let settings = try store.settings()
        if mailbox.active { return try ingestMailboxes(settings) }
        let (inventory, path) = try store.openStore(settings)
        let reader = settings?.reportReader ?? ReportReader()
        let fixedNow = now.flatMap(Self.instant)
        let out = OutputBuffer()
        var tally = IngestTally()
        let progress = ProgressLine("ingesting", total: nil, unit: "files", options: progressOptions)
        out.beforeFlush = { progress.finish() }
        func emit(_ results: [IngestResult]) {
            progress.advance(by: 0, detail: "\(tally.reports + results.count) reports")
            for result in results {
                tally.add(result)
                out.write((output.json ? IngestLine(result).json : Self.text(result)) + "\n")
            }
        }
        // The inputs, in order: files below a directory in name order.
        var inputs: [ReportInput] = []
        for argument in paths {
            if argument == "-" { inputs.append(.standardInput); continue }
            for (file, problem) in ReportFiles.expand(argument) {
                inputs.append(problem.map { .refused(file, $0) } ?? .file(file))
            }
        }
        // The files are read ahead on other cores while this thread stores the current one.
        let ahead = ReportInput.readAhead(inputs, reader: reader)
        defer { ahead?.close() }
        // One batch for the whole run (committed every ReportBatch.maximumReports reports); results are
        // printed once stored, in input order.
        try inventory.withReportBatch(reader: reader) { batch in
            for (index, input) in inputs.enumerated() {
                let read = ahead?.take(index)
                let now = fixedNow ?? epochNow()
                switch input {
                case .standardInput:
                    emit(batch.ingest(FileByteSource(standardInput: ()), file: "-", now: now))
                    continue
                case .refused(let file, let problem):
                    emit(batch.add(IngestResult(file: file, status: .rejected, warnings: [], error: problem)))
                case .file(let file):
                    switch read {
                    case .recorded(let recorded)?:
                        emit(batch.ingest(recorded, file: file, now: now))
                    case .unopened(let reason)?:
                        emit(batch.add(IngestResult(file: file, status: .rejected, warnings: [], error: reason)))
                    case .notRead?, nil:
                        do {
                            let source = try FileByteSource(path: file)
                            emit(batch.ingest(source, file: file, now: now))
                        } catch let error as ReportFileError {
                            emit(batch.add(IngestResult(file: file, status: .rejected, warnings: [], error: error.reason)))
                        }
                    }
                }
                progress.advance()
            }
            emit(batch.finish())
        }
        progress.finish()
        let refused = tally.refused
        if !output.json {
            out.write("\(tally.text) (\(path))\n")
        }
        out.flush()
        throw ExitCode(refused > 0 ? ExitStatus.usage : ExitStatus.healthy)
    }

    static func text(_ r: IngestResult) -> String {
        let place = r.file + (r.location.map { " (\($0))" } ?? "")
        switch r.status {
        case .rejected:
            return "rejected  \(place): \(r.error ?? "unreadable")"
        case .conflict:
            return "conflict  \(place): \(r.error ?? "stored already with other content")"
        case .ingested where r.kind == .tlsrpt, .duplicate where r.kind == .tlsrpt:
            var line = "\(r.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(place): SMTP TLS report for "
                + "\(r.domain ?? "?") from \(r.orgName ?? "?") report \(r.reportId ?? "?"), \(r.records ?? 0) polic\(r.records == 1 ? "y" : "ies"), "
                + "\(r.messages ?? 0) session(s)"
            for warning in r.warnings { line += "\n          warning: \(warning)" }
            return line
        case .ingested where r.kind == .failure, .duplicate where r.kind == .failure:
            var line = "\(r.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(place): failure report for "
                + "\(r.domain ?? "?") from \(r.orgName ?? "?"), 1 message"
            for warning in r.warnings { line += "\n          warning: \(warning)" }
            return line
        case .ingested, .duplicate:
            var line = "\(r.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(place): \(r.domain ?? "?") from \(r.orgName ?? "?") "
                + "report \(r.reportId ?? "?"), \(r.records ?? 0) record(s), \(r.messages ?? 0) message(s)"
            for warning in r.warnings { line += "\n          warning: \(warning)" }
            if let error = r.error { line += "\n          \(error)" }
            return line
        }
    }
}

/// One line of `ingest --json`.
struct IngestLine: Encodable {
    let schemaVersion = jsonSchemaVersion
    let file: String
    let kind: String
    @NullEncoded var location: String?
    let status: String
    @NullEncoded var orgName: String?
    @NullEncoded var reportId: String?
    @NullEncoded var domain: String?
    @NullEncoded var records: Int?
    @NullEncoded var messages: Int?
    let warnings: [String]
    @NullEncoded var error: String?
    @NullEncoded var digest: String?
    @NullEncoded var storedDigest: String?

    init(_ r: IngestResult) {
        file = r.file; kind = r.kind.rawValue; location = r.location; status = r.status.rawValue; orgName = r.orgName; reportId = r.reportId
        domain = r.domain; records = r.records; messages = r.messages; warnings = r.warnings; error = r.error
        digest = r.digest; storedDigest = r.storedDigest
    }
}
