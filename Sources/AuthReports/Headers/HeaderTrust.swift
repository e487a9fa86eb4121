import DNSCore

/// Which header fields the receiver wrote, and so which verdicts may be believed. Anyone can write any header
/// field into a message before sending it; only the fields the receiving hosts added on arrival say what they
/// saw. Those sit at the top of the header section, above the `Received` line of the receiving hop (RFC 7208
/// section 9.1 asks Received-SPF to be prepended above it; RFC 8601 section 5 the same for
/// Authentication-Results), or, as Gmail writes them, right below it, before the next `Received`.
///
/// The receiving hop is the topmost `Received` line whose client address is an Internet address: lines above
/// it with private, loopback or link-local clients are relays inside the receiver. Below the line after it,
/// every field was in the message when it arrived, so none is trusted. Between the two, a field is trusted
/// only when it names a trusted receiver (the `authserv-id` of RFC 8601 section 2.5, the `receiver` of a
/// Received-SPF); above the receiving hop an Authentication-Results with an `authserv-id` must name one too.
/// The trusted receivers are the configured list, else the hosts named `by` in the `Received` lines from the
/// top down to the receiving hop (the receiver's own names). A name matches a trusted one when it is equal,
/// a subdomain, a parent of at least two labels, or a sibling under the same parent of at least two labels.
struct HeaderTrust {
    enum Region: Equatable {
        /// Above the receiving hop's `Received` line.
        case receiver
        /// Between that line and the next `Received`: the receiver's (Gmail) or the sender's.
        case besideReceivingHop
        /// Below the next `Received`: written before the receiver got the message.
        case sender
    }

    let hops: [ReceivedHop]
    private let receivedPositions: [Int]
    /// Index in `hops` of the receiving hop; nil when no hop names an Internet client.
    let receivingHop: Int?
    let trustedReceivers: [String]

    init(_ fields: HeaderFields, trusted configured: [String]) {
        receivedPositions = fields.positions(of: "received")
        hops = receivedPositions.map { HeaderFields.hop(fields.fields[$0].value) }
        receivingHop = hops.firstIndex { $0.ip.map { !$0.isInternal } ?? false }
        if !configured.isEmpty {
            trustedReceivers = configured.map(Self.normalized)
        } else {
            let own = hops.prefix((receivingHop ?? hops.count - 1) + 1).compactMap(\.by).map(Self.normalized)
            trustedReceivers = own.filter { IPAddress($0) == nil && $0.contains(".") }
                .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        }
    }

    /// The client address the receiving hop recorded.
    var receivingHopIP: IPAddress? { receivingHop.flatMap { hops[$0].ip } }

    func region(of position: Int) -> Region {
        guard let last = receivedPositions.last else { return .receiver }
        guard let hop = receivingHop else {
            // No hop names an Internet client: the lowest Received line is the best boundary there is.
            return position < last ? .receiver : .besideReceivingHop
        }
        if position < receivedPositions[hop] { return .receiver }
        let next = hop + 1 < receivedPositions.count ? receivedPositions[hop + 1] : Int.max
        return position < next ? .besideReceivingHop : .sender
    }

    /// Nil when the Authentication-Results at `position` is the receiver's; else why it is ignored.
    func distrust(authservID: String?, at position: Int) -> String? {
        switch region(of: position) {
        case .sender:
            return "below the receiving hop's Received line, so written before the receiver got the message"
        case .besideReceivingHop:
            guard let id = authservID else { return "below the receiving hop's Received line and names no authserv-id" }
            return matches(id) ? nil : "below the receiving hop's Received line, from authserv-id \(id), \(notTrusted)"
        case .receiver:
            guard let id = authservID, !trustedReceivers.isEmpty, !matches(id) else { return nil }
            return "authserv-id \(id) is \(notTrusted)"
        }
    }

    /// Nil when the Received-SPF at `position` is the receiver's; else why it is ignored.
    func distrust(_ spf: ReceivedSPF, at position: Int) -> String? {
        switch region(of: position) {
        case .sender:
            return "below the receiving hop's Received line, so written before the receiver got the message"
        case .besideReceivingHop:
            guard let receiver = spf.receiver else { return "below the receiving hop's Received line and names no receiver" }
            return matches(receiver) ? nil : "below the receiving hop's Received line, from \(receiver), \(notTrusted)"
        case .receiver:
            return nil
        }
    }

    private var notTrusted: String {
        trustedReceivers.isEmpty ? "not a trusted receiver"
            : "not a trusted receiver (trusted: \(trustedReceivers.joined(separator: ", ")))"
    }

    func matches(_ name: String) -> Bool {
        let candidate = Self.normalized(name)
        let labels = candidate.split(separator: ".").count
        return trustedReceivers.contains { trusted in
            candidate == trusted || candidate.hasSuffix("." + trusted)
                || (labels >= 2 && trusted.hasSuffix("." + candidate))
                || Self.parent(candidate).map { $0 == Self.parent(trusted) } == true
        }
    }

    /// The name without its first label, when at least two labels remain.
    private static func parent(_ name: String) -> String? {
        guard let dot = name.firstIndex(of: ".") else { return nil }
        let rest = name[name.index(after: dot)...]
        return rest.split(separator: ".").count >= 2 ? String(rest) : nil
    }

    static func normalized(_ name: String) -> String {
        name.lowercased().trimming([" ", "\t", "."])
    }
}
