/// A message as a DKIM verifier reads it (RFC 6376 sections 3.4 and 5.4): its header fields top to bottom,
/// each exactly as written, and its body. A message saved on a system that ends lines with LF alone is read
/// as it travelled, with CRLF: every LF not after a CR becomes CRLF.
public struct DKIMMessage: Sendable {
    public struct Field: Sendable, Hashable {
        /// The name, lower-cased, without the whitespace some writers put before the colon.
        public var name: String
        /// The whole field: name, colon, value and folds, without the CRLF that ends it.
        public var raw: [UInt8]

        /// What follows the colon, folds included, as text (bytes that are not UTF-8 are replaced).
        public var value: String {
            let colon = raw.firstIndex(of: DKIMCanonicalization.colon).map { $0 + 1 } ?? raw.endIndex
            return String(decoding: raw[colon...], as: UTF8.self)
        }
    }

    public var fields: [Field]
    /// The octets after the empty line that ends the header; empty when there is none.
    public var body: [UInt8]
    /// Whether an empty line ended the header section (a file holding only the header section has none).
    public var hasBody: Bool

    public init(_ bytes: [UInt8]) {
        let message = Self.withCRLF(bytes)
        var fields: [Field] = []
        var index = message.startIndex
        var bodyStart: Int?
        while index < message.endIndex {
            let end = Self.lineEnd(message, from: index)
            if end == index {
                bodyStart = Swift.min(end + 2, message.endIndex)
                break
            }
            let first = message[index]
            if DKIMCanonicalization.isWSP(first) {
                // A continuation line belongs to the field above; before any field it belongs to nothing.
                if !fields.isEmpty { fields[fields.count - 1].raw += DKIMCanonicalization.crlf + message[index..<end] }
            } else if let colon = message[index..<end].firstIndex(of: DKIMCanonicalization.colon) {
                var name = message[index..<colon]
                while let last = name.last, DKIMCanonicalization.isWSP(last) { name = name.dropLast() }
                fields.append(Field(name: String(decoding: name, as: UTF8.self).lowercased(), raw: Array(message[index..<end])))
            }
            // A line with no colon (an mbox "From " line) is not a field and is skipped.
            index = Swift.min(end + 2, message.endIndex)
        }
        self.fields = fields
        body = bodyStart.map { Array(message[$0...]) } ?? []
        hasBody = bodyStart != nil
    }

    /// The index of the CR of the CRLF that ends the line starting at `start`, or the end of the message.
    static func lineEnd(_ message: [UInt8], from start: Int) -> Int {
        var index = start
        while index < message.endIndex {
            if message[index] == DKIMCanonicalization.cr, index + 1 < message.endIndex, message[index + 1] == DKIMCanonicalization.lf {
                return index
            }
            index += 1
        }
        return message.endIndex
    }

    static func withCRLF(_ bytes: [UInt8]) -> [UInt8] {
        var bare = false
        for (index, byte) in bytes.enumerated() where byte == DKIMCanonicalization.lf {
            if index == 0 || bytes[index - 1] != DKIMCanonicalization.cr {
                bare = true
                break
            }
        }
        guard bare else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 32)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == DKIMCanonicalization.lf, previous != DKIMCanonicalization.cr { output.append(DKIMCanonicalization.cr) }
            output.append(byte)
            previous = byte
        }
        return output
    }

    /// The `DKIM-Signature` fields, top first, with their positions in `fields`.
    public var signatureFields: [(position: Int, field: Field)] {
        fields.enumerated().filter { $0.element.name == "dkim-signature" }.map { ($0.offset, $0.element) }
    }

    /// The fields `h=` names, chosen as section 5.4.2 says: each name takes the lowest instance not yet
    /// taken, and a name with no instance left contributes nothing. The signature field itself is never
    /// among them (it did not exist when the message was signed).
    public func signedFields(_ names: [String], excluding signaturePosition: Int) -> [Field] {
        let wanted = Set(names)
        var remaining: [String: [Int]] = [:]
        for (position, field) in fields.enumerated() where position != signaturePosition && wanted.contains(field.name) {
            remaining[field.name, default: []].append(position)
        }
        var chosen: [Field] = []
        for name in names {
            if let lowest = remaining[name]?.popLast() { chosen.append(fields[lowest]) }
        }
        return chosen
    }

    /// The signature field with the value of its `b=` tag removed, whitespace and folds included (section 3.7):
    /// what the signature signs of itself.
    public static func withoutSignatureValue(_ raw: [UInt8]) -> [UInt8] {
        let colon = raw.firstIndex(of: DKIMCanonicalization.colon).map { $0 + 1 } ?? raw.endIndex
        var specStart = colon
        while specStart < raw.endIndex {
            let specEnd = raw[specStart...].firstIndex(of: 0x3B) ?? raw.endIndex
            if let equals = raw[specStart..<specEnd].firstIndex(of: 0x3D) {
                // The tag name with the folding whitespace around it removed: only "b" itself, not "bh".
                let name = raw[specStart..<equals].filter { !DKIMCanonicalization.isWSP($0) && $0 != 0x0D && $0 != 0x0A }
                if name == [0x62] { return Array(raw[...equals]) + raw[specEnd...] }
            }
            specStart = specEnd + 1
        }
        return raw
    }
}
