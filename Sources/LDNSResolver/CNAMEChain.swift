import DNSCore

/// Follows CNAME records through the answer section of one response (RFC 1034 section 3.6.2), and says
/// when the chain leaves the response so the target must be asked for separately.
enum CNAMEChain {
    /// The most CNAME hops one lookup follows; a longer chain is treated like a loop.
    static let maximumHops = 8

    enum Step: Equatable {
        case answer(DNSAnswer)
        /// The response ends at `target` without saying anything about it.
        case requery(target: DomainName)
        case loop(detail: String)
    }

    /// Interprets a NOERROR or NXDOMAIN response to `asked`/`type`. `visited` carries the names seen in
    /// earlier responses of the same lookup, so a loop across re-queries is caught too.
    static func interpret(_ message: DNSMessage, asked: DomainName, type: DNSRecordType,
                          visited: inout [DomainName]) -> Step {
        var owner = asked
        while true {
            let matching = message.answer.filter { $0.name == owner && $0.data.type == type }
            if !matching.isEmpty { return .answer(.records(matching)) }
            guard type != .cname,
                  let alias = message.answer.first(where: { $0.name == owner && $0.data.type == .cname }),
                  case .cname(let target) = alias.data else { break }
            if visited.contains(target) {
                return .loop(detail: "CNAME chain returns to \(target)")
            }
            visited.append(target)
            if visited.count > maximumHops + 1 {
                return .loop(detail: "CNAME chain longer than \(maximumHops) hops at \(target)")
            }
            owner = target
        }
        let negativeTTL = message.negativeTTL ?? 0
        // RFC 6604: the RCODE describes the last name of the chain. A NOERROR response that stops at an
        // alias target without an SOA comes from a server not authoritative for that target: ask again.
        if message.rcode == 3 { return .answer(.nxdomain(negativeTTL: negativeTTL)) }
        if owner != asked, message.negativeTTL == nil { return .requery(target: owner) }
        return .answer(.noData(negativeTTL: negativeTTL))
    }
}
