import ArgumentParser
import Daemon
import Dashboard
import Foundation
import Inventory
import Logging
import Monitor
import ServiceLifecycle

/// `senderwatch serve`: the web dashboard of a database, without polling it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the read-only web dashboard of a database (no polling), with its JSON and /metrics.",
        discussion: """
        Pages: / (every domain: status, SPF lookups against the limit, DMARC policy, open findings by severity, \
        DKIM keys, last poll; search with ?q=, filter with status=ok|partial|temperror|never|findings, \
        severity=critical|error|warning|info, policy=reject|quarantine|none|missing, sort=name|lookups|findings|last-poll, \
        page=N, per=N up to 200), /domains/NAME (records verbatim, SPF terms with lookups, authorized networks \
        with their terms, approved senders against DNS, DKIM keys, findings with fixes, history with the diff of \
        each change, observed sources, DMARC pass rate per day), /findings (state=open|resolved|all, severity=, \
        kind=, domain=), /alerts (state=pending|delivered|dead), /snapshots (the chain and its files). Each page \
        is JSON under /api: /api/domains, /api/domains/NAME, /api/findings, /api/alerts, /api/snapshots.

        The dashboard only reads: GET and HEAD, anything else is 405; it opens the database read-only on its \
        own connection, so `run` or `poll` can write beside it. It binds to loopback unless told otherwise, and \
        a non-loopback address needs --http-token or --http-basic. Pages carry a strict Content-Security-Policy \
        (no script at all) and work without JavaScript.

        `run --http-listen` serves the same dashboard beside the poller.

        Example: senderwatch serve --db /var/lib/senderwatch/senderwatch.sqlite --http-listen 127.0.0.1:8080
        """
    )

    @OptionGroup var http: DashboardOptions

    @Option(help: "Log format: text or json (one object per line).")
    var logFormat: RunCommand.LogFormat = .text

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let path = store.databasePath(try store.settings())
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError("no database at \(path): run `senderwatch apply MONITOR_FILES` and `senderwatch poll` first (or give --db)")
        }
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        MetricsExport.bootstrap()
        let logger = Logger(label: "senderwatch")
        let gauges = HealthGauges()
        let reader = try InventoryStore.readOnly(path: path)
        let listen = http.httpListen ?? "127.0.0.1:8080"
        let server = try http.server(listen: listen, databasePath: path, logger: logger, metrics: {
            try? gauges.refresh(store: reader, now: epochNow(), dns: nil)
            return MetricsExport.render()
        }, onListening: { url in
            FileHandle.standardOutput.write(Data("senderwatch dashboard of \(path): \(url) (Ctrl-C stops it)\n".utf8))
        })
        let group = ServiceGroupConfiguration(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            throw InputError("the dashboard stopped on an error: \(error)")
        }
    }
}
