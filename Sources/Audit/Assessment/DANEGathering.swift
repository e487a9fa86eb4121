import DNSCore
import TransportPolicy

/// The TLSA records of each MX host at `_25._tcp.HOST` (DANE for SMTP, RFC 7672 section 2.2), read when DNSSEC
/// validation is on: without it nothing about them can be judged, since senders ignore TLSA records that are
/// not secure.
public struct DANEHost: Sendable {
    public enum TLSASet: Sendable {
        case absent
        /// The records that parse, and the texts of those that do not, with why.
        case records([TLSARecord], unreadable: [String])
        case unknown(DNSFailure)
    }

    public var host: DomainName
    /// `_25._tcp.HOST`.
    public var name: DomainName
    public var tlsa: TLSASet

    public var isUnknown: Bool { if case .unknown = tlsa { true } else { false } }
    public var isPresent: Bool { if case .records = tlsa { true } else { false } }
}

public enum DANEReader {
    /// The most TLSA records of one host read; more is hostile.
    public static let maximumRecords = 32

    public static func read(_ mx: MXObservation?, resolver: any DNSResolver) async -> [DANEHost] {
        let hosts = (mx?.exchanges.compactMap(\.host) ?? []).filter { IPAddress($0.text) == nil }
        var found: [DANEHost] = []
        for host in hosts.prefix(MXReader.maximumHosts) where !found.contains(where: { $0.host == host }) {
            guard let name = try? host.prepending("_25._tcp") else { continue }
            let set: DANEHost.TLSASet
            switch await resolver.resolve(name, .tlsa) {
            case .failure(let failure):
                set = failure.isTemporary ? .unknown(failure) : .absent
            case .success(let answer):
                var records: [TLSARecord] = []
                var unreadable: [String] = []
                for record in answer.records.prefix(maximumRecords) {
                    guard case .other(let type, let rdata) = record.data, type == .tlsa else { continue }
                    switch TLSARecord.parse(rdata) {
                    case .success(let parsed): records.append(parsed)
                    case .failure(let error): unreadable.append(error.message)
                    }
                }
                set = records.isEmpty && unreadable.isEmpty ? .absent : .records(records, unreadable: unreadable)
            }
            found.append(DANEHost(host: host, name: name, tlsa: set))
        }
        return found
    }
}
