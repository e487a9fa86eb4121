/// Opens the report inside a zip archive by walking its local file headers (PKWARE APPNOTE 4.3.7) as they
/// stream by, so a large entry is never held whole. Reporters send one XML file per archive; entries that are
/// directories, or not `.xml` while their size is known, are skipped.
enum ZipEntryReader {
    static func firstReport(in source: any ByteSource) throws(ReportError) -> (name: String, data: any ByteSource) {
        while true {
            let header = try readExactly(source, 30, what: "zip local file header")
            guard le32(header, 0) == 0x0403_4B50 else {
                throw ReportError(.notAggregateReport, "zip archive holds no XML entry")
            }
            let flags = le16(header, 6), method = le16(header, 8)
            let compressedSize = Int(le32(header, 18))
            let nameLength = Int(le16(header, 26)), extraLength = Int(le16(header, 28))
            let name = String(decoding: try readExactly(source, nameLength, what: "zip entry name"), as: UTF8.self)
            _ = try readExactly(source, extraLength, what: "zip extra field")
            if flags & 1 != 0 { throw ReportError(.unsupportedContainer, "zip entry '\(name)' is encrypted") }
            let sizeKnown = flags & 8 == 0 && compressedSize != 0xFFFF_FFFF
            let wanted = !name.hasSuffix("/") && (name.lowercased().hasSuffix(".xml") || !sizeKnown)
            if !wanted, sizeKnown {
                _ = try readExactly(source, compressedSize, what: "zip entry '\(name)'")
                continue
            }
            switch method {
            case 8: return (name, try InflateSource(source, format: .rawDeflate))
            case 0 where sizeKnown: return (name, LimitedSource(source, limit: compressedSize))
            case 0: throw ReportError(.unsupportedContainer, "stored zip entry '\(name)' without a size in its header")
            default: throw ReportError(.unsupportedContainer, "zip entry '\(name)' uses compression method \(method); only stored and deflate are read")
            }
        }
    }

    private static func readExactly(_ source: any ByteSource, _ count: Int, what: String) throws(ReportError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n: Int
            do {
                n = try out.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            } catch let error as ReportError { throw error } catch { throw ReportError(.unreadable, "reading failed: \(error)") }
            if n == 0 { throw ReportError(.decompression, "zip archive ends inside the \(what)") }
            filled += n
        }
        return out
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(le16(b, i)) | UInt32(le16(b, i + 2)) << 16 }
}
