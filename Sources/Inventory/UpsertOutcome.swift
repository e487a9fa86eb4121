/// What `upsertDomain` did, so `apply` can print a plan-like summary and stay quiet when nothing changed.
public enum UpsertOutcome: Sendable, Hashable {
    case added
    /// Human descriptions of each change, such as "interval 3600s -> 900s" or "sender added: ip 192.0.2.1".
    case changed([String])
    case unchanged
}

/// What `apply` writes, in one transaction (`InventoryStore.apply`).
public struct InventoryChanges: Sendable {
    /// Removed domains to bring back before their definitions are upserted.
    public var restore: [String] = []
    public var upserts: [(domain: DomainRow, senders: [SenderRow])] = []
    /// Domains to remove restorably.
    public var remove: [String] = []
    /// Seconds a removed domain stays restorable.
    public var retention: Int = 30 * 86400
    public init() {}
}
