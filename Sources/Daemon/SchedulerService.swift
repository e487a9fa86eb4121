import Foundation
import Inventory
import Logging
import Metrics
import Monitor
import MonitorConfig
import ServiceLifecycle

/// Polls each domain when `PollSchedule` says it is due, with at most `maxInFlight` polls at once, through the
/// same per-domain entry point as `senderwatch poll`.
///
/// On graceful shutdown it starts no new poll and waits up to `drainTimeout` for the polls in flight; those
/// still running then are abandoned: cancelled, they write nothing (the poll checks for cancellation before
/// its single transaction), so each domain is either fully polled or still due at the next start.
public struct SchedulerService: Service, CustomStringConvertible {
    public var description: String { "scheduler" }
    public struct Configuration: Sendable {
        public var maxInFlight = 32
        /// How often the scheduler looks for due domains when nothing finishes.
        public var tick: Duration = .seconds(1)
        public var drainTimeout: Duration = .seconds(10)
        /// When a poll fails outright (not a DNS failure: a database error), retry the domain after this.
        public var failureRetrySeconds: Int64 = 60
        public init() {}
    }

    let state: DaemonState
    let configuration: Configuration
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(state: DaemonState, configuration: Configuration, logger: Logger,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.state = state; self.configuration = configuration; self.logger = logger; self.now = now
    }

    enum Outcome: Sendable {
        case polled(DomainPollResult)
        case failed(String)
        case abandoned
    }

    enum Event: Sendable {
        case tick
        case finished(id: Int64, domain: String, outcome: Outcome)
        case shutdown
        case drainTimeout
    }

    public func run() async throws {
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let tick = configuration.tick
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                sink.yield(.tick)
            }
        }
        var loop = Loop(service: self, sink: sink)
        await withGracefulShutdownHandler {
            loop.fill()
            for await event in events {
                if loop.handle(event) { break }
            }
        } onGracefulShutdown: {
            sink.yield(.shutdown)
        }
        ticker.cancel()
        loop.abandonAll()
        sink.finish()
    }

    /// The scheduler's mutable state, driven by one event at a time.
    struct Loop {
        let service: SchedulerService
        let sink: AsyncStream<Event>.Continuation
        /// The polls running, by domain id, with the domain's name (for the log of those abandoned).
        var inFlight: [Int64: (name: String, task: Task<Void, Never>)] = [:]
        var stopping = false
        var store: InventoryStore { service.state.store }
        var logger: Logger { service.logger }

        /// Returns true when the loop is done.
        mutating func handle(_ event: Event) -> Bool {
            switch event {
            case .tick:
                break
            case .finished(let id, let domain, let outcome):
                inFlight[id] = nil
                finished(id: id, domain: domain, outcome)
            case .shutdown:
                stopping = true
                logger.info("shutting down: no new polls", metadata: ["in_flight": .stringConvertible(inFlight.count)])
                let timeout = service.configuration.drainTimeout
                let sink = self.sink
                Task {
                    try? await Task.sleep(for: timeout)
                    sink.yield(.drainTimeout)
                }
            case .drainTimeout:
                guard !inFlight.isEmpty else { return true }
                logger.warning("abandoning polls still running after the drain timeout; they write nothing",
                               metadata: ["domains": .array(inFlight.values.map(\.name).sorted().map { .string($0) })])
                abandonAll()
                return true
            }
            if stopping { return inFlight.isEmpty }
            fill()
            return false
        }

        /// Starts polls for due domains while there is room.
        mutating func fill() {
            let free = service.configuration.maxInFlight - inFlight.count
            defer { Gauge(label: PollMetrics.pollsInFlight).record(inFlight.count) }
            guard !stopping, free > 0 else { return }
            let due: [DomainRow]
            do {
                due = try store.dueDomains(now: service.now(), limit: free + inFlight.count)
            } catch {
                logger.error("cannot read the due domains", metadata: ["error": "\(error)"])
                return
            }
            for row in due where inFlight.count < service.configuration.maxInFlight {
                guard let id = row.id, inFlight[id] == nil else { continue }
                start(row, id: id)
            }
        }

        mutating func start(_ row: DomainRow, id: Int64) {
            let poller = service.state.poller
            let runId = service.state.runId
            let sink = self.sink
            let logger = self.logger
            let started = Date()
            inFlight[id] = (row.name, Task {
                let outcome: Outcome
                do {
                    outcome = .polled(try await poller.pollMeasured(row, runId: runId))
                } catch is CancellationError {
                    outcome = .abandoned
                } catch {
                    outcome = .failed("\(error)")
                }
                if logger.logLevel <= .debug {
                    logger.debug("poll", metadata: [
                        "domain": .string(row.name),
                        "started": .stringConvertible(started.timeIntervalSince1970),
                        "seconds": .stringConvertible(Date().timeIntervalSince(started)),
                        "status": .string(Self.status(outcome)),
                    ])
                }
                sink.yield(.finished(id: id, domain: row.name, outcome: outcome))
            })
        }

        static func status(_ outcome: Outcome) -> String {
            switch outcome {
            case .polled(let result): result.status
            case .failed: "failed"
            case .abandoned: "abandoned"
            }
        }

        func finished(id: Int64, domain: String, _ outcome: Outcome) {
            switch outcome {
            case .polled(let result):
                service.state.count(result)
                for finding in result.opened {
                    logger.info("finding opened", metadata: [
                        "domain": .string(domain), "kind": .string(finding.kind.rawValue),
                        "severity": .string(finding.severity.rawValue), "detail": .string(finding.message),
                    ])
                }
                for finding in result.resolved {
                    logger.info("finding resolved", metadata: ["domain": .string(domain), "kind": .string(finding.kind.rawValue)])
                }
                if result.status != "ok" {
                    logger.notice("no verdict: temporary DNS failure", metadata: [
                        "domain": .string(domain), "in_a_row": .stringConvertible(result.consecutiveTempFailures),
                    ])
                }
            case .failed(let message):
                logger.error("poll failed", metadata: ["domain": .string(domain), "error": .string(message)])
                try? store.schedule(domainId: id, nextPollAt: service.now() + service.configuration.failureRetrySeconds)
            case .abandoned:
                break
            }
        }

        mutating func abandonAll() {
            for poll in inFlight.values { poll.task.cancel() }
            inFlight = [:]
        }
    }
}
