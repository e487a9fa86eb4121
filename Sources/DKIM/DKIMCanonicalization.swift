/// The two canonicalization algorithms of RFC 6376 section 3.4, on bytes. A signer and a verifier must reduce
/// a message to the same octets, so nothing here decodes text: header fields and bodies are CRLF-separated
/// lines of octets, and only SP and HTAB count as whitespace (WSP).
public enum DKIMCanonicalization: String, Sendable, Hashable, CaseIterable {
    /// Tolerates almost no change (section 3.4.1 for headers, 3.4.3 for bodies).
    case simple
    /// Tolerates whitespace and header-name case changes (sections 3.4.2 and 3.4.4).
    case relaxed

    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let crlf: [UInt8] = [cr, lf]

    static func isWSP(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// One header field as it enters the hash, without a final CRLF (the caller adds it to every field but the
    /// signature's own). `field` is the field as written: name, colon, value and any folding, without the CRLF
    /// that ends it.
    public func header(_ field: [UInt8]) -> [UInt8] {
        switch self {
        case .simple: field
        case .relaxed: Self.relaxedHeader(field)
        }
    }

    /// The body as it enters the hash (all of it; `l=` is applied by the caller to the result).
    public func body(_ body: [UInt8]) -> [UInt8] {
        switch self {
        case .simple: Self.simpleBody(body)
        case .relaxed: Self.relaxedBody(body)
        }
    }

    /// Section 3.4.2: lower-case name, no WSP around the colon, unfolded, every WSP run one SP, none at the ends.
    static func relaxedHeader(_ field: [UInt8]) -> [UInt8] {
        let colon = field.firstIndex(of: colon) ?? field.endIndex
        var output: [UInt8] = []
        output.reserveCapacity(field.count)
        for byte in field[..<colon] where byte != cr && byte != lf {
            output.append((0x41...0x5A).contains(byte) ? byte + 0x20 : byte)
        }
        while let last = output.last, isWSP(last) { output.removeLast() }
        output.append(Self.colon)
        guard colon < field.endIndex else { return output }
        var pendingSpace = false
        var valueStarted = false
        var index = colon + 1
        while index < field.endIndex {
            let byte = field[index]
            index += 1
            // Unfolding removes the CRLF of each fold; the WSP after it stays and is reduced below.
            if byte == cr, index < field.endIndex, field[index] == lf {
                index += 1
                continue
            }
            if isWSP(byte) {
                pendingSpace = true
                continue
            }
            // WSP before the value's first octet is dropped; WSP after its last one never gets written.
            if pendingSpace, valueStarted { output.append(space) }
            pendingSpace = false
            valueStarted = true
            output.append(byte)
        }
        return output
    }

    /// Section 3.4.3: empty lines at the end removed; an empty body, or one not ending in CRLF, gets one.
    static func simpleBody(_ body: [UInt8]) -> [UInt8] {
        var output = body
        if output.count < 2 || output[output.count - 2] != cr || output[output.count - 1] != lf {
            output += crlf
        }
        while output.count >= 4, output[output.count - 4] == cr, output[output.count - 3] == lf,
              output[output.count - 2] == cr, output[output.count - 1] == lf {
            output.removeLast(2)
        }
        // A body of CRLF alone was empty lines only: it is one CRLF, which the loop leaves.
        return output
    }

    /// Section 3.4.4 with erratum 1384: WSP at line ends removed, WSP runs one SP, empty lines at the end
    /// removed, a final CRLF added to a non-empty last line; an empty body stays empty.
    static func relaxedBody(_ body: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count)
        var pendingEmptyLines = 0
        var lineStart = true
        var pendingSpace = false
        var lineIsEmpty = true

        func endLine(into output: inout [UInt8]) {
            if lineIsEmpty {
                pendingEmptyLines += 1
            } else {
                output += crlf
            }
            lineStart = true
            pendingSpace = false
            lineIsEmpty = true
        }

        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            if byte == cr, index + 1 < body.endIndex, body[index + 1] == lf {
                endLine(into: &output)
                index += 2
                continue
            }
            index += 1
            if isWSP(byte) {
                pendingSpace = true
                continue
            }
            if lineStart {
                // Empty lines are only written once a non-empty line follows them.
                for _ in 0..<pendingEmptyLines { output += crlf }
                pendingEmptyLines = 0
                lineStart = false
            }
            if pendingSpace { output.append(space) }
            pendingSpace = false
            lineIsEmpty = false
            output.append(byte)
        }
        if !lineIsEmpty { output += crlf }
        return output
    }
}
