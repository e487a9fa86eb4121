import DNSCore
import Synchronization

/// A `DNSSECValidator` that answers from a table by `name/TYPE` (lower-case name), `insecure` for the rest, and
/// records what it was asked.
public final class MemoryDNSSEC: DNSSECValidator {
    private let state: Mutex<(statuses: [String: DNSSECStatus], asked: [String])>

    public init(_ statuses: [String: DNSSECStatus] = [:]) { state = Mutex((statuses, [])) }

    public func status(_ name: DomainName, _ type: DNSRecordType, now: Int64) async -> DNSSECStatus {
        let id = "\(name.key)/\(type)"
        return state.withLock { state in
            state.asked.append(id)
            return state.statuses[id] ?? .insecure
        }
    }

    /// Sets the status of `id` (`name/TYPE`).
    public func set(_ id: String, _ status: DNSSECStatus) { state.withLock { $0.statuses[id] = status } }

    public var asked: [String] { state.withLock { $0.asked } }
}
