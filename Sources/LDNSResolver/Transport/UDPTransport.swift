import CLDNS
import DNSCore
import NIOCore
import NIOPosix
import Synchronization

/// The DNS transport: a few long-lived, non-blocking, connected UDP sockets per nameserver on one event-loop
/// thread, with any number of queries in flight. Each query gets a random id on a socket picked at random
/// (sockets are replaced after a while, so source ports change too; RFC 5452 section 9.2), an answer is
/// believed only with the same id and the same question octet for octet (section 9.1), a silent server is
/// asked again after the timeout, the next nameserver after a SERVFAIL or REFUSED, and a truncated answer is
/// asked again over TCP. A closed port (ICMP port unreachable, seen as ECONNREFUSED on the connected socket)
/// fails the queries waiting on it at once instead of after the timeout.
///
/// libldns reads the answers (`ldns_wire2pkt`); TCP goes through libldns on threads that start only when an
/// answer was truncated.
final class UDPTransport: @unchecked Sendable {
    typealias Completion = @Sendable (Result<DNSMessage, DNSFailure>) -> Void

    static let socketsPerServer = 4
    /// Queries a socket sends before it is replaced by one on a new port.
    static let queriesPerSocket = 4096

    let configuration: LDNSConfiguration
    private let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop
    private let tcp: WorkerPool
    /// Set once shutdown begins, so no work is handed to a loop that is going away.
    private let accepting = Mutex(true)
    // Everything below is confined to `loop`.
    var servers: [ServerSockets]
    var pending: [PendingKey: PendingQuery] = [:]
    var generation: UInt32 = 0
    var closed = false
    /// Sockets written to since the last flush; one flush per loop turn sends what the turn's queries wrote
    /// together (a vector write: one system call for many datagrams instead of one each).
    var unflushed: [any Channel] = []
    var flushScheduled = false
    /// When each query sent waits until, in the order sent (the timeout is the same for all, so this is also
    /// the order of the deadlines). One sweep timer walks it from the front, instead of a timer scheduled and
    /// cancelled for every query; an entry whose query was answered meanwhile is skipped by its serial.
    var deadlines = CircularBuffer<(deadline: NIODeadline, key: PendingKey, serial: UInt64)>()
    var sweepScheduled = false
    var serials: UInt64 = 0

    init(configuration: LDNSConfiguration, tcpWorkers: Int) throws {
        self.configuration = configuration
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        var tcpConfiguration = configuration
        tcpConfiguration.forceTCP = true
        tcp = WorkerPool(configuration: tcpConfiguration, maxWorkers: tcpWorkers)
        servers = configuration.nameservers.map { ServerSockets(server: $0) }
        do {
            try loop.submit { self.openInitialSockets() }.flatMap { $0 }.wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw ResolverConfigurationError("cannot open a UDP socket to the nameservers: \(error)")
        }
    }

    /// Sends one query and calls `completion` (on the event loop) with the answer or the failure.
    func query(_ name: DomainName, _ type: DNSRecordType, completion: @escaping Completion) {
        guard let wire = QueryWire(name: name, type: type, ednsBufferSize: configuration.ednsBufferSize) else {
            completion(.failure(DNSFailure(.invalidQuery, name: name, type: type, detail: "the name cannot be written as a DNS query")))
            return
        }
        let open = accepting.withLock { $0 }
        guard open else {
            completion(.failure(Self.closedFailure(name, type)))
            return
        }
        loop.execute {
            guard !self.closed else {
                completion(.failure(Self.closedFailure(name, type)))
                return
            }
            let query = PendingQuery(name: name, type: type, wire: wire, completion: completion)
            self.send(query, server: 0)
        }
    }

    /// Fails what is still waiting, closes the sockets and joins the event-loop and TCP threads.
    func shutdown() {
        accepting.withLock { $0 = false }
        let closing = loop.submit { () -> EventLoopFuture<Void> in
            self.closed = true
            let waiting = self.pending.values
            self.pending.removeAll()
            for query in waiting {
                query.completion(.failure(Self.closedFailure(query.name, query.type)))
            }
            let channels = self.servers.flatMap { $0.sockets.compactMap(\.channel) }
            return EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: self.loop)
        }
        _ = try? closing.flatMap { $0 }.wait()
        try? group.syncShutdownGracefully()
        tcp.close()
    }

    static func closedFailure(_ name: DomainName, _ type: DNSRecordType) -> DNSFailure {
        DNSFailure(.network, name: name, type: type, detail: "the resolver was shut down")
    }

    // MARK: sending

    /// Sends `query` to nameserver `server` of this round on a random socket, with a fresh random id.
    func send(_ query: PendingQuery, server: Int) {
        var query = query
        query.server = server
        let sockets = servers[server]
        guard let socket = sockets.pick() else {
            finishAttempt(query, failure: DNSFailure(.network, name: query.name, type: query.type,
                                                     detail: "no socket open to \(sockets.server)"))
            return
        }
        var id = UInt16.random(in: 0...UInt16.max)
        while pending[PendingKey(socket: socket.tag, id: id)] != nil { id = UInt16.random(in: 0...UInt16.max) }
        query.wire.setID(id)
        let key = PendingKey(socket: socket.tag, id: id)
        serials &+= 1
        query.serial = serials
        deadlines.append((.now() + .nanoseconds(Int64(configuration.timeout * 1_000_000_000)), key, serials))
        scheduleSweep()
        pending[key] = query
        servers[server].noteSent(tag: socket.tag)
        var buffer = socket.channel!.allocator.buffer(capacity: query.wire.bytes.count)
        buffer.writeBytes(query.wire.bytes)
        let channel = socket.channel!
        channel.write(buffer).whenFailure { [self] error in
            guard let query = pending.removeValue(forKey: key) else { return }
            finishAttempt(query, failure: Self.failure(error, query, sockets.server))
        }
        flushLater(channel)
        rotateIfNeeded(server)
    }

    /// Flushes `channel` once the tasks queued on the loop now have run: the queries handed over together
    /// leave together.
    func flushLater(_ channel: any Channel) {
        if !unflushed.contains(where: { $0 === channel }) { unflushed.append(channel) }
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute { [self] in
            flushScheduled = false
            let channels = unflushed
            unflushed.removeAll(keepingCapacity: true)
            for channel in channels { channel.flush() }
        }
    }

    // MARK: answers and failures

    /// An answer on socket `tag`: believed only when it matches a query waiting there.
    func received(_ bytes: UnsafeRawBufferPointer, socket tag: UInt32) {
        guard bytes.count >= 12 else { return }
        let key = PendingKey(socket: tag, id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        guard let query = pending[key], query.wire.isAnswered(by: bytes) else { return }
        pending[key] = nil
        let server = configuration.nameservers[query.server]
        let (rcode, truncated) = QueryWire.header(bytes)
        if truncated {
            guard configuration.tcpFallback else {
                finishAttempt(query, failure: DNSFailure(.malformedResponse, name: query.name, type: query.type,
                                                         detail: "\(server) sent a truncated answer"))
                return
            }
            let completion = query.completion
            tcp.submit(query.name, query.type, completion: completion)
            return
        }
        switch Self.parse(bytes) {
        case .failure(let problem):
            finishAttempt(query, failure: DNSFailure(.malformedResponse, name: query.name, type: query.type,
                                                     detail: "\(server): \(problem.detail)"))
        case .success(let message) where rcode == 0 || rcode == 3:
            query.completion(.success(message))
        case .success:
            // A server's word beats silence: it is not asked again, but the next nameserver is.
            finishAttempt(query, failure: LDNSQueryEngine.failure(rcode: rcode, query.name, query.type, server))
        }
    }

    /// Wakes at the earliest deadline still waiting (at most every 10 ms) while queries are in flight.
    func scheduleSweep() {
        guard !sweepScheduled, let first = deadlines.first else { return }
        sweepScheduled = true
        let at = max(first.deadline, .now() + .milliseconds(10))
        loop.scheduleTask(deadline: at) { [self] in
            sweepScheduled = false
            sweep()
        }
    }

    /// Times out every query whose deadline has passed and that is still waiting for the attempt it was
    /// sent for.
    func sweep() {
        let now = NIODeadline.now()
        while let first = deadlines.first, first.deadline <= now {
            deadlines.removeFirst()
            if let query = pending[first.key], query.serial == first.serial { timedOut(first.key) }
        }
        // Answered queries leave their entries behind; without waiting ones, none is worth a timer.
        if pending.isEmpty { deadlines.removeAll(keepingCapacity: true) }
        scheduleSweep()
    }

    func timedOut(_ key: PendingKey) {
        guard let query = pending.removeValue(forKey: key) else { return }
        finishAttempt(query, failure: DNSFailure(.timeout, name: query.name, type: query.type,
                                                 detail: "no answer from \(configuration.nameservers[query.server]) within \(configuration.timeout) s"))
    }

    /// A socket reported an error: ECONNREFUSED on a connected UDP socket is the ICMP "port unreachable" of a
    /// closed port, which fails every query waiting on that socket now.
    func socketFailed(_ tag: UInt32, error: any Error) {
        let keys = pending.keys.filter { $0.socket == tag }
        for key in keys {
            guard let query = pending.removeValue(forKey: key) else { continue }
            finishAttempt(query, failure: Self.failure(error, query, configuration.nameservers[query.server]))
        }
    }

    /// The attempt at one nameserver failed: try the next one, then (only when every server was silent)
    /// another round, as `LDNSQueryEngine` does; otherwise report the most informative failure.
    func finishAttempt(_ query: PendingQuery, failure: DNSFailure) {
        var query = query
        if query.failure == nil || query.failure!.kind == .timeout || query.failure!.kind == .network && failure.kind != .timeout {
            query.failure = failure
        }
        if failure.kind != .timeout { query.roundAnswered = true }
        let next = query.server + 1
        if next < servers.count {
            send(query, server: next)
            return
        }
        if !query.roundAnswered, query.round < configuration.retries {
            query.round += 1
            query.roundAnswered = false
            send(query, server: 0)
            return
        }
        query.completion(.failure(query.failure ?? failure))
    }

    static func failure(_ error: any Error, _ query: PendingQuery, _ server: Nameserver) -> DNSFailure {
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED {
            return DNSFailure(.network, name: query.name, type: query.type,
                              detail: "\(server) refused the connection (port unreachable)")
        }
        return DNSFailure(.network, name: query.name, type: query.type, detail: "\(server): \(error)")
    }

    /// The answer as libldns reads it.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<DNSMessage, MalformedPacket> {
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = ldns_wire2pkt(&packet, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
        defer { if let packet { ldns_pkt_free(packet) } }
        guard status == LDNS_STATUS_OK, let packet else {
            let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            return .failure(MalformedPacket(detail: "unreadable answer: \(text)"))
        }
        return LDNSPacketReader.message(packet)
    }
}

/// A query waiting for its answer, in the round and at the nameserver it was last sent to.
struct PendingQuery {
    let name: DomainName
    let type: DNSRecordType
    var wire: QueryWire
    let completion: UDPTransport.Completion
    var server = 0
    var round = 0
    /// Some server of this round answered (SERVFAIL, REFUSED...) or refused: not worth another round.
    var roundAnswered = false
    var failure: DNSFailure?
    /// Which sending this is (`UDPTransport.deadlines`): a query sent again gets a new one.
    var serial: UInt64 = 0

    init(name: DomainName, type: DNSRecordType, wire: QueryWire, completion: @escaping UDPTransport.Completion) {
        self.name = name; self.type = type; self.wire = wire; self.completion = completion
    }
}

struct PendingKey: Hashable {
    let socket: UInt32
    let id: UInt16
}
