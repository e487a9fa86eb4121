import ArgumentParser
import AuthReports
import Foundation
import Inventory

/// `senderwatch ingest PATH...`: read DMARC aggregate reports into the observed-senders tables.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read DMARC aggregate reports (XML, .gz, .zip, e-mail, mbox, Maildir, directories) into the database.",
        discussion: """
        Each PATH is a file or a directory (read recursively; a Maildir's cur/ and new/ are read, tmp/ is \
        skipped). The format is recognised by the file's first bytes, never its name: XML, gzip, zip, an \
        e-mail message (attachments in base64 or quoted-printable) or an mbox of them. Both the RFC 7489 \
        schema and the DMARC 2.0 namespace are read; tolerated oddities (invalid UTF-8, stray elements, \
        upper-case result words...) are reported as warnings.
        Reports are de-duplicated on reporter org and report id: ingesting the same file again reports \
        `duplicate`. Each report is stored all or nothing (reports are committed in batches of up to \
        \(ReportBatch.maximumReports); a line is printed once its report is stored), so an interrupted ingest \
        leaves no partial report.
        A report covering more than 25 hours is spread over the UTC days it covers.
        --json prints one JSON object per line for each report (or each unreadable file): schemaVersion, \
        file, location (inside a container, or null), status (ingested | duplicate | rejected), orgName, \
        reportId, domain, records, messages, warnings, error.
        Exit codes: 0 every report ingested or duplicate; 2 some file or report was rejected (the others are \
        still ingested).
        """)

    @Argument(help: ArgumentHelp("Report files or directories.", valueName: "path"))
    var paths: [String]

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var progressOptions: ProgressOptions

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one report file or directory") }
    }

    func run() async throws {
        let settings = try store.settings()
        let (inventory, path) = try store.openStore(settings)
        let out = OutputBuffer()
        var counts: [IngestResult.Status: Int] = [:]
        var records = 0
        let progress = ProgressLine("ingesting", total: nil, unit: "files", options: progressOptions)
        out.beforeFlush = { progress.finish() }
        func emit(_ results: [IngestResult]) {
            progress.advance(by: 0, detail: "\(counts.values.reduce(0, +) + results.count) reports")
            for result in results {
                counts[result.status, default: 0] += 1
                if result.status == .ingested { records += result.records ?? 0 }
                out.write((output.json ? jsonString(IngestLine(result), pretty: false) : Self.text(result)) + "\n")
            }
        }
        // One batch for the whole run (committed every ReportBatch.maximumReports reports); results are
        // printed once stored, in input order.
        try inventory.withReportBatch { batch in
            for argument in paths {
                for (file, problem) in ReportFiles.expand(argument) {
                    defer { progress.advance() }
                    if let problem {
                        emit(batch.add(IngestResult(file: file, status: .rejected, warnings: [], error: problem)))
                        continue
                    }
                    do {
                        let source = try FileByteSource(path: file)
                        emit(batch.ingest(source, file: file, now: epochNow()))
                    } catch let error as ReportFileError {
                        emit(batch.add(IngestResult(file: file, status: .rejected, warnings: [], error: error.reason)))
                    }
                }
            }
            emit(batch.finish())
        }
        progress.finish()
        let rejected = counts[.rejected] ?? 0
        if !output.json {
            out.write("\(counts[.ingested] ?? 0) report(s) ingested (\(records) records), \(counts[.duplicate] ?? 0) duplicate, \(rejected) rejected (\(path))\n")
        }
        out.flush()
        throw ExitCode(rejected > 0 ? ExitStatus.usage : ExitStatus.healthy)
    }

    static func text(_ r: IngestResult) -> String {
        let place = r.file + (r.location.map { " (\($0))" } ?? "")
        switch r.status {
        case .rejected:
            return "rejected  \(place): \(r.error ?? "unreadable")"
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
    @NullEncoded var location: String?
    let status: String
    @NullEncoded var orgName: String?
    @NullEncoded var reportId: String?
    @NullEncoded var domain: String?
    @NullEncoded var records: Int?
    @NullEncoded var messages: Int?
    let warnings: [String]
    @NullEncoded var error: String?

    init(_ r: IngestResult) {
        file = r.file; location = r.location; status = r.status.rawValue; orgName = r.orgName; reportId = r.reportId
        domain = r.domain; records = r.records; messages = r.messages; warnings = r.warnings; error = r.error
    }
}
