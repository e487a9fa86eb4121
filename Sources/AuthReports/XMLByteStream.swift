/// Feeds `XMLScanner` from a `ByteSource`, repairing on the way what an XML parser would refuse: bytes
/// before the first `<` and invalid UTF-8 (replaced by U+FFFD when the document is UTF-8). Only one chunk is
/// held at a time, so memory stays flat whatever the report's size; past `maximumBytes`
/// (`ReportLimits.reportBytes`) the stream fails with the limit's error.
final class XMLByteStream {
    private let upstream: any ByteSource
    private let maximumBytes: Int
    private var pending: [UInt8] = []      // sanitized bytes not yet handed to the parser
    private var pendingOffset = 0
    private var carry: [UInt8] = []        // an incomplete UTF-8 sequence at a chunk's end
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    private var started = false
    private var finished = false
    private var checkUTF8 = true
    private var invalidSequences = 0
    private(set) var warnings: [ReportWarning] = []
    private(set) var sourceError: (any Error)?
    private(set) var totalBytes = 0

    init(_ upstream: any ByteSource, maximumBytes: Int = ReportLimits().reportBytes) {
        self.upstream = upstream
        self.maximumBytes = maximumBytes
    }

    /// Warnings of the whole stream, complete once the parser has read to the end.
    func finalWarnings() -> [ReportWarning] {
        var all = warnings
        if invalidSequences > 0 {
            all.append(ReportWarning(.invalidUTF8, "\(invalidSequences) invalid UTF-8 byte sequence(s) replaced by U+FFFD"))
        }
        return all
    }

    /// Appends the next sanitized bytes to `target`; false at the end of the input. An ASCII chunk (the usual
    /// case) goes from the read buffer to `target` in one copy, without passing through `pending`.
    func readAppending(to target: inout [UInt8]) -> Bool {
        while true {
            if pendingOffset < pending.count {
                target.append(contentsOf: pending[pendingOffset...])
                pending.removeAll(keepingCapacity: true)
                pendingOffset = 0
                return true
            }
            if finished { return false }
            guard let n = readChunk() else { continue }
            if n > 0, started, carry.isEmpty, !checkUTF8 || Self.firstNonASCII(chunk, count: n) == nil {
                target.append(contentsOf: chunk[..<n])
                return true
            }
            process(n)
        }
    }

    /// Reads the next chunk from upstream into `chunk`; nil (and `finished`) when the source failed.
    private func readChunk() -> Int? {
        let n: Int
        do { n = try chunk.withUnsafeMutableBytes { try upstream.read(into: $0) } } catch {
            sourceError = error
            finished = true
            return nil
        }
        totalBytes += n
        if totalBytes > maximumBytes {
            sourceError = ReportLimits.exceeded("report_bytes", "the report is longer than \(maximumBytes) bytes of XML",
                                                limit: maximumBytes)
            finished = true
            return nil
        }
        return n
    }

    private func process(_ n: Int) {
        if n == 0 {
            finished = true
            if !carry.isEmpty { invalidSequences += 1; pending.append(contentsOf: [0xEF, 0xBF, 0xBD]); carry = [] }
            return
        }
        var bytes = carry.isEmpty ? Array(chunk[..<n]) : carry + chunk[..<n]
        carry = []
        if !started {
            guard let start = bytes.firstIndex(of: UInt8(ascii: "<")) else {
                if bytes.count > 4096 { started = true } else { carry = bytes; return }
                return
            }
            started = true
            inspectStart(bytes, start: start)
            bytes.removeFirst(start)
        }
        pending.append(contentsOf: checkUTF8 ? sanitize(bytes) : bytes)
    }

    private func inspectStart(_ bytes: [UInt8], start: Int) {
        let lead = bytes[..<start]
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let rest = lead.starts(with: bom) ? lead.dropFirst(3) : lead[...]
        if !rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            warnings.append(ReportWarning(.leadingGarbage, "\(rest.count) byte(s) before the first '<' skipped"))
        }
        let head = String(decoding: bytes[start..<min(bytes.count, start + 200)], as: UTF8.self)
        guard head.hasPrefix("<?xml"), let close = head.range(of: "?>") else { return }
        let declaration = head[..<close.upperBound].lowercased()
        if let enc = declaration.range(of: "encoding=") {
            let value = declaration[enc.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }
            checkUTF8 = value == "utf-8" || value == "utf8"
        }
        if let next = head[close.upperBound...].first, next != "\n", next != "\r" {
            warnings.append(ReportWarning(.declarationWithoutNewline, "no newline after the XML declaration"))
        }
    }

    /// Replaces invalid UTF-8 with U+FFFD; an incomplete sequence at the end waits for the next chunk.
    private func sanitize(_ bytes: [UInt8]) -> [UInt8] {
        // Most reports are ASCII: then there is nothing to check, and nothing to copy byte by byte.
        guard let firstHigh = Self.firstNonASCII(bytes) else { return bytes }
        var out: [UInt8] = Array(bytes[..<firstHigh])
        out.reserveCapacity(bytes.count)
        var i = firstHigh
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { out.append(b); i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: length = 0
            }
            if length == 0 { replace(&out); i += 1; continue }
            var j = 1
            var valid = true
            while j < length {
                if i + j >= n { carry = Array(bytes[i...]); return out }
                let c = bytes[i + j]
                let lo = j == 1 ? lower : 0x80, hi = j == 1 ? upper : 0xBF
                if c < lo || c > hi { valid = false; break }
                j += 1
            }
            if valid { out.append(contentsOf: bytes[i..<i + length]); i += length } else { replace(&out); i += j }
        }
        return out
    }

    /// Eight bytes at a time: a chunk of a report is nearly always all ASCII.
    static func firstNonASCII(_ bytes: [UInt8]) -> Int? { firstNonASCII(bytes, count: bytes.count) }

    /// The same over the first `count` bytes. Raw loads, because a byte-by-byte `firstIndex` costs 3.7% more
    /// instructions over the whole parse (1,586 M against 1,529 M, Scripts/bench-parser --callgrind, 20,000
    /// records). Safe: every 8-byte load starts at `i` with `i + 8 <= count <= bytes.count`, and unaligned
    /// loads are allowed for `loadUnaligned`.
    static func firstNonASCII(_ bytes: [UInt8], count: Int) -> Int? {
        precondition(count <= bytes.count)
        return bytes.withUnsafeBytes { raw -> Int? in
            var i = 0
            let n = count
            while i + 8 <= n {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            while i < n {
                if raw[i] >= 0x80 { return i }
                i += 1
            }
            return nil
        }
    }

    private func replace(_ out: inout [UInt8]) {
        invalidSequences += 1
        out.append(contentsOf: [0xEF, 0xBF, 0xBD])
    }
}
