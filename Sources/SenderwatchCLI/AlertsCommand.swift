import Alerting
import ArgumentParser
import Foundation
import Inventory
import Monitor
import MonitorConfig
import Snapshots

/// `senderwatch alerts test|list|retry`: prove a route works, see the outbox, and resend dead alerts.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Test alert routes, list the alert outbox, retry dead alerts.",
        discussion: """
        Routes are defined under alerts: in the settings file (--config or $SENDERWATCH_CONFIG). Alerts are \
        queued with the poll that caused them and delivered at least once; after max_attempts failures an \
        alert is dead until `alerts retry`. Secrets are references ({ env: NAME } or { file: /path }) and \
        never appear in the database or in any output.
        """,
        subcommands: [Test.self, List.self, Retry.self], defaultSubcommand: List.self)

    /// The settings file's routes; an input error when there is no settings file.
    static func loadRoutes(_ store: StoreOptions) throws -> (MonitorSettings, [AlertRoute]) {
        guard let configuration = try store.configuration() else {
            throw InputError("no settings file: give --config PATH or set SENDERWATCH_CONFIG (routes are under alerts: there)")
        }
        return (configuration.settings, configuration.routes)
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test event through a route now and print the outcome (exit 0 sent, 1 failed).",
            discussion: "Nothing is queued: the test goes straight to the receiver, signed like a real alert.")
        @Argument(help: "The route's name, as under alerts: in the settings file.") var route: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let (_, routes) = try AlertsCommand.loadRoutes(store)
            guard let route = routes.first(where: { $0.name == self.route }) else {
                throw InputError("no alert route named \(self.route) (known: \(routes.map(\.name).joined(separator: ", ")))")
            }
            let problems = AlertRoutesLoader.secretProblems([route])
            guard problems.isEmpty else { throw InputError(problems.map(\.description).joined(separator: "\n")) }
            let dispatcher = OutboxDispatcher(store: try InventoryStore.inMemory(), routes: [route])
            if let failure = await dispatcher.sendTest(route: route, now: epochNow()) {
                print("\(route.name): test failed: \(failure)")
                throw ExitCode(1)
            }
            print("\(route.name): test event delivered (\(route.destination))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the alert outbox, oldest first (no secrets).")
        @Option(help: "Only rows in this state: pending, delivered or dead.") var state: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let state, !OutboxRow.states.contains(state) {
                throw ValidationError("--state must be one of \(OutboxRow.states.joined(separator: ", "))")
            }
        }

        func run() async throws {
            let inventory = try store.openExistingStore(try store.settings())
            let rows = try inventory.outbox(state: state).map(OutboxListing.init)
            if output.json { printJSON(Envelope(items: rows)); return }
            for row in rows { print(row.line) }
            if rows.isEmpty { print("no alerts" + (state.map { " in state \($0)" } ?? "")) }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move dead alerts back to pending and dispatch now.",
            discussion: """
            Give outbox ids (from `alerts list`), or --dead for every dead alert. Delivered alerts are never \
            resent. The attempt count is kept (it is the alert's history): a revived alert that has used its \
            route's max_attempts gets one more attempt now, and is dead again at once if that fails.
            """)
        @Flag(help: "Retry every dead alert.") var dead = false
        @Argument(help: "Outbox ids to retry.") var ids: [Int64] = []
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if ids.isEmpty && !dead { throw ValidationError("give outbox ids or --dead") }
        }

        func run() async throws {
            let (settings, routes) = try AlertsCommand.loadRoutes(store)
            let inventory = try store.openExistingStore(settings)
            let now = epochNow()
            let revived = try inventory.reviveOutbox(ids: ids, allDead: dead, now: now)
            let report = await OutboxDispatcher(store: inventory, routes: routes).dispatch(now: now)
            if output.json {
                printJSON(RetryOutput(revived: revived, report: report))
            } else {
                print("revived \(revived) alert(s) (attempt counts kept); delivered \(report.delivered), failed \(report.failed), "
                      + "dead \(report.dead)" + (report.held > 0 ? ", held \(report.held) (receiver not answering)" : ""))
                for (route, messages) in report.errors.sorted(by: { $0.key < $1.key }) {
                    for message in messages { print("  \(route): \(message)") }
                }
            }
            if !report.isClean { throw ExitCode(1) }
        }
    }
}

struct RetryOutput: Encodable {
    let schemaVersion = jsonSchemaVersion
    let revived: Int
    let report: DispatchReport
}
