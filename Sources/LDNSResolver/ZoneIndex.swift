import DNSCore

/// Answers from loaded zones the way an authoritative server does: NXDOMAIN when a name does not exist,
/// no data when it exists without the asked type (empty non-terminals exist, RFC 8020), CNAME chains
/// (RFC 1034 section 4.3.2) and wildcards synthesised at the closest encloser only (RFC 4592 section 3.3).
/// Delegations inside a zone are not treated specially: NS records are data like any other.
struct ZoneIndex: Sendable {
    private struct Zone: Sendable {
        let origin: DomainName
        let negativeTTL: UInt32
        var nodes: [DomainName: [DNSRecord]] = [:]
        /// Every owner name and every name between it and the apex (empty non-terminals).
        var existing: Set<DomainName> = []
    }

    private var zones: [Zone] = []

    init(_ loaded: [LoadedZone]) throws(ZoneFileError) {
        for zone in loaded {
            if let other = zones.first(where: { $0.origin == zone.origin }) {
                let path = loaded.first { $0.origin == other.origin }?.path ?? "?"
                throw ZoneFileError(path: zone.path, message: "zone \(zone.origin) is already loaded from \(path) (expected one file per zone)")
            }
            var indexed = Zone(origin: zone.origin, negativeTTL: zone.negativeTTL)
            for record in zone.records {
                indexed.nodes[record.name, default: []].append(record)
                var name: DomainName? = record.name
                while let current = name, current.isSubdomain(of: zone.origin), indexed.existing.insert(current).inserted {
                    name = current.parent
                }
            }
            zones.append(indexed)
        }
        // Most specific zone first, so a child zone loaded beside its parent answers for its names.
        zones.sort { $0.origin.labelCount > $1.origin.labelCount }
    }

    var origins: [DomainName] { zones.map(\.origin) }

    func answer(_ name: DomainName, _ type: DNSRecordType) -> DNSResult {
        var current = name
        var visited = [name]
        while true {
            guard let zone = zones.first(where: { current.isSubdomain(of: $0.origin) }) else {
                // The failure names the uncovered name (a CNAME target, possibly), so a fallback resolver
                // can continue the chain from there.
                let detail = current == name ? "no loaded zone file covers \(name)"
                    : "no loaded zone file covers \(current), the CNAME target of \(name)"
                return .failure(DNSFailure(.outsideZones, name: current, type: type, detail: detail))
            }
            guard let node = node(current, in: zone) else {
                return .success(.nxdomain(negativeTTL: zone.negativeTTL))
            }
            let matching = node.filter { $0.data.type == type }.map { DNSRecord(name: current, ttl: $0.ttl, data: $0.data) }
            if !matching.isEmpty { return .success(.records(matching)) }
            guard type != .cname, let alias = node.first(where: { $0.data.type == .cname }),
                  case .cname(let target) = alias.data else {
                return .success(.noData(negativeTTL: zone.negativeTTL))
            }
            if visited.contains(target) {
                return .failure(DNSFailure(.cnameLoop, name: name, type: type, detail: "CNAME chain returns to \(target)"))
            }
            visited.append(target)
            if visited.count > CNAMEChain.maximumHops + 1 {
                return .failure(DNSFailure(.cnameLoop, name: name, type: type, detail: "CNAME chain longer than \(CNAMEChain.maximumHops) hops at \(target)"))
            }
            current = target
        }
    }

    /// The records at `name`, those of the wildcard that covers it, `[]` for a name that exists without
    /// records (empty non-terminal), or nil when the name does not exist.
    private func node(_ name: DomainName, in zone: Zone) -> [DNSRecord]? {
        if let records = zone.nodes[name] { return records }
        if zone.existing.contains(name) { return [] }
        // RFC 4592: the closest encloser is the longest existing ancestor; only its `*` child applies.
        var ancestor = name.parent
        while let encloser = ancestor, encloser.isSubdomain(of: zone.origin) {
            if zone.existing.contains(encloser) {
                guard let wildcard = try? encloser.prepending("*") else { return nil }
                return zone.nodes[wildcard]
            }
            ancestor = encloser.parent
        }
        return nil
    }
}
