import DNSCore
import NIOCore
import NIOPosix

/// One connected UDP socket of the transport.
struct UDPSocket {
    /// Unique per socket for the life of the transport: answers are matched by (tag, id).
    let tag: UInt32
    let channel: (any Channel)?
    var sent = 0
    /// Replaced by a socket on a new port; it takes no new queries and closes once its last could have ended.
    var retiring = false
}

/// The sockets of one nameserver.
struct ServerSockets {
    let server: Nameserver
    var sockets: [UDPSocket] = []
    var opening = 0

    init(server: Nameserver) { self.server = server }

    /// A random socket that takes new queries; a retiring one only when none other is open.
    func pick() -> UDPSocket? {
        let open = sockets.filter { !$0.retiring && $0.channel != nil }
        return open.randomElement() ?? sockets.filter { $0.channel != nil }.randomElement()
    }

    mutating func noteSent(tag: UInt32) {
        if let index = sockets.firstIndex(where: { $0.tag == tag }) { sockets[index].sent += 1 }
    }
}

/// Hands each datagram to the transport, on the event loop.
final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private weak var transport: UDPTransport?
    private let tag: UInt32

    init(transport: UDPTransport, tag: UInt32) {
        self.transport = transport
        self.tag = tag
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        envelope.data.withUnsafeReadableBytes { transport?.received($0, socket: tag) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        transport?.socketFailed(tag, error: error)
    }
}

extension UDPTransport {
    /// Opens `socketsPerServer` sockets to every nameserver; fails if one cannot be opened.
    func openInitialSockets() -> EventLoopFuture<Void> {
        var opened: [EventLoopFuture<Void>] = []
        for index in servers.indices {
            for _ in 0..<Self.socketsPerServer { opened.append(openSocket(server: index)) }
        }
        return EventLoopFuture.andAllSucceed(opened, on: loop)
    }

    /// Binds a socket on a port of the kernel's choosing, connects it to nameserver `index` and adds it.
    func openSocket(server index: Int) -> EventLoopFuture<Void> {
        generation += 1
        let tag = generation
        let server = servers[index].server
        servers[index].opening += 1
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: server.address.description, port: Int(server.port))
        } catch {
            servers[index].opening -= 1
            return loop.makeFailedFuture(error)
        }
        let bootstrap = DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 1 << 20)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler(transport: self, tag: tag))
                }
            }
        return bootstrap.connect(to: address).map { [self] channel in
            servers[index].opening -= 1
            servers[index].sockets.append(UDPSocket(tag: tag, channel: channel))
        }.flatMapErrorThrowing { [self] error in
            servers[index].opening -= 1
            throw error
        }
    }

    /// After `queriesPerSocket` queries a socket is replaced by one on a new port. The old one closes when
    /// every query sent on it has had all its time (the timeout of every try).
    func rotateIfNeeded(_ index: Int) {
        guard servers[index].opening == 0,
              let worn = servers[index].sockets.firstIndex(where: { !$0.retiring && $0.sent >= Self.queriesPerSocket })
        else { return }
        servers[index].sockets[worn].retiring = true
        let tag = servers[index].sockets[worn].tag
        openSocket(server: index).whenComplete { _ in }
        let grace = configuration.timeout * Double(configuration.retries + 1) + 1
        loop.scheduleTask(in: .nanoseconds(Int64(grace * 1_000_000_000))) { [self] in
            guard let position = servers[index].sockets.firstIndex(where: { $0.tag == tag }) else { return }
            let socket = servers[index].sockets.remove(at: position)
            socket.channel?.close(promise: nil)
            socketFailed(tag, error: ChannelError.ioOnClosedChannel)
        }
    }
}
