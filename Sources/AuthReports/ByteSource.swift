import Foundation

/// A pull source of bytes: the adapter layer wraps a file or a pipe in one, the core only reads from it.
/// `read` fills at most `buffer.count` bytes and returns how many it wrote; 0 means the end.
public protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Bytes already in memory (tests, MIME attachments).
public final class DataByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ data: Data) { self.init([UInt8](data)) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in
            buffer.baseAddress!.copyMemory(from: raw.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

/// Lets the container detector look at the first bytes, then replays them before the rest.
final class PeekingSource: ByteSource {
    private let upstream: any ByteSource
    private(set) var prefix: [UInt8] = []
    private var replayed = 0

    init(_ upstream: any ByteSource, peek count: Int) throws {
        self.upstream = upstream
        var chunk = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = try chunk.withUnsafeMutableBytes { raw in
                try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if n == 0 { break }
            filled += n
        }
        prefix = Array(chunk[..<filled])
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if replayed < prefix.count {
            let n = min(buffer.count, prefix.count - replayed)
            prefix.withUnsafeBytes { raw in buffer.baseAddress!.copyMemory(from: raw.baseAddress! + replayed, byteCount: n) }
            replayed += n
            return n
        }
        return try upstream.read(into: buffer)
    }

    /// Everything that is left, up to `limit` bytes (for containers that must be read whole, such as e-mail).
    func readAll(limit: Int) throws -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[..<n])
            if out.count > limit { return nil }
        }
    }
}

/// At most `remaining` bytes of the upstream (a stored zip entry).
final class LimitedSource: ByteSource {
    private let upstream: any ByteSource
    private var remaining: Int

    init(_ upstream: any ByteSource, limit: Int) { self.upstream = upstream; remaining = limit }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0 else { return 0 }
        let n = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, remaining)]))
        remaining -= n
        return n
    }
}

/// The upstream, with bytes handed back (read ahead by an inflater) replayed first: a zip archive continues
/// after an entry whose end only the inflater found.
final class PushbackSource: ByteSource {
    private let upstream: any ByteSource
    private var pending: [UInt8] = []
    private var offset = 0

    init(_ upstream: any ByteSource) { self.upstream = upstream }

    func pushBack(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        pending = Array(bytes) + pending[offset...]
        offset = 0
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if offset < pending.count {
            let n = min(buffer.count, pending.count - offset)
            pending.withUnsafeBytes { raw in buffer.baseAddress!.copyMemory(from: raw.baseAddress! + offset, byteCount: n) }
            offset += n
            if offset == pending.count { pending.removeAll(keepingCapacity: true); offset = 0 }
            return n
        }
        return try upstream.read(into: buffer)
    }
}

/// The upstream, failing with `error` once more than `limit` bytes went by (a zip entry larger than allowed).
final class CappedSource: ByteSource {
    private let upstream: any ByteSource
    private let limit: Int
    private let error: ReportError
    private(set) var count = 0

    init(_ upstream: any ByteSource, limit: Int, error: ReportError) {
        self.upstream = upstream
        self.limit = limit
        self.error = error
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try upstream.read(into: buffer)
        count += n
        if count > limit { throw error }
        return n
    }
}

extension ByteSource {
    /// Reads to the end and drops what it reads, a chunk at a time: skipping never allocates the whole.
    func drain() throws {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { chunk.deallocate() }
        while try read(into: chunk) > 0 {}
    }
}
