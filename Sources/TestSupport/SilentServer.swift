import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP server on 127.0.0.1 that accepts every connection and never sends a byte: the receiver that is up
/// but hung, whose cost is the client's timeout. Connections stay open until `stop`.
public final class SilentServer: @unchecked Sendable {
    /// What the accept thread and the server share.
    private final class Connections: @unchecked Sendable {
        let lock = NSLock()
        var open: [Int32] = []
        var accepted = 0
        var stopped = false

        func keep(_ connection: Int32) {
            lock.lock()
            defer { lock.unlock() }
            if stopped { close(connection); return }
            open.append(connection)
            accepted += 1
        }
    }

    public let port: Int
    private let listener: Int32
    private let connections = Connections()

    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SinkError(message: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw SinkError(message: "bind/listen: \(String(cString: strerror(errno)))")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let fd = listener
        let shared = connections
        Thread {
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return }
                shared.keep(connection)
            }
        }.start()
    }

    /// Connections accepted so far.
    public var acceptedCount: Int {
        connections.lock.lock()
        defer { connections.lock.unlock() }
        return connections.accepted
    }

    public func stop() {
        connections.lock.lock()
        let wasStopped = connections.stopped
        connections.stopped = true
        let open = connections.open
        connections.open = []
        connections.lock.unlock()
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for connection in open { close(connection) }
    }

    deinit { stop() }
}
