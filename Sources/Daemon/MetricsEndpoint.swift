import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` over HTTP/1.1 in the Prometheus text format; anything else is 404 (405 for other methods).
/// One event loop thread is plenty for a scrape every few seconds.
public struct MetricsEndpoint: Service, CustomStringConvertible {
    public var description: String { "metrics endpoint \(host):\(port)" }
    let host: String
    let port: Int
    let render: @Sendable () -> String
    let logger: Logger

    /// `render` refreshes the gauges and returns the exposition; it runs on the endpoint's thread.
    public init(host: String, port: Int, logger: Logger, render: @escaping @Sendable () -> String) {
        self.host = host; self.port = port; self.logger = logger; self.render = render
    }

    public func run() async throws {
        let render = self.render
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHTTPHandler(render: render))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("metrics endpoint listening", metadata: [
            "address": .string(channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"),
        ])
        // Serves until shutdown; it goes last, so a final scrape still sees the other services' last numbers.
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () -> String
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () -> String) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let status: HTTPResponseStatus
        var body = ""
        var type = "text/plain; charset=utf-8"
        if request.method != .GET && request.method != .HEAD {
            status = .methodNotAllowed
            body = "only GET /metrics\n"
        } else if path == "/metrics" {
            status = .ok
            body = render()
            type = "text/plain; version=0.0.4; charset=utf-8"
        } else {
            status = .notFound
            body = "senderwatch serves /metrics only\n"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
