import Alerting
import ArgumentParser
import Audit
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots

/// `senderwatch snapshot`: the posture of every monitored domain at one instant, as tamper-evident JSON,
/// CSV or a printable HTML report; `snapshot verify` checks the files and their chain.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Record every monitored domain's posture at one instant (JSON, CSV or HTML) and verify the chain.",
        discussion: """
        A snapshot observes every monitored domain through DNS now and records the raw SPF and DMARC \
        records with their SHA-256, the evaluation (lookups against the limit, authorized networks, policy, \
        report destinations), the approved senders against DNS, flattened includes, the findings (with the \
        date the monitor first saw each open) and the observed-sender statistics.

        The chain: each JSON snapshot carries sequence (1, 2, ...), previousSHA256 (the SHA-256 of the \
        previous snapshot file's exact bytes) and contentSHA256 (the SHA-256 of its own canonical JSON \
        without that field). The database remembers the last link, so the next JSON snapshot links to it. \
        The JSON is canonical: sorted keys, two-space indentation, integers only (rates are strings such \
        as "97.50"), so any changed byte shows. `snapshot verify FILE...` checks every file and every \
        link, and names the file or link that fails: an edited file, a missing sequence number, a \
        previousSHA256 that does not match; with --against-db it also compares the files with the links \
        the database recorded, which shows a removed newest file. CSV and HTML are renderings: render \
        them from a JSON snapshot with --from so they name the evidence they show; without --from they \
        show a fresh, unchained look.

        Examples:
          senderwatch snapshot --out evidence/2026-11-29.json
          senderwatch snapshot --format html --from evidence/2026-11-29.json --out report.html
          senderwatch snapshot verify evidence/*.json
        """,
        subcommands: [Take.self, Verify.self],
        defaultSubcommand: Take.self)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv, html
    }

    struct Take: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "take",
            abstract: "Take a snapshot (the default subcommand): JSON joins the chain; CSV and HTML render it.")

        @Option(help: "json (default: a new link of the chain), csv (one row per domain) or html (a printable report).")
        var format: Format = .json

        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "path"))
        var out: String?

        @Option(help: ArgumentHelp("Render this JSON snapshot (checked first) as csv or html instead of taking a new one.", valueName: "file"))
        var from: String?

        @Option(help: ArgumentHelp("The instant to record, RFC 3339 (default: now); for reproducible snapshots.", valueName: "time"))
        var at: String?

        @OptionGroup var store: StoreOptions
        @OptionGroup var dns: DNSOptions
        @OptionGroup var progressOptions: ProgressOptions

        func validate() throws {
            if from != nil && format == .json { throw ValidationError("--from renders an existing JSON snapshot: give --format csv or html") }
            if let at, Self.parseTime(at) == nil { throw ValidationError("--at \(at) is not an RFC 3339 time such as 2026-11-29T12:00:00Z") }
        }

        static func parseTime(_ text: String) -> Int64? {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
        }

        func run() async throws {
            if let from { return try render(from) }
            let settings = try store.settings()
            let inventory = try store.openExistingStore(settings)
            let session = try dns.makeResolver(settings: settings?.dnsSettings ?? .init())
            defer { session.shutdown() }
            let takenAt = at.flatMap(Self.parseTime) ?? epochNow()
            var builder = SnapshotBuilder(store: inventory, resolver: session.resolver,
                                          concurrency: dns.effective(settings?.dnsSettings ?? .init()).concurrency ?? 32,
                                          takenAt: takenAt, generator: "senderwatch \(SenderwatchCommand.version)")
            builder.observedThresholds = settings?.observed ?? .init()
            builder.unreachableAfter = settings?.unreachableAfter ?? 3
            builder.fetcher = CurlPolicyFetcher(settings: settings?.policyFetch ?? .init(), now: { epochNow() })
            builder.certificateWarningDays = settings?.certificateWarningDays ?? 14
            builder.tlsReports = settings?.tlsReports ?? .init()
            builder.sourceNamer = SourceNamer(resolver: session.resolver, catalogue: settings?.providerCatalogue ?? .builtIn)
            builder.validator = session.validator
            builder.dnssecDays = (settings?.dnssecWarningDays ?? 7, settings?.dnssecErrorDays ?? 2)
            let progress = ProgressLine("observing", total: try inventory.domains().count, unit: "domains",
                                        options: progressOptions)
            builder.onDomain = { progress.advance() }
            defer { progress.finish() }
            let snapshot = try await builder.build()
            progress.finish()
            switch format {
            case .csv: try write(Data(SnapshotCSV.render(snapshot).utf8))
            case .html: try write(Data(SnapshotHTML.render(snapshot).utf8))
            case .json:
                let (bytes, link) = try SnapshotChain.seal(snapshot, after: try inventory.snapshotHead(),
                                                           path: out.map { URL(fileURLWithPath: $0).path }, now: takenAt)
                try write(bytes)
                do {
                    try inventory.appendSnapshotLink(link)
                } catch {
                    if let out { try? FileManager.default.removeItem(atPath: out) }
                    throw InputError("\(error)")
                }
                if let out {
                    FileHandle.standardError.write(Data("snapshot \(link.sequence) written to \(out) (SHA-256 \(link.sha256))\n".utf8))
                }
            }
        }

        func render(_ path: String) throws {
            guard let bytes = FileManager.default.contents(atPath: path) else { throw InputError("cannot read the snapshot \(path)") }
            let report = SnapshotChain.verify([(path, bytes)], fromStart: false)
            if let problem = report.files.first?.problems.first {
                throw InputError("\(path): \(problem); it is not rendered")
            }
            let snapshot: Snapshot
            do { snapshot = try JSONDecoder().decode(Snapshot.self, from: bytes) } catch {
                throw InputError("\(path): not a snapshot this senderwatch can read: \(error)")
            }
            let sha = report.files.first?.sha256
            try write(Data((format == .html ? SnapshotHTML.render(snapshot, sourceSHA256: sha) : SnapshotCSV.render(snapshot)).utf8))
        }

        /// Writes the whole file under a temporary name, then renames it: a reader never sees half a snapshot.
        func write(_ data: Data) throws {
            guard let out else { FileHandle.standardOutput.write(data); return }
            let url = URL(fileURLWithPath: out)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
            do {
                try data.write(to: temporary)
                if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
                try FileManager.default.moveItem(at: temporary, to: url)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw InputError("cannot write \(out): \(error.localizedDescription)")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check JSON snapshots and the chain they form; fail naming each changed file and broken or missing link.",
            discussion: """
            Each file must be in canonical form and match its contentSHA256; ordered by sequence, the files \
            must have no gap, start at sequence 1 (unless --partial), and each previousSHA256 must be the \
            SHA-256 of the file before it. --against-db also compares them with the links the database \
            recorded, which catches a removed newest file. Exit codes: 0 all intact, 1 a file or link failed, 2 a file \
            could not be read.
            """)

        @Argument(help: "The JSON snapshot files, in any order.")
        var files: [String]

        @Flag(help: "Accept a chain that starts after sequence 1 (older snapshots archived elsewhere).")
        var partial = false

        @Flag(name: .customLong("against-db"), help: "Also compare the files with the links the database recorded (catches a removed newest file).")
        var againstDatabase = false

        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var inputs: [(path: String, bytes: Data)] = []
            for path in files {
                guard let bytes = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path)") }
                inputs.append((path, bytes))
            }
            var report = SnapshotChain.verify(inputs, fromStart: !partial)
            if againstDatabase {
                let inventory = try store.openExistingStore(try store.settings())
                report.linkProblems += SnapshotChain.compare(report, with: try inventory.snapshotLinks())
            }
            if output.json {
                printJSON(VerifyOutput(report))
            } else {
                for file in report.files.sorted(by: { ($0.sequence ?? 0, $0.path) < ($1.sequence ?? 0, $1.path) }) {
                    let position = file.sequence.map { "sequence \($0)" } ?? "no sequence"
                    if file.problems.isEmpty {
                        print("ok      \(file.path)  \(position)  sha256 \(file.sha256)")
                    } else {
                        for problem in file.problems { print("FAILED  \(file.path)  \(position): \(problem)") }
                    }
                }
                for problem in report.linkProblems { print("FAILED  \(problem)") }
                let sequences = report.files.compactMap(\.sequence)
                if report.ok {
                    print("chain intact: \(report.files.count) snapshot(s), sequence \(sequences.min() ?? 0) to \(sequences.max() ?? 0)")
                } else {
                    let failures = report.files.filter { !$0.problems.isEmpty }.count + report.linkProblems.count
                    FileHandle.standardError.write(Data("senderwatch: snapshot verification FAILED: \(failures) problem(s)\n".utf8))
                }
            }
            throw ExitCode(report.ok ? ExitStatus.healthy : ExitStatus.findings)
        }
    }
}

struct VerifyOutput: Encodable {
    struct File: Encodable {
        let path: String
        let sha256: String
        let sequence: Int?
        let previousSHA256: String?
        let takenAt: String?
        let problems: [String]
    }
    let schemaVersion = jsonSchemaVersion
    let ok: Bool
    let files: [File]
    let linkProblems: [String]

    init(_ r: SnapshotChain.Report) {
        ok = r.ok
        files = r.files.map { File(path: $0.path, sha256: $0.sha256, sequence: $0.sequence, previousSHA256: $0.previousSHA256,
                                   takenAt: $0.takenAt, problems: $0.problems) }
        linkProblems = r.linkProblems
    }
}
