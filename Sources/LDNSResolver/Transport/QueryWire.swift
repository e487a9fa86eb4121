import DNSCore

/// The wire form of one query (RFC 1035 section 4.1) and the checks an answer must pass before it is believed
/// (RFC 5452 section 9.1): the same id, the same question, byte for byte (so the case of every letter too),
/// from the server the query went to (the socket is connected to it).
struct QueryWire {
    /// The message as sent; its first two octets are the id.
    private(set) var bytes: [UInt8]
    /// Where the question section ends in `bytes`.
    let questionEnd: Int

    /// Nil when the name cannot be encoded (a label too long for the wire; DomainName already bounds it).
    init?(name: DomainName, type: DNSRecordType, ednsBufferSize: UInt16) {
        var bytes: [UInt8] = [0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, ednsBufferSize > 0 ? 1 : 0]
        bytes.reserveCapacity(name.text.utf8.count + 32)
        var label: [UInt8] = []
        for byte in name.text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard !label.isEmpty, label.count <= 63 else { return nil }
                bytes.append(UInt8(label.count))
                bytes += label
                label.removeAll(keepingCapacity: true)
            } else {
                label.append(byte)
            }
        }
        guard !label.isEmpty, label.count <= 63 else { return nil }
        bytes.append(UInt8(label.count))
        bytes += label
        bytes.append(0)
        bytes += [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
        guard bytes.count <= 12 + 255 + 4 else { return nil }
        questionEnd = bytes.count
        if ednsBufferSize > 0 {
            // OPT pseudo-record (RFC 6891 section 6.1.2): root owner, type 41, class = UDP payload size.
            bytes += [0, 0, 41, UInt8(ednsBufferSize >> 8), UInt8(ednsBufferSize & 0xFF), 0, 0, 0, 0, 0, 0]
        }
        self.bytes = bytes
    }

    var id: UInt16 { UInt16(bytes[0]) << 8 | UInt16(bytes[1]) }

    mutating func setID(_ id: UInt16) {
        bytes[0] = UInt8(id >> 8)
        bytes[1] = UInt8(id & 0xFF)
    }

    /// True when `response` answers this query: QR set, the same id, one question equal octet for octet.
    func isAnswered(by response: UnsafeRawBufferPointer) -> Bool {
        guard response.count >= questionEnd, response[0] == bytes[0], response[1] == bytes[1],
              response[2] & 0x80 != 0, response[4] == 0, response[5] == 1 else { return false }
        for index in 12..<questionEnd where response[index] != bytes[index] { return false }
        return true
    }

    /// The response's RCODE and TC flag, read from its header.
    static func header(_ response: UnsafeRawBufferPointer) -> (rcode: UInt8, truncated: Bool) {
        (response[3] & 0x0F, response[2] & 0x02 != 0)
    }
}
