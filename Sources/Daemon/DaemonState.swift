import Alerting
import Foundation
import Inventory
import Mailbox
import Monitor
import MonitorConfig
import Synchronization

/// What the services share and SIGHUP may change: the alert routes, the poller built from them, and the
/// mailboxes reports are read from.
public final class DaemonState: Sendable {
    private struct Current {
        var routes: [AlertRoute]
        var poller: Poller
    }

    public let store: InventoryStore
    private let makePoller: @Sendable (AlertPlanner?) -> Poller
    private let current: Mutex<Current>
    /// The daemon's row in the run table; every poll it makes refers to it.
    public let runId: Int64
    private let totals = Mutex(RunTotals())
    private let mailboxSources: Mutex<[MailboxSource]>

    public struct RunTotals: Sendable, Hashable {
        public var polled = 0
        public var opened = 0
        public var resolved = 0
    }

    /// `makePoller` builds the poller for a set of routes (nil planner when there are none).
    public init(store: InventoryStore, runId: Int64, routes: [AlertRoute],
                mailboxes: [MailboxSource] = [], makePoller: @escaping @Sendable (AlertPlanner?) -> Poller) {
        self.store = store
        mailboxSources = Mutex(mailboxes)
        self.runId = runId
        self.makePoller = makePoller
        current = Mutex(Current(routes: routes, poller: makePoller(routes.isEmpty ? nil : AlertPlanner(routes: routes))))
    }

    public var routes: [AlertRoute] { current.withLock { $0.routes } }
    public var poller: Poller { current.withLock { $0.poller } }

    public func replaceRoutes(_ routes: [AlertRoute]) {
        let poller = makePoller(routes.isEmpty ? nil : AlertPlanner(routes: routes))
        current.withLock { $0 = Current(routes: routes, poller: poller) }
    }

    /// The settings' `mailboxes`, as last applied.
    public var mailboxes: [MailboxSource] { mailboxSources.withLock { $0 } }

    public func replaceMailboxes(_ mailboxes: [MailboxSource]) { mailboxSources.withLock { $0 = mailboxes } }

    func count(_ result: DomainPollResult) {
        totals.withLock {
            $0.polled += 1
            $0.opened += result.opened.count
            $0.resolved += result.resolved.count
        }
    }

    public var runTotals: RunTotals { totals.withLock { $0 } }
}
