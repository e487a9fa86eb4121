import Alerting
import Foundation
import Logging
import Monitor
import MonitorConfig
import ServiceLifecycle

/// Keeps the outbox moving: delivers what is due every `period`, and once more at shutdown, after the
/// scheduler has stopped, so alerts queued by the last polls leave before the process does. Rows waiting
/// for a retry stay queued for the next start (or `senderwatch poll`).
public struct OutboxService: Service, CustomStringConvertible {
    public var description: String { "outbox" }
    let state: DaemonState
    let period: Duration
    /// How long the delivery at shutdown may take.
    let flushTimeout: Duration = .seconds(15)
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(state: DaemonState, period: Duration, logger: Logger,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.state = state; self.period = period; self.logger = logger; self.now = now
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await dispatchOnce()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            } catch {
                break
            }
        }
        if await flush(within: flushTimeout) {
            logger.info("outbox flushed")
        } else {
            logger.warning("outbox flush still running after the timeout; what was not delivered stays queued",
                           metadata: ["timeout": .stringConvertible(flushTimeout)])
        }
    }

    /// The last delivery, bounded: an unreachable receiver (each attempt waits for its own timeout) must not
    /// keep the process from exiting. True if it finished in time; otherwise the rows not yet marked stay
    /// pending and go out at the next start (at least once, as always).
    func flush(within limit: Duration) async -> Bool {
        let (done, signal) = AsyncStream.makeStream(of: Bool.self)
        let delivery = Task {
            await dispatchOnce()
            signal.yield(true)
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            signal.yield(false)
        }
        var finished = false
        for await value in done {
            finished = value
            break
        }
        timer.cancel()
        if !finished { delivery.cancel() }
        return finished
    }

    func dispatchOnce() async {
        let routes = state.routes
        guard !routes.isEmpty else { return }
        let report = await OutboxDispatcher(store: state.store, routes: routes, clock: now).dispatch(now: now())
        PollMetrics.recordDelivery(delivered: report.delivered, failed: report.failed + report.dead)
        if report.delivered + report.failed + report.dead + report.held > 0 {
            logger.info("alerts dispatched", metadata: [
                "delivered": .stringConvertible(report.delivered), "to_retry": .stringConvertible(report.failed),
                "given_up": .stringConvertible(report.dead), "held": .stringConvertible(report.held),
            ])
        }
        for (route, messages) in report.errors.sorted(by: { $0.key < $1.key }) {
            for message in messages {
                logger.warning("alert route failed", metadata: ["route": .string(route), "error": .string(message)])
            }
        }
    }
}
