import DNSCore
import Synchronization

/// An in-memory set of zones that answers as an authoritative server would: NXDOMAIN for a name that does
/// not exist, no data for a name that exists without the asked type (empty non-terminals included, RFC 8020),
/// CNAME chains, `*` wildcards (RFC 4592), and names marked as timing out.
public struct MemoryZone: Sendable {
    struct Node: Sendable {
        var records: [DNSRecord] = []
        var timesOut = false
        /// Types whose queries time out while the others answer.
        var timingOutTypes: Set<DNSRecordType> = []
    }

    var nodes: [DomainName: Node] = [:]
    /// Every proper ancestor of a name with a node: the names that exist as empty non-terminals.
    var ancestors: Set<DomainName> = []
    /// When false, a name with no records of its own is NXDOMAIN even if names exist below it (as some
    /// published suites assume).
    public var emptyNonTerminals: Bool
    public var negativeTTL: UInt32 = 300

    public init(emptyNonTerminals: Bool = true) { self.emptyNonTerminals = emptyNonTerminals }

    public mutating func add(_ name: DomainName, _ data: DNSRecordData, ttl: UInt32 = 3600) {
        nodes[name, default: Node()].records.append(DNSRecord(name: name, ttl: ttl, data: data))
        noteAncestors(of: name)
    }

    mutating func noteAncestors(of name: DomainName) {
        var parent = name.parent
        while let current = parent, ancestors.insert(current).inserted { parent = current.parent }
    }

    /// Convenience for tests: `add("example.com", txt: "v=spf1 -all")`.
    public mutating func add(_ name: String, txt strings: String...) {
        add(try! DomainName(name), .txt(strings.map { Array($0.utf8) }))
    }

    /// Replaces the TXT records at `name` with one holding `text`.
    public mutating func replaceTXT(_ name: String, _ text: String) {
        let owner = try! DomainName(name)
        nodes[owner, default: Node()].records.removeAll { $0.data.type == .txt }
        add(owner, .txt([Array(text.utf8)]))
    }

    /// Every query for `name` fails with a temporary timeout.
    public mutating func addTimeout(_ name: DomainName) {
        nodes[name, default: Node()].timesOut = true
        noteAncestors(of: name)
    }

    /// Queries for `name` of `type` fail with a temporary timeout; other types answer.
    public mutating func addTimeout(_ name: DomainName, type: DNSRecordType) {
        nodes[name, default: Node()].timingOutTypes.insert(type)
        noteAncestors(of: name)
    }

    /// Makes `name` exist with no records (for no-data answers).
    public mutating func touch(_ name: DomainName) {
        _ = nodes[name, default: Node()]
        noteAncestors(of: name)
    }

    public func contains(_ name: DomainName) -> Bool { nodes[name] != nil }

    func exists(_ name: DomainName) -> Bool {
        if nodes[name] != nil { return true }
        guard emptyNonTerminals else { return false }
        return ancestors.contains(name)
    }

    /// The node for `name`, or the wildcard that covers it at its closest encloser.
    func node(for name: DomainName) -> (DomainName, Node)? {
        if let node = nodes[name] { return (name, node) }
        if exists(name) { return nil }
        var encloser = name.parent
        while let current = encloser {
            if let wildcard = try? current.prepending("*"), let node = nodes[wildcard] {
                return (wildcard, node)
            }
            if exists(current) { return nil }
            encloser = current.parent
        }
        return nil
    }

    public func answer(_ name: DomainName, _ type: DNSRecordType) -> DNSResult {
        var current = name
        var seen: Set<DomainName> = []
        while true {
            guard seen.insert(current).inserted, seen.count <= 16 else {
                return .failure(DNSFailure(.cnameLoop, name: name, type: type, detail: "CNAME chain loops at \(current)"))
            }
            guard let (owner, node) = node(for: current) else {
                return .success(exists(current) ? .noData(negativeTTL: negativeTTL) : .nxdomain(negativeTTL: negativeTTL))
            }
            if node.timesOut || node.timingOutTypes.contains(type) {
                return .failure(DNSFailure(.timeout, name: current, type: type, detail: "no answer (test zone marks \(owner) as TIMEOUT)"))
            }
            let matching = node.records.filter { $0.data.type == type }
                .map { DNSRecord(name: current, ttl: $0.ttl, data: $0.data) }
            if !matching.isEmpty { return .success(.records(matching)) }
            if type != .cname, let cname = node.records.first(where: { $0.data.type == .cname }),
               case .cname(let target) = cname.data {
                current = target
                continue
            }
            return .success(.noData(negativeTTL: negativeTTL))
        }
    }
}

/// A `DNSResolver` over a `MemoryZone` that records every query it receives, in order.
public final class ZoneResolver: DNSResolver {
    public struct Query: Sendable, Hashable, CustomStringConvertible {
        public let name: DomainName
        public let type: DNSRecordType
        public var description: String { "\(name) \(type)" }
    }

    private let state: Mutex<(zone: MemoryZone, queries: [Query])>

    public init(_ zone: MemoryZone) { state = Mutex((zone, [])) }

    public func resolve(_ name: DomainName, _ type: DNSRecordType) async -> DNSResult {
        state.withLock { state in
            state.queries.append(Query(name: name, type: type))
            return state.zone.answer(name, type)
        }
    }

    /// The queries made so far.
    public var queries: [Query] { state.withLock { $0.queries } }

    public func resetQueries() { state.withLock { $0.queries.removeAll() } }

    /// Replaces the zone, e.g. to simulate a record change between two polls.
    public func update(_ change: (inout MemoryZone) -> Void) { state.withLock { change(&$0.zone) } }
}
