import CLDNS
import DNSCore

/// One DNS response reduced to what the resolver needs, as Swift values (no C pointer leaves this module).
struct DNSMessage: Sendable {
    var rcode: UInt8
    var answer: [DNSRecord]
    /// From the SOA in the authority section, for negative answers.
    var negativeTTL: UInt32?
}

/// Sends single queries through libldns. It owns one `ldns_resolver` per configured nameserver, because
/// libldns keeps one port per resolver and we allow a port per nameserver. An engine is confined to the
/// worker thread that created it: libldns mutates a resolver on every query (TCP fallback swaps its
/// internal arrays), and sharing one across threads gave wrong answers and a crash.
final class LDNSQueryEngine {
    private let configuration: LDNSConfiguration
    private var resolvers: [UnsafeMutablePointer<ldns_resolver>] = []

    init(configuration: LDNSConfiguration) throws(ResolverConfigurationError) {
        self.configuration = configuration
        guard !configuration.nameservers.isEmpty else {
            throw ResolverConfigurationError("no nameservers configured: expected at least one, such as 192.0.2.53")
        }
        guard configuration.timeout > 0, configuration.timeout.isFinite else {
            throw ResolverConfigurationError("timeout \(configuration.timeout) s: expected a positive number of seconds")
        }
        guard (0...20).contains(configuration.retries) else {
            throw ResolverConfigurationError("retries \(configuration.retries): expected 0 to 20")
        }
        for server in configuration.nameservers {
            guard let resolver = Self.makeResolver(server, configuration) else {
                resolvers.forEach { ldns_resolver_deep_free($0) }
                throw ResolverConfigurationError("libldns could not set up a resolver for nameserver \(server)")
            }
            resolvers.append(resolver)
        }
    }

    deinit { resolvers.forEach { ldns_resolver_deep_free($0) } }

    private static func makeResolver(_ server: Nameserver, _ configuration: LDNSConfiguration) -> UnsafeMutablePointer<ldns_resolver>? {
        guard let resolver = ldns_resolver_new() else { return nil }
        let rdfType = server.address.isIPv4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA
        guard let address = ldns_rdf_new_frm_str(rdfType, server.address.description) else {
            ldns_resolver_deep_free(resolver); return nil
        }
        defer { ldns_rdf_deep_free(address) }
        guard ldns_resolver_push_nameserver(resolver, address) == LDNS_STATUS_OK else {
            ldns_resolver_deep_free(resolver); return nil
        }
        let seconds = configuration.timeout.rounded(.down)
        let micros = (configuration.timeout - seconds) * 1_000_000
        ldns_resolver_set_timeout(resolver, timeval(tv_sec: Int(seconds), tv_usec: Int(micros)))
        // Retries are ours (see `query`); libldns makes exactly one try per call.
        ldns_resolver_set_retry(resolver, 1)
        ldns_resolver_set_port(resolver, server.port)
        ldns_resolver_set_recursive(resolver, true)
        ldns_resolver_set_dnssec(resolver, false)
        ldns_resolver_set_random(resolver, false)
        ldns_resolver_set_edns_udp_size(resolver, configuration.ednsBufferSize)
        // libldns's own fallback first repeats a truncated query over UDP with a 4096-octet buffer, a round
        // trip wasted on servers that cap UDP answers at 1232 octets as NSD does; `send` goes to TCP at once.
        ldns_resolver_set_fallback(resolver, false)
        return resolver
    }

    /// Asks each nameserver in turn, in rounds (1 + `retries`), until one gives a NOERROR or NXDOMAIN
    /// response. Any other RCODE (SERVFAIL, REFUSED, FORMERR, NOTIMP) moves on to the next nameserver;
    /// when all of them fail, the most informative failure is returned (a server's word beats a timeout).
    func query(_ name: DomainName, _ type: DNSRecordType) -> Result<DNSMessage, DNSFailure> {
        guard let owner = ldns_dname_new_frm_str(name.text) else {
            return .failure(DNSFailure(.invalidQuery, name: name, type: type, detail: "libldns cannot encode the name"))
        }
        defer { ldns_rdf_deep_free(owner) }
        var failure = DNSFailure(.timeout, name: name, type: type, detail: "no nameserver answered")
        for _ in 0...configuration.retries {
            var timedOutOnly = true
            for (index, resolver) in resolvers.enumerated() {
                let server = configuration.nameservers[index]
                switch send(resolver, owner, name, type, server) {
                case .success(let message) where message.rcode == 0 || message.rcode == 3:
                    return .success(message)
                case .success(let message):
                    failure = Self.failure(rcode: message.rcode, name, type, server)
                    timedOutOnly = false
                case .failure(let error):
                    if error.kind != .timeout { timedOutOnly = false }
                    if failure.kind == .timeout || failure.kind == .network { failure = error }
                }
            }
            // A server that answered SERVFAIL or refused will say so again; only silence is worth a retry.
            if !timedOutOnly, failure.kind != .network { break }
        }
        return .failure(failure)
    }

    static func failure(rcode: UInt8, _ name: DomainName, _ type: DNSRecordType, _ server: Nameserver) -> DNSFailure {
        switch rcode {
        case 1: DNSFailure(.formatError, name: name, type: type, detail: "\(server) answered FORMERR")
        case 2: DNSFailure(.serverFailure, name: name, type: type, detail: "\(server) answered SERVFAIL")
        case 4: DNSFailure(.notImplemented, name: name, type: type, detail: "\(server) answered NOTIMP")
        case 5: DNSFailure(.refused, name: name, type: type, detail: "\(server) answered REFUSED")
        default: DNSFailure(.malformedResponse, name: name, type: type, detail: "\(server) answered RCODE \(rcode)")
        }
    }

    private func send(_ resolver: UnsafeMutablePointer<ldns_resolver>, _ owner: UnsafeMutablePointer<ldns_rdf>,
                      _ name: DomainName, _ type: DNSRecordType, _ server: Nameserver) -> Result<DNSMessage, DNSFailure> {
        if configuration.forceTCP { return send(resolver, owner, name, type, server, overTCP: true) }
        let first = send(resolver, owner, name, type, server, overTCP: false)
        guard configuration.tcpFallback, case .failure(let failure) = first, failure.kind == .malformedResponse,
              failure.detail.hasSuffix(Self.truncatedSuffix) else { return first }
        return send(resolver, owner, name, type, server, overTCP: true)
    }

    private static let truncatedSuffix = "sent a truncated answer"

    private func send(_ resolver: UnsafeMutablePointer<ldns_resolver>, _ owner: UnsafeMutablePointer<ldns_rdf>,
                      _ name: DomainName, _ type: DNSRecordType, _ server: Nameserver, overTCP: Bool) -> Result<DNSMessage, DNSFailure> {
        // After one timeout libldns marks a nameserver unreachable for good; make it eligible again.
        ldns_resolver_set_nameserver_rtt(resolver, 0, Int(LDNS_RESOLV_RTT_MIN))
        ldns_resolver_set_usevc(resolver, overTCP)
        defer { ldns_resolver_set_usevc(resolver, false) }
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let started = ContinuousClock.now
        let status = ldns_resolver_send(&packet, resolver, owner, ldns_rr_type(rawValue: UInt32(type.rawValue)),
                                        LDNS_RR_CLASS_IN, UInt16(LDNS_RD))
        defer { if let packet { ldns_pkt_free(packet) } }
        guard status == LDNS_STATUS_OK, let packet else {
            // libldns reports a timeout and a refused connection alike (NETWORK_ERR); the time taken tells them apart.
            let waited = ContinuousClock.now - started
            let timedOut = waited >= .milliseconds(Int64(configuration.timeout * 900))
            return .failure(Self.failure(status: status, timeout: timedOut ? configuration.timeout : nil, name, type, server))
        }
        // A truncated answer is never passed on: its empty or partial answer section would read as
        // "no record" or as a complete set.
        if ldns_pkt_tc(packet) {
            let detail = overTCP ? "\(server) sent a truncated answer over TCP"
                : "\(server) \(Self.truncatedSuffix)"
            return .failure(DNSFailure(.malformedResponse, name: name, type: type, detail: detail))
        }
        return LDNSPacketReader.message(packet).mapError { problem in
            DNSFailure(.malformedResponse, name: name, type: type, detail: "\(server): \(problem.detail)")
        }
    }

    static func failure(status: ldns_status, timeout: Double?, _ name: DomainName, _ type: DNSRecordType, _ server: Nameserver) -> DNSFailure {
        let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        switch status {
        case LDNS_STATUS_NETWORK_ERR where timeout != nil:
            return DNSFailure(.timeout, name: name, type: type, detail: "no answer from \(server) within \(timeout!) s")
        case LDNS_STATUS_RES_NO_NS:
            return DNSFailure(.timeout, name: name, type: type, detail: "no answer from \(server) (\(text))")
        case LDNS_STATUS_WIRE_INCOMPLETE_HEADER, LDNS_STATUS_WIRE_INCOMPLETE_QUESTION, LDNS_STATUS_WIRE_INCOMPLETE_ANSWER,
             LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY, LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL, LDNS_STATUS_PACKET_OVERFLOW:
            return DNSFailure(.malformedResponse, name: name, type: type, detail: "\(server): \(text)")
        default:
            return DNSFailure(.network, name: name, type: type, detail: "\(server): \(text)")
        }
    }
}
