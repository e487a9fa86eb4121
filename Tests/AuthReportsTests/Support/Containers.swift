import CZlib
import Foundation

/// Builds the containers the limit and zip tests need: gzip streams and raw deflate data through the system
/// zlib, and zip archives written entry by entry (PKWARE APPNOTE 4.3.7) with stored or deflated entries,
/// sizes in the header or in a data descriptor.
enum Containers {
    /// `bytes` compressed as one gzip member (RFC 1952) or raw deflate (a zip entry's data).
    static func deflate(_ bytes: [UInt8], gzip: Bool, level: Int32 = 9) -> [UInt8] {
        var stream = z_stream()
        let bits: Int32 = gzip ? 15 + 16 : -15
        precondition(deflateInit2_(&stream, level, Z_DEFLATED, bits, 9, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        var input = bytes
        let status = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        precondition(status == Z_STREAM_END)
        return Array(out[..<Int(stream.total_out)])
    }

    static func gzip(_ bytes: [UInt8], level: Int32 = 9) -> [UInt8] { deflate(bytes, gzip: true, level: level) }

    struct ZipEntry {
        var name: String
        var data: [UInt8]
        var deflated = true
        /// Sizes after the data, in a data descriptor with its signature, instead of in the header.
        var descriptor = false
        var encrypted = false
        var method: UInt16? = nil
        /// The uncompressed size the header claims, when it should lie.
        var declaredSize: UInt32? = nil
    }

    static func zip(_ entries: [ZipEntry], centralDirectory: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            let body = entry.deflated ? deflate(entry.data, gzip: false) : entry.data
            let name = Array(entry.name.utf8)
            var flags: UInt16 = 0
            if entry.descriptor { flags |= 8 }
            if entry.encrypted { flags |= 1 }
            out += le32(0x0403_4B50) + le16(20) + le16(flags) + le16(entry.method ?? (entry.deflated ? 8 : 0))
            out += le16(0) + le16(0) + le32(crc(entry.data))
            out += le32(entry.descriptor ? 0 : UInt32(body.count))
            out += le32(entry.descriptor ? 0 : entry.declaredSize ?? UInt32(entry.data.count))
            out += le16(UInt16(name.count)) + le16(0) + name + body
            if entry.descriptor {
                out += le32(0x0807_4B50) + le32(crc(entry.data)) + le32(UInt32(body.count)) + le32(UInt32(entry.data.count))
            }
        }
        // A central directory header's signature is enough for the reader to know the entries are over.
        if centralDirectory { out += le32(0x0201_4B50) + [UInt8](repeating: 0, count: 42) }
        return out
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
}
