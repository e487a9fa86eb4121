import ArgumentParser
import Alerting
import Audit
import DNSCore
import Daemon
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots

/// `senderwatch poll`: audit the domains that are due, record what changed, move findings.
struct PollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Audit the monitored domains that are due and record observations and findings.",
        discussion: """
        Meant for cron: a second poll started while one runs exits 0 with a message; a poll killed at any \
        moment leaves the database consistent, and the next poll carries on with the domains not yet done. \
        A domain is due when its interval has passed since its last poll; --all polls every domain.
        Findings open once, stay open while they hold, and resolve when they no longer do. Each finding rests on \
        the parts of the assessment it needs: when DNS does not answer for a part (a timeout, SERVFAIL), the \
        findings resting on it neither open nor resolve, nothing counts as a change, and the output names the \
        part; dns.unreachable opens after several polls in a row without the domain's own records.
        Exit codes as for check: 0 healthy, 1 open findings of warning or worse among the polled domains, 2 input \
        error, 3 some domain's own SPF and DMARC records could not be read at all.

        Example (crontab): */15 * * * * senderwatch poll --config /etc/senderwatch/settings.yaml
        """
    )

    @Flag(help: "Poll every domain, due or not.")
    var all = false

    @Option(name: .customLong("domain"), help: "Poll only this domain (repeatable); implies --all for it.")
    var onlyDomains: [String] = []

    @Option(help: ArgumentHelp("Write Prometheus metrics for node_exporter's textfile collector here (atomically), "
                               + "with the same names as `run`'s /metrics; e.g. /var/lib/node_exporter/senderwatch.prom.",
                               valueName: "path"))
    var metricsFile: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var progressOptions: ProgressOptions

    func run() async throws {
        if metricsFile != nil { MetricsExport.bootstrap() }
        let loaded = try store.configuration()
        let settings = loaded?.settings
        let inventory = try store.openExistingStore(settings)
        let path = store.databasePath(settings)
        let lock = PollLock(databasePath: path)
        guard try lock.acquire() else {
            let message = "another poll of \(path) is running (pid \(lock.holder() ?? "unknown")); nothing to do"
            if output.json { printJSON(["schemaVersion": "1", "skipped": message]) } else { print(message) }
            throw ExitCode(ExitStatus.healthy)
        }
        defer { lock.release() }

        let started = epochNow()
        _ = try inventory.markInterruptedRuns(now: started)
        let runId = try inventory.beginRun(mode: "poll", pid: getpid(), now: started)
        var domains = try (all || !onlyDomains.isEmpty) ? inventory.domains() : inventory.dueDomains(now: started)
        if !onlyDomains.isEmpty {
            let wanted = Set(try onlyDomains.map { try parseDomain($0).key })
            let known = Set(domains.map(\.name))
            if let missing = wanted.subtracting(known).sorted().first {
                throw InputError("--domain \(missing) is not monitored (apply a monitor file for it first)")
            }
            domains = domains.filter { wanted.contains($0.name) }
        }
        let session = try dns.makeResolver(settings: settings?.dnsSettings ?? .init())
        defer { session.shutdown() }
        let routes = loaded?.routes ?? []
        var poller = Poller(store: inventory, resolver: session.resolver, settings: settings,
                            concurrency: dns.effective(settings?.dnsSettings ?? .init()).concurrency ?? 32,
                            alerts: routes.isEmpty ? nil : AlertPlanner(routes: routes))
        let progress = ProgressLine("polling", total: domains.count, unit: "domains", options: progressOptions)
        poller.validator = session.validator
        poller.onDomainPolled = { _ in progress.advance() }
        // Each domain's output is made as its result arrives, in order, and the result let go. Text goes out at
        // once (the progress line makes way for it); JSON is kept, as text, until the document can be closed,
        // so that a poll that fails prints no half document.
        var tally = PollTally()
        var jsonElements: [String] = []
        let out = OutputBuffer()
        out.beforeFlush = { progress.finish() }
        defer { progress.finish() }
        do {
            try await poller.poll(domains, runId: runId) { _, result in
                tally.add(result)
                if output.json {
                    jsonElements.append(PollOutput.element(PollOutput.Domain(result)))
                } else if let text = PollText.text(result) {
                    out.write(text + "\n")
                }
            }
            progress.finish()
        } catch {
            // The domains already printed were stored; so were those still in the buffer.
            out.flush()
            try? inventory.finishRun(id: runId, status: "failed", domainsPolled: 0, findingsOpened: 0, findingsResolved: 0,
                                     message: "\(error)", now: epochNow())
            throw InputError("poll failed: \(error)")
        }
        try inventory.finishRun(id: runId, status: "ok", domainsPolled: tally.domains, findingsOpened: tally.opened,
                                findingsResolved: tally.resolved, message: nil, now: epochNow())
        // Deliver what this poll (or an earlier, interrupted one) queued; failures stay queued for the next run.
        var delivery: DispatchReport?
        if !routes.isEmpty {
            let report = await OutboxDispatcher(store: inventory, routes: routes).dispatch(now: epochNow())
            for (route, messages) in report.errors.sorted(by: { $0.key < $1.key }) {
                for message in messages { FileHandle.standardError.write(Data("senderwatch: alert route \(route): \(message)\n".utf8)) }
            }
            delivery = report
        }

        if let metricsFile {
            PollMetrics.recordDelivery(delivered: delivery?.delivered ?? 0, failed: (delivery?.failed ?? 0) + (delivery?.dead ?? 0))
            try HealthGauges().refresh(store: inventory, now: epochNow(), dns: session.network?.statistics)
            do { try MetricsExport.writeTextfile(metricsFile) } catch { throw InputError("\(error)") }
        }

        let openBySeverity = try inventory.openFindingSeverities(domainIds: domains.compactMap(\.id))
        let openCount = try inventory.openFindingSeverities().values.reduce(0, +)
        let unknown = tally.noVerdict > 0
        let worst = openBySeverity.keys.compactMap { Severity(rawValue: $0) }.max()
        let exit = (worst ?? .info) >= .warning ? ExitStatus.findings : (unknown ? ExitStatus.temporaryFailure : ExitStatus.healthy)
        if output.json {
            PollOutput.write(runId: runId, startedAt: isoDate(started), elements: jsonElements, openFindings: openCount,
                             exitCode: exit, out.write)
        } else {
            out.write(PollText.summary(tally, openCount: openCount, database: path) + "\n")
            if let delivery {
                out.write("alerts: \(delivery.summary) (see `senderwatch alerts list`)\n")
            }
        }
        out.flush()
        throw ExitCode(exit)
    }
}

extension Poller {
    /// The poller `poll` and `run` build: the settings file's `unreachable_after` and observed-sender thresholds.
    init(store: InventoryStore, resolver: any DNSResolver, settings: MonitorSettings?, concurrency: Int, alerts: AlertPlanner?) {
        self.init(store: store, resolver: resolver, concurrency: concurrency,
                  unreachableAfter: settings?.unreachableAfter ?? 3, now: { epochNow() }, alerts: alerts)
        observed = settings?.observed ?? .init()
        fetcher = CurlPolicyFetcher(settings: settings?.policyFetch ?? .init(), now: { epochNow() })
        certificateWarningDays = settings?.certificateWarningDays ?? 14
        sourceNamer = SourceNamer(resolver: resolver, catalogue: settings?.providerCatalogue ?? .builtIn)
        dnssecWarningDays = settings?.dnssecWarningDays ?? 7
        dnssecErrorDays = settings?.dnssecErrorDays ?? 2
        tlsReports = settings?.tlsReports ?? .init()
    }
}

/// JSON contract of `poll --json` (schemaVersion 2): per domain `status` (ok, partial, unknown), the findings
/// opened and resolved, `stillOpen`, `undetermined` (open findings left as they were: their evidence is
/// unknown now), `unknownParts` and `recordChanged` (a new observation was stored).
struct PollOutput: Encodable {
    struct Part: Encodable {
        let id: String
        let label: String
        let cause: String
    }
    struct Domain: Encodable {
        let domain: String
        let status: String
        let opened: [Finding]
        let resolved: [Finding]
        let stillOpen: Int
        let undetermined: Int
        let unknownParts: [Part]
        let recordChanged: Bool
        /// Each validated answer's status (as in `check --json`); absent when validation is off.
        var dnssec: [DomainCheckOutput.DNSSECPart]? = nil
        init(_ r: DomainPollResult) {
            domain = r.domain; status = r.status; opened = r.opened; resolved = r.resolved
            stillOpen = r.stillOpen.count; undetermined = r.undetermined.count; recordChanged = r.observationInserted
            unknownParts = r.unknownParts.map { Part(id: $0.id, label: $0.label, cause: $0.verdict.reason ?? "unknown") }
            dnssec = r.dnssec.isEmpty ? nil : r.dnssec.map(DomainCheckOutput.DNSSECPart.init)
        }

        init(domain: String, status: String, opened: [Finding], resolved: [Finding], stillOpen: Int, undetermined: Int,
             unknownParts: [Part], recordChanged: Bool) {
            self.domain = domain; self.status = status; self.opened = opened; self.resolved = resolved
            self.stillOpen = stillOpen; self.undetermined = undetermined; self.unknownParts = unknownParts
            self.recordChanged = recordChanged
        }
    }
    let schemaVersion = jsonSchemaVersion
    let runId: Int64
    let startedAt: String?
    let domains: [Domain]
    let openFindings: Int
    let exitCode: Int32
}

extension PollOutput {
    /// The document `printJSON(self)` prints, byte for byte, handed to `chunk` a domain at a time: a first poll
    /// of 10,000 domains is a 30 MB document, and encoding it whole doubled the poll's peak memory.
    func write(_ chunk: (String) -> Void) {
        Self.write(runId: runId, startedAt: startedAt, elements: domains.map(Self.element), openFindings: openFindings,
                   exitCode: exitCode, chunk)
    }

    /// One element of `domains` as the encoder nests it in the document: every non-empty line four spaces in.
    static func element(_ domain: Domain) -> String {
        jsonString(domain).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
    }

    /// The document with `elements` (from `element`) as its domains.
    static func write(runId: Int64, startedAt: String?, elements: [String], openFindings: Int, exitCode: Int32,
                      _ chunk: (String) -> Void) {
        let empty = "\"domains\" : [\n\n  ]"
        let frame = jsonString(PollOutput(runId: runId, startedAt: startedAt, domains: [], openFindings: openFindings,
                                          exitCode: exitCode))
        guard !elements.isEmpty, let range = frame.range(of: empty) else {
            chunk(frame + "\n")
            return
        }
        chunk(String(frame[..<range.lowerBound]) + "\"domains\" : [\n")
        for (index, element) in elements.enumerated() {
            chunk(element + (index == elements.count - 1 ? "\n" : ",\n"))
        }
        chunk("  ]" + String(frame[range.upperBound...]) + "\n")
    }
}

/// What `poll` prints in its last line, counted as the results go by.
struct PollTally {
    var domains = 0, opened = 0, resolved = 0, noVerdict = 0, partial = 0
    mutating func add(_ r: DomainPollResult) {
        domains += 1
        opened += r.opened.count
        resolved += r.resolved.count
        if r.status == "unknown" { noVerdict += 1 }
        if r.status == "partial" { partial += 1 }
    }
}

enum PollText {
    /// A domain's lines, or nil when it has nothing to show (status ok, nothing opened or resolved). A first
    /// poll of 10,000 domains prints about 100,000 lines (14 MB): each domain's are made once, as it is stored.
    static func text(_ r: DomainPollResult) -> String? {
        guard !r.opened.isEmpty || !r.resolved.isEmpty || r.status != "ok" else { return nil }
        var lines: [String] = []
        switch r.status {
        case "unknown":
            lines.append("\(r.domain): no verdict: its own SPF and DMARC records did not answer (\(r.consecutiveTempFailures) poll(s) in a row)")
        case "partial":
            lines.append("\(r.domain): \(r.unknownParts.count) part(s) unknown"
                         + (r.undetermined.isEmpty ? "" : ", \(r.undetermined.count) open finding(s) left as they were"))
        default:
            lines.append("\(r.domain):")
        }
        if r.status != "ok" {
            for part in r.unknownParts.prefix(5) { lines.append("  unknown  \(part.label): \(part.verdict.reason ?? "no answer")") }
            if r.unknownParts.count > 5 { lines.append("  unknown  ... and \(r.unknownParts.count - 5) more (see --json)") }
        }
        for f in r.opened {
            lines.append("  opened   [\(f.severity.rawValue)] \(f.kind): \(f.message)")
            if let fix = f.fix { lines.append("           fix: \(fix)") }
        }
        for f in r.resolved { lines.append("  resolved \(f.kind): \(f.message)") }
        return lines.joined(separator: "\n")
    }

    static func summary(_ tally: PollTally, openCount: Int, database: String) -> String {
        "polled \(tally.domains) domain(s): \(tally.opened) finding(s) opened, \(tally.resolved) resolved, \(openCount) open in all"
            + (tally.partial > 0 ? ", \(tally.partial) with unknown parts" : "")
            + (tally.noVerdict > 0 ? ", \(tally.noVerdict) without a verdict" : "") + " (\(database))"
    }
}
