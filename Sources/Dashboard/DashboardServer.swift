import Hummingbird
import HummingbirdCore
import Inventory
import Logging
import NIOCore
import ServiceLifecycle

/// The read-only web dashboard as a service: beside the scheduler in `senderwatch run`, alone in
/// `senderwatch serve`. Hummingbird runs it on NIO's event loops; each page reads through `store`, which the
/// caller opens read-only on its own connection, so the poller's writes never wait for a reader and a slow
/// or hostile client holds a connection (at most `maximumConnections`, closed after `idleTimeout`) and
/// nothing else.
public struct DashboardServer: Service, CustomStringConvertible {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var credentials: DashboardCredentials?
        /// A page not built within this is answered 503.
        public var requestTimeout: Duration = .seconds(10)
        /// A connection that sends nothing for this long is closed.
        public var idleTimeout: TimeAmount = .seconds(15)
        public var maximumConnections = 64

        public init(host: String, port: Int, credentials: DashboardCredentials? = nil) {
            self.host = host; self.port = port; self.credentials = credentials
        }
    }

    public var description: String { "dashboard \(configuration.host):\(configuration.port)" }
    let configuration: Configuration
    let site: DashboardSite
    let logger: Logger
    let onListening: @Sendable (String) -> Void

    /// Refuses a non-loopback address without credentials: the dashboard shows every domain's records,
    /// findings and alert destinations.
    public init(configuration: Configuration, store: InventoryStore, logger: Logger,
                metrics: (@Sendable () async -> String)? = nil,
                onListening: @escaping @Sendable (String) -> Void = { _ in }) throws(DashboardSetupError) {
        guard configuration.credentials != nil || DashboardCredentials.isLoopback(host: configuration.host) else {
            throw DashboardSetupError("--http-listen \(configuration.host):\(configuration.port) is not a loopback address: "
                + "give --http-token env:NAME or --http-basic file:PATH so that only you can read it")
        }
        self.configuration = configuration
        self.site = try DashboardSite(store: store, metrics: metrics)
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let router = site.router()
        let responder = DashboardResponder(inner: router.buildResponder(), credentials: configuration.credentials,
                                           timeout: configuration.requestTimeout)
        let host = configuration.host, port = configuration.port
        let onListening = self.onListening, logger = self.logger
        let application = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: configuration.idleTimeout)),
            configuration: .init(address: .hostname(host, port: port),
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections)),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                let shown = host.contains(":") ? "[\(host)]" : host
                let url = "http://\(shown):\(bound)/"
                logger.info("dashboard listening", metadata: ["url": .string(url)])
                onListening(url)
            },
            logger: logger)
        try await application.run()
    }
}
