/// Walks a zip archive's local file headers (PKWARE APPNOTE 4.3.7) as they stream by, entry after entry, so no
/// entry is ever held whole. Each file entry comes out as a byte source; whatever the caller leaves unread is
/// skipped a chunk at a time before the next header. Entries are bounded in number and in size
/// (`ReportLimits.zipEntries`, `zipEntryBytes`); an entry that cannot be read (encrypted, an unknown method,
/// larger than allowed) comes out with its problem, and the walk goes on when its size is known.
final class ZipArchive {
    struct Entry {
        let name: String
        /// The entry's bytes, inflated; nil when `problem` says why they cannot be read.
        let data: (any ByteSource)?
        let problem: ReportError?
        /// What must be read to reach the next header.
        fileprivate let rest: Rest
    }

    fileprivate enum Rest {
        /// The compressed size is in the header: drop what is left of it.
        case sized(LimitedSource)
        /// Sizes follow in a data descriptor (flag bit 3): inflate to the end of the deflate stream first.
        case descriptor(InflateSource)
    }

    private static let localHeader: UInt32 = 0x0403_4B50
    private static let endSignatures: Set<UInt32> = [0x0201_4B50, 0x0605_4B50, 0x0606_4B50]
    private static let descriptorSignature: UInt32 = 0x0807_4B50

    private let source: PushbackSource
    private let limits: ReportLimits
    private(set) var entryCount = 0
    private var open: Entry?

    init(_ source: any ByteSource, limits: ReportLimits) {
        self.source = PushbackSource(source)
        self.limits = limits
    }

    /// The next file entry (directories are skipped), or nil after the last one (the central directory).
    func next() throws(ReportError) -> Entry? {
        if let open {
            self.open = nil
            try skipRest(of: open)
        }
        while true {
            guard let signature = try readSignature() else { return nil }
            if Self.endSignatures.contains(signature) { return nil }
            guard signature == Self.localHeader else {
                throw ReportError(.decompression, "zip archive: unexpected bytes where the header of entry \(entryCount + 1) "
                    + "should be (expected signature 50 4b 03 04; the archive is damaged)")
            }
            entryCount += 1
            guard entryCount <= limits.zipEntries else {
                throw ReportLimits.exceeded("zip_entries", "the zip archive holds more than \(limits.zipEntries) entries",
                                            limit: limits.zipEntries)
            }
            let entry = try readEntry()
            if entry.name.hasSuffix("/") {
                try skipRest(of: entry)
                continue
            }
            open = entry
            return entry
        }
    }

    private func readEntry() throws(ReportError) -> Entry {
        let header = try readExactly(26, what: "zip local file header")
        let flags = le16(header, 2), method = le16(header, 4)
        let compressedSize = Int(le32(header, 14)), declaredSize = Int(le32(header, 18))
        let nameLength = Int(le16(header, 22)), extraLength = Int(le16(header, 24))
        let nameBytes = try readExactly(nameLength, what: "zip entry name")
        let name = FeedbackHandler.nameText(nameBytes[...])
        _ = try readExactly(extraLength, what: "zip extra field")
        let hasDescriptor = flags & 8 != 0
        let zip64 = compressedSize == 0xFFFF_FFFF || declaredSize == 0xFFFF_FFFF
        if hasDescriptor, method != 8 || zip64 {
            throw ReportError(.unsupportedContainer, "zip entry '\(name)' gives no size in its header and is not deflated "
                + "(or is zip64); the rest of the archive cannot be found")
        }
        if zip64 {
            throw ReportError(.unsupportedContainer, "zip entry '\(name)' is a zip64 entry; only classic zip is read")
        }
        func problem(_ error: ReportError) throws(ReportError) -> Entry {
            guard !hasDescriptor else { throw error }
            return Entry(name: name, data: nil, problem: error, rest: .sized(LimitedSource(source, limit: compressedSize)))
        }
        if flags & 1 != 0 { return try problem(ReportError(.unsupportedContainer, "zip entry '\(name)' is encrypted")) }
        if !hasDescriptor, declaredSize > limits.zipEntryBytes {
            return try problem(ReportLimits.exceeded("zip_entry_bytes", "zip entry '\(name)' declares \(declaredSize) bytes",
                                                     limit: limits.zipEntryBytes))
        }
        let capped = ReportLimits.exceeded("zip_entry_bytes", "zip entry '\(name)' is larger than \(limits.zipEntryBytes) bytes",
                                           limit: limits.zipEntryBytes)
        switch method {
        case 8 where hasDescriptor:
            let inflater = try InflateSource(source, format: .rawDeflate, limits: limits)
            return Entry(name: name, data: CappedSource(inflater, limit: limits.zipEntryBytes, error: capped), problem: nil,
                         rest: .descriptor(inflater))
        case 8:
            let raw = LimitedSource(source, limit: compressedSize)
            let inflater = try InflateSource(raw, format: .rawDeflate, limits: limits)
            return Entry(name: name, data: CappedSource(inflater, limit: limits.zipEntryBytes, error: capped), problem: nil,
                         rest: .sized(raw))
        case 0:
            let raw = LimitedSource(source, limit: compressedSize)
            return Entry(name: name, data: raw, problem: nil, rest: .sized(raw))
        default:
            return try problem(ReportError(.unsupportedContainer, "zip entry '\(name)' uses compression method "
                + "\(method); only stored and deflate are read"))
        }
    }

    /// Reads past what is left of `entry`, and its data descriptor.
    private func skipRest(of entry: Entry) throws(ReportError) {
        do {
            switch entry.rest {
            case .sized(let raw):
                try raw.drain()
            case .descriptor(let inflater):
                try inflater.drain()
                source.pushBack(inflater.unconsumedInput)
                // APPNOTE 4.3.9: crc-32, compressed and uncompressed size, optionally after a signature.
                let first = try readExactly(4, what: "zip data descriptor")
                _ = try readExactly(le32(first, 0) == Self.descriptorSignature ? 12 : 8, what: "zip data descriptor")
            }
        } catch let error as ReportError {
            throw ReportError(error.code, "zip archive, after entry '\(entry.name)': \(error.message)")
        } catch {
            throw ReportError(.unreadable, "reading failed: \(error)")
        }
    }

    /// The next four bytes as a signature; nil at a clean end of the input.
    private func readSignature() throws(ReportError) -> UInt32? {
        var bytes: [UInt8] = []
        while bytes.count < 4 {
            let more = try read(4 - bytes.count)
            if more.isEmpty {
                if bytes.isEmpty { return nil }
                throw ReportError(.decompression, "zip archive ends inside an entry signature")
            }
            bytes += more
        }
        return le32(bytes, 0)
    }

    private func readExactly(_ count: Int, what: String) throws(ReportError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let more = try read(count - out.count)
            if more.isEmpty { throw ReportError(.decompression, "zip archive ends inside the \(what)") }
            out += more
        }
        return out
    }

    private func read(_ count: Int) throws(ReportError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: min(count, 64 * 1024))
        let n: Int
        do { n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) } } catch let error as ReportError {
            throw error
        } catch {
            throw ReportError(.unreadable, "reading failed: \(error)")
        }
        return Array(chunk[..<n])
    }

    private func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(le16(b, i)) | UInt32(le16(b, i + 2)) << 16 }
}
