import Foundation
import GRDB
import Inventory

/// `alerts retry`: dead rows back to pending with a fresh attempt budget, and pending rows made due now.
///
/// InventoryStore has no public call for this yet, so it is one UPDATE through a second connection on the
/// same database file (WAL, with the store's busy timeout). It belongs in Inventory as
/// `InventoryStore.reviveOutbox(ids:now:)`; until then it works on file stores only.
public enum OutboxRevival {
    /// Revives `ids` (dead or pending), or with no ids every dead row when `allDead`. Returns rows changed.
    /// Delivered rows are never touched: an event a receiver accepted is not sent again.
    public static func revive(store: InventoryStore, ids: [Int64], allDead: Bool, now: Int64) throws -> Int {
        guard let path = store.path else { throw SecretError("retry needs a database file (not an in-memory store)") }
        var configuration = Configuration()
        configuration.busyMode = .timeout(InventoryStore.busyTimeout)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.write { db in
            var request = OutboxRow.filter([OutboxRow.statePending, OutboxRow.stateDead].contains(OutboxRow.Columns.state))
            if !ids.isEmpty {
                request = request.filter(ids.contains(OutboxRow.Columns.id))
            } else if allDead {
                request = request.filter(OutboxRow.Columns.state == OutboxRow.stateDead)
            } else {
                return 0
            }
            return try request.updateAll(db,
                                         OutboxRow.Columns.state.set(to: OutboxRow.statePending),
                                         OutboxRow.Columns.attempts.set(to: 0),
                                         OutboxRow.Columns.nextAttemptAt.set(to: now))
        }
    }
}
