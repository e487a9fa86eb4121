/// What `upsertDomain` did, so `apply` can print a plan-like summary and stay quiet when nothing changed.
public enum UpsertOutcome: Sendable, Hashable {
    case added
    /// Human descriptions of each change, such as "interval 3600s -> 900s" or "sender added: ip 192.0.2.1".
    case changed([String])
    case unchanged
}
