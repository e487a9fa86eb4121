import ArgumentParser
import Dashboard
import Inventory
import Logging

/// `--http-listen` and its credentials, shared by `run` (beside the poller) and `serve` (alone).
struct DashboardOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Serve the read-only web dashboard, its JSON under /api and /metrics at http://HOST:PORT/, e.g. 127.0.0.1:8080. "
            + "A non-loopback address needs --http-token or --http-basic.", valueName: "host:port"))
    var httpListen: String?

    @Option(help: ArgumentHelp(
        "Require 'Authorization: Bearer TOKEN', the token read from a secret reference: env:NAME or file:PATH (16 characters or more).",
        valueName: "secret"))
    var httpToken: String?

    @Option(help: ArgumentHelp(
        "Require HTTP basic authentication with the USER:PASSWORD held in a secret reference: env:NAME or file:PATH.",
        valueName: "secret"))
    var httpBasic: String?

    func validate() throws {
        if httpToken != nil && httpBasic != nil { throw ValidationError("give --http-token or --http-basic, not both") }
        for (option, value) in [("--http-token", httpToken), ("--http-basic", httpBasic)] {
            guard let value else { continue }
            do { _ = try DashboardCredentials.reference(value) } catch { throw ValidationError("\(option) \(error.message)") }
        }
        if let httpListen {
            let (host, _) = try Self.hostAndPort(httpListen)
            if httpToken == nil && httpBasic == nil && !DashboardCredentials.isLoopback(host: host) {
                throw ValidationError("--http-listen \(httpListen) is not a loopback address: give --http-token env:NAME "
                    + "or --http-basic file:PATH so that only you can read the dashboard")
            }
        }
    }

    static func hostAndPort(_ text: String) throws -> (String, Int) {
        do { return try RunCommand.hostAndPort(text) } catch {
            throw ValidationError("--http-listen \(text): expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080")
        }
    }

    /// The credentials asked for, their secret read now: a missing or unusable secret stops the start.
    func credentials() throws -> DashboardCredentials? {
        do {
            if let httpToken { return try DashboardCredentials.bearer(DashboardCredentials.reference(httpToken)) }
            if let httpBasic { return try DashboardCredentials.basic(DashboardCredentials.reference(httpBasic)) }
        } catch {
            throw InputError("\(httpToken != nil ? "--http-token" : "--http-basic"): \(error.message)")
        }
        return nil
    }

    /// The dashboard at `listen` over its own read-only connection to the database at `path`.
    func server(listen: String, databasePath path: String, logger: Logger, metrics: @escaping @Sendable () -> String,
                onListening: @escaping @Sendable (String) -> Void = { _ in }) throws -> DashboardServer {
        let (host, port) = try Self.hostAndPort(listen)
        let reader = try InventoryStore.readOnly(path: path)
        do {
            return try DashboardServer(configuration: .init(host: host, port: port, credentials: try credentials()), store: reader,
                                       logger: logger, metrics: { metrics() }, onListening: onListening)
        } catch let error as DashboardSetupError {
            throw InputError(error.message)
        }
    }
}
