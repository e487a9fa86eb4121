import CZlib

/// Inflates a gzip stream (RFC 1952, concatenated members included) or a raw deflate stream (a zip entry)
/// chunk by chunk through the system zlib. The output is bounded twice (`ReportLimits`): in bytes, and in
/// bytes per compressed byte once `ReportLimits.ratioFloorBytes` are out, so a small bomb is stopped early.
final class InflateSource: ByteSource {
    enum Format { case gzip, rawDeflate }

    private let upstream: any ByteSource
    private let format: Format
    private let maximumOutput: Int
    private let maximumRatio: Int
    private var consumedTotal = 0
    private(set) var producedTotal = 0
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var input = [UInt8](repeating: 0, count: 64 * 1024)
    private var inputCount = 0
    private var inputUsed = 0
    private var upstreamDone = false
    private var ended = false

    init(_ upstream: any ByteSource, format: Format, limits: ReportLimits = ReportLimits()) throws(ReportError) {
        self.upstream = upstream
        self.format = format
        maximumOutput = limits.inflatedBytes
        maximumRatio = limits.inflateRatio
        stream.initialize(to: z_stream())
        // 15 + 32: zlib or gzip header detected automatically; -15: raw deflate as in zip.
        let bits: Int32 = format == .gzip ? 15 + 32 : -15
        let status = inflateInit2_(stream, bits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw ReportError(.decompression, "zlib inflateInit2 failed (\(status))") }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !ended, buffer.count > 0 else { return 0 }
        while true {
            if inputUsed == inputCount && !upstreamDone {
                inputCount = try input.withUnsafeMutableBytes { try upstream.read(into: $0) }
                inputUsed = 0
                if inputCount == 0 { upstreamDone = true }
            }
            let available = inputCount - inputUsed
            let (status, produced, consumed) = input.withUnsafeMutableBufferPointer { inBuf in
                stream.pointee.next_in = inBuf.baseAddress! + inputUsed
                stream.pointee.avail_in = UInt32(available)
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(buffer.count)
                let status = inflate(stream, Z_NO_FLUSH)
                return (status, buffer.count - Int(stream.pointee.avail_out), available - Int(stream.pointee.avail_in))
            }
            inputUsed += consumed
            try account(consumed: consumed, produced: produced)
            switch status {
            case Z_STREAM_END:
                if format == .gzip, try moreGzipMembers() { inflateReset(stream) } else { ended = true }
                if produced > 0 || ended { return produced }
            case Z_OK:
                if produced > 0 { return produced }
            case Z_BUF_ERROR where upstreamDone:
                throw ReportError(.decompression, "compressed data ends early (truncated \(format == .gzip ? "gzip" : "zip") stream)")
            case Z_BUF_ERROR:
                continue
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                throw ReportError(.decompression, "\(format == .gzip ? "gzip" : "deflate") data is damaged: \(message)")
            }
            if upstreamDone && available == 0 && produced == 0 {
                throw ReportError(.decompression, "compressed data ends early (truncated stream)")
            }
        }
    }

    /// Input read from upstream but not inflated: what follows a raw deflate stream that has ended (a zip
    /// archive's data descriptor and next entry).
    var unconsumedInput: ArraySlice<UInt8> { input[inputUsed..<inputCount] }

    /// True once the deflate stream has ended.
    var isFinished: Bool { ended }

    private func account(consumed: Int, produced: Int) throws(ReportError) {
        consumedTotal += consumed
        producedTotal += produced
        if producedTotal > maximumOutput {
            throw ReportLimits.exceeded("inflated_bytes", "the compressed report inflates past \(maximumOutput) bytes",
                                        limit: maximumOutput)
        }
        guard producedTotal >= ReportLimits.ratioFloorBytes else { return }
        if producedTotal / max(consumedTotal, 1) > maximumRatio {
            throw ReportLimits.exceeded("inflate_ratio", "\(consumedTotal) compressed bytes inflate to \(producedTotal) "
                + "(more than \(maximumRatio) times)", limit: maximumRatio)
        }
    }

    /// Another gzip member follows the one that ended (RFC 1952 section 2.2).
    private func moreGzipMembers() throws -> Bool {
        if inputUsed == inputCount && !upstreamDone {
            inputCount = try input.withUnsafeMutableBytes { try upstream.read(into: $0) }
            inputUsed = 0
            if inputCount == 0 { upstreamDone = true }
        }
        return inputCount - inputUsed >= 2 && input[inputUsed] == 0x1F && input[inputUsed + 1] == 0x8B
    }
}
