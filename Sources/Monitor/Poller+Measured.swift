import MonitorConfig
import Inventory

extension Poller {
    /// The per-domain entry point `poll` and the daemon share: polls one domain and records its metrics.
    public func pollMeasured(_ row: DomainRow, runId: Int64?) async throws -> DomainPollResult {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let result = try await poll(row, runId: runId)
            PollMetrics.record(result, duration: clock.now - started)
            return result
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            PollMetrics.recordError()
            throw error
        }
    }
}
