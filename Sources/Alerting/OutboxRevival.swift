import Inventory

/// `alerts retry`: dead rows back to pending with a fresh attempt budget, and pending rows made due now.
public enum OutboxRevival {
    /// Revives `ids` (dead or pending), or with no ids every dead row when `allDead`. Returns rows changed.
    /// Delivered rows are never touched: an event a receiver accepted is not sent again.
    public static func revive(store: InventoryStore, ids: [Int64], allDead: Bool, now: Int64) throws -> Int {
        try store.reviveOutbox(ids: ids, allDead: allDead, now: now)
    }
}
