/// How far `apply --prune` may go on its own: it refuses to remove every domain, or more than `maxPercent`
/// percent of them, without `--force`, since that is what a wrong path, a deleted file or a half-checked-out
/// repository looks like. What it removes stays restorable for `retention` seconds.
public struct PruneGuard: Sendable, Hashable {
    /// `prune_max_percent` (default 25).
    public var maxPercent = 25
    /// `removed_retention` in seconds (default 30 days).
    public var retention = 30 * 86400

    public init() {}

    /// Why removing `removing` out of `total` domains needs `--force`; nil when it does not.
    public func refusal(removing: [String], of total: Int) -> PruneRefusal? {
        guard !removing.isEmpty else { return nil }
        guard removing.count >= total || removing.count * 100 > total * maxPercent else { return nil }
        return PruneRefusal(removing: removing, total: total, limits: self)
    }
}

/// `apply --prune` would remove more than `PruneGuard` allows; nothing was written.
public struct PruneRefusal: Error, Sendable, CustomStringConvertible {
    public var removing: [String]
    public var total: Int
    public var limits: PruneGuard

    public var description: String {
        let shown = removing.prefix(10).joined(separator: ", ") + (removing.count > 10 ? " and \(removing.count - 10) more" : "")
        let share = removing.count >= total
            ? "all \(total) domain(s) of the inventory"
            : "\(removing.count) of the \(total) domains of the inventory (\(removing.count * 100 / max(total, 1))%, "
                + "more than prune_max_percent: \(limits.maxPercent))"
        return "--prune would remove \(share): \(shown). Nothing was written. Check that the monitor files given are "
            + "all of them; if this is meant, run again with --force (removed domains stay restorable for "
            + "\(limits.retention / 86400) day(s) with `senderwatch domains restore NAME`)"
    }
}
