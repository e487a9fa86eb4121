import ArgumentParser
import AuthReports
import Daemon
import Dashboard
import Foundation
import Inventory
import Logging
import Monitor
import MonitorConfig
import Snapshots
import ServiceLifecycle
import UnixSignals

/// `senderwatch run`: the daemon. Polls every domain on its own schedule, keeps the outbox moving, serves
/// /metrics (and with --http-listen the web dashboard), and re-reads the monitor files on SIGHUP.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run as a service: poll each domain at its interval, deliver alerts, serve metrics.",
        discussion: """
        Each domain is polled at its interval, at a fixed offset inside it derived from its name, so 10,000 \
        domains at 1h spread over the hour and a restart keeps the same offsets. At most --max-in-flight polls \
        run at once. A temporary DNS failure backs the domain off (an eighth of its interval, doubling, at \
        most four intervals). After a pause every overdue domain is polled once, not once per missed interval.

        Signals: SIGTERM or SIGINT stop new polls, wait up to --drain-timeout for those running (the rest \
        are abandoned and write nothing), deliver the queued alerts and exit 0. SIGHUP re-reads the monitor \
        files given as arguments and the settings file, applies them as `apply` does and logs the plan.

        The settings file's mailboxes: are read at their interval (15m unless set), as `ingest --mailboxes` \
        reads them; a mailbox that fails is logged and tried again at its next interval. SIGHUP reads them \
        again: a mailbox added is read at once, one removed is read no more.

        Holds the same lock as `poll`, so cron and the daemon never poll one database at once. Logs go to \
        standard error (--log-format json for one JSON object per line). Metrics names: Monitors/README.md.

        --http-listen serves the read-only web dashboard (see `senderwatch serve --help`) beside the poller, \
        with /metrics; it reads through its own read-only database connection.

        Example: senderwatch run Monitors/ --config /etc/senderwatch/settings.yaml --metrics-listen 127.0.0.1:9464
        """
    )

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Monitor files or directories to apply at start and again on SIGHUP (optional).")
    var paths: [String] = []

    @Flag(help: "With monitor files: remove domains they do not define (at start and on SIGHUP).")
    var prune = false

    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9464.", valueName: "host:port"))
    var metricsListen: String?

    @Option(help: "Log format: text or json (one object per line).")
    var logFormat: LogFormat = .text

    @Option(help: "Least severe log level shown: trace, debug, info, notice, warning, error, critical. debug logs every poll.")
    var logLevel: String = "info"

    @Option(help: "Polls running at once (default: the DNS concurrency, 32).")
    var maxInFlight: Int?

    @Option(help: "Seconds to let running polls finish at shutdown before abandoning them.")
    var drainTimeout: Double = 10

    @Option(help: "Seconds between outbox deliveries.")
    var outboxInterval: Double = 5

    @OptionGroup var http: DashboardOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var dns: DNSOptions

    func validate() throws {
        if let metricsListen { _ = try Self.hostAndPort(metricsListen) }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical")
        }
        if let maxInFlight, !(1...4096).contains(maxInFlight) { throw ValidationError("--max-in-flight must be 1...4096, got \(maxInFlight)") }
        if !(drainTimeout >= 0 && drainTimeout <= 600) { throw ValidationError("--drain-timeout must be 0...600 seconds") }
        if !(outboxInterval >= 0.1 && outboxInterval <= 3600) { throw ValidationError("--outbox-interval must be 0.1...3600 seconds") }
    }

    static func hostAndPort(_ text: String) throws -> (String, Int) {
        var host = "", portText = ""
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = String(text[close...].dropFirst().drop { $0 == ":" })
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon]); portText = String(text[text.index(after: colon)...])
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("--metrics-listen \(text): expected HOST:PORT such as 127.0.0.1:9464 or [::1]:9464")
        }
        return (host, port)
    }

    func run() async throws {
        let loaded = try store.configuration()
        let settings = loaded?.settings
        var files: MonitorConfiguration?
        if !paths.isEmpty {
            do { files = try MonitorLoader.load(paths: paths) } catch {
                throw InputError("invalid monitor files:\n\(error.description)")
            }
        }
        let (inventory, path) = try store.openStore(settings)
        let lock = PollLock(databasePath: path)
        guard try lock.acquire() else {
            throw InputError("another poll or daemon is using \(path) (pid \(lock.holder() ?? "unknown")); stop it first")
        }
        defer { lock.release() }

        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        MetricsExport.bootstrap()
        let logger = Logger(label: "senderwatch")

        let started = epochNow()
        _ = try inventory.markInterruptedRuns(now: started)
        let runId = try inventory.beginRun(mode: "daemon", pid: getpid(), now: started)
        let reload = MonitorReload(monitorPaths: paths, settingsPath: store.configPath, prune: prune)
        let dnsSettings = settings?.dnsSettings ?? .init()
        let session = try dns.makeResolver(settings: dnsSettings, cacheMaxTTL: try cacheLifetime(inventory, files: files))
        defer { session.shutdown() }
        let resolver = session.resolver
        let validator = session.validator
        let state = DaemonState(store: inventory, runId: runId, routes: loaded?.routes ?? [],
                                mailboxes: settings?.mailboxes ?? []) { planner in
            var poller = Poller(store: inventory, resolver: resolver, settings: settings, concurrency: 1, alerts: planner)
            poller.validator = validator
            return poller
        }
        if !paths.isEmpty { reload.apply(to: state, logger: logger, now: epochNow()) }

        var scheduling = SchedulerService.Configuration()
        scheduling.maxInFlight = maxInFlight ?? dns.effective(dnsSettings).concurrency ?? 32
        scheduling.drainTimeout = .milliseconds(Int64(drainTimeout * 1000))
        var services: [any Service] = []
        let gauges = HealthGauges()
        let network = session.network
        let renderMetrics: @Sendable () -> String = {
            try? gauges.refresh(store: inventory, now: epochNow(), dns: network?.statistics)
            return MetricsExport.render()
        }
        if let metricsListen {
            let (host, port) = try Self.hostAndPort(metricsListen)
            services.append(MetricsEndpoint(host: host, port: port, logger: logger, render: renderMetrics))
        }
        if let httpListen = http.httpListen {
            services.append(try http.server(listen: httpListen, databasePath: path, logger: logger, metrics: renderMetrics))
        }
        services.append(OutboxService(state: state, period: .milliseconds(Int64(outboxInterval * 1000)), logger: logger))
        services.append(SchedulerService(state: state, configuration: scheduling, logger: logger))
        // Always there: a SIGHUP may add mailboxes to a daemon started without any.
        services.append(MailboxService(state: state, reader: settings?.reportReader ?? ReportReader(), logger: logger))
        let signals = await UnixSignalsSequence(trapping: .sighup)
        services.append(ReloadService(signals: signals) {
            logger.info("SIGHUP: re-reading the monitor files")
            reload.apply(to: state, logger: logger, now: epochNow())
        })
        // Graceful shutdown runs in reverse order: SIGHUP handling, then the scheduler drains, then the outbox
        // flushes, then the dashboard and the metrics endpoint close.
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .milliseconds(Int64(drainTimeout * 1000) + 60_000)
        let domainCount = try inventory.domains().count
        logger.info("senderwatch run started", metadata: [
            "database": .string(path), "domains": .stringConvertible(domainCount),
            "max_in_flight": .stringConvertible(scheduling.maxInFlight), "pid": .stringConvertible(getpid()),
        ])
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            logger.error("stopped on an error", metadata: ["error": .string("\(error)")])
            let totals = state.runTotals
            try? inventory.finishRun(id: runId, status: "failed", domainsPolled: totals.polled, findingsOpened: totals.opened,
                                     findingsResolved: totals.resolved, message: "\(error)", now: epochNow())
            throw InputError("the daemon stopped on an error: \(error)")
        }
        let totals = state.runTotals
        try inventory.finishRun(id: runId, status: "ok", domainsPolled: totals.polled, findingsOpened: totals.opened,
                                findingsResolved: totals.resolved, message: "stopped by signal", now: epochNow())
        logger.info("senderwatch run stopped", metadata: [
            "polls": .stringConvertible(totals.polled), "opened": .stringConvertible(totals.opened),
            "resolved": .stringConvertible(totals.resolved),
        ])
    }

    /// The daemon's resolver cache must not hide a change for longer than half the shortest interval
    /// (and never more than 5 minutes), so drift shows up within one interval.
    func cacheLifetime(_ inventory: InventoryStore, files: MonitorConfiguration?) throws -> Double {
        var shortest = try inventory.domains().map(\.intervalSeconds).min() ?? 3600
        if let files {
            shortest = min(shortest, files.domains.map(\.interval).min() ?? shortest)
        }
        return min(max(Double(shortest) / 2, 1), 300)
    }
}
