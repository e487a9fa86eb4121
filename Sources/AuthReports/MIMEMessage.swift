import Foundation

/// Just enough RFC 5322 / RFC 2045-2046 to take report attachments out of a message: headers, nested
/// multiparts, and base64 or quoted-printable bodies. Bounded by `ReportLimits`: the bytes of each header
/// section, the nesting depth and the number of parts of a message.
struct MIMEPart {
    var headers: [(name: String, value: String)]
    var body: ArraySlice<UInt8>

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    var contentType: String {
        (header("Content-Type") ?? "text/plain").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "text/plain"
    }

    /// A `name=value` parameter of a structured header, quotes removed.
    func parameter(_ header: String, _ name: String) -> String? {
        guard let value = self.header(header) else { return nil }
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    var filename: String? { parameter("Content-Disposition", "filename") ?? parameter("Content-Type", "name") }

    /// Parses a message or body part; CR LF and LF line ends alike. A header section longer than
    /// `headerLimit` bytes is refused.
    init(_ bytes: ArraySlice<UInt8>, headerLimit: Int = ReportLimits().headerBytes) throws(ReportError) {
        var headers: [(String, String)] = []
        var i = bytes.startIndex
        var lineStart = i
        var bodyStart = bytes.endIndex
        while i < bytes.endIndex {
            // The section, its empty line included, is at most `headerLimit` bytes.
            if i - bytes.startIndex >= headerLimit {
                throw ReportLimits.exceeded("header_bytes", "a header section is longer than \(headerLimit) bytes",
                                            limit: headerLimit)
            }
            guard bytes[i] == 0x0A else { i += 1; continue }
            var lineEnd = i
            if lineEnd > lineStart, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
            i += 1
            if line.isEmpty { bodyStart = i; break }
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
            lineStart = i
        }
        self.headers = headers
        self.body = bytes[min(bodyStart, bytes.endIndex)...]
    }

    /// What opening one message may cost: parts seen so far, against the limits.
    struct Budget {
        let limits: ReportLimits
        var parts = 0
    }

    /// The leaves of this part, depth first; `message/rfc822` bodies are opened as messages.
    func leaves(_ budget: inout Budget, depth: Int = 0) throws(ReportError) -> [MIMEPart] {
        budget.parts += 1
        guard budget.parts <= budget.limits.mimeParts else {
            throw ReportLimits.exceeded("mime_parts", "the message has more than \(budget.limits.mimeParts) body parts",
                                        limit: budget.limits.mimeParts)
        }
        let type = contentType
        let nested = type.hasPrefix("multipart/") || type == "message/rfc822"
        guard !nested || depth < budget.limits.mimeDepth else {
            throw ReportLimits.exceeded("mime_depth", "multiparts and attached messages nest more than "
                + "\(budget.limits.mimeDepth) deep", limit: budget.limits.mimeDepth)
        }
        let headerLimit = budget.limits.headerBytes
        if type.hasPrefix("multipart/"), let boundary = parameter("Content-Type", "boundary") {
            var leaves: [MIMEPart] = []
            for piece in Self.split(body, boundary: boundary) {
                leaves += try MIMEPart(piece, headerLimit: headerLimit).leaves(&budget, depth: depth + 1)
            }
            return leaves
        }
        if type == "message/rfc822" {
            return [self] + (try MIMEPart(decodedBody[...], headerLimit: headerLimit).leaves(&budget, depth: depth + 1))
        }
        return [self]
    }

    var decodedBody: [UInt8] {
        switch header("Content-Transfer-Encoding")?.lowercased().trimmingCharacters(in: .whitespaces) {
        case "base64":
            return Data(base64Encoded: Data(body), options: .ignoreUnknownCharacters).map { [UInt8]($0) } ?? []
        case "quoted-printable": return Self.decodeQuotedPrintable(body)
        default: return Array(body)
        }
    }

    static func split(_ body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let marker = Array(("--" + boundary).utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var i = body.startIndex
        while i < body.endIndex {
            var lineEnd = i
            while lineEnd < body.endIndex, body[lineEnd] != 0x0A { lineEnd += 1 }
            let line = body[i..<lineEnd]
            if line.starts(with: marker) {
                if let start = partStart { parts.append(body[start..<max(start, i - 1)]) }
                let rest = line.dropFirst(marker.count)
                if rest.starts(with: [0x2D, 0x2D]) { return parts }
                partStart = min(lineEnd + 1, body.endIndex)
            }
            i = lineEnd + 1
        }
        if let start = partStart, start < body.endIndex { parts.append(body[start...]) }
        return parts
    }

    static func decodeQuotedPrintable(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case 0x30...0x39: b - 0x30
            case 0x41...0x46: b - 0x37
            case 0x61...0x66: b - 0x57
            default: nil
            }
        }
        while i < body.endIndex {
            let b = body[i]
            guard b == UInt8(ascii: "=") else { out.append(b); i += 1; continue }
            if i + 1 < body.endIndex, body[i + 1] == 0x0A { i += 2; continue }
            if i + 2 < body.endIndex, body[i + 1] == 0x0D, body[i + 2] == 0x0A { i += 3; continue }
            if i + 2 < body.endIndex, let hi = hex(body[i + 1]), let lo = hex(body[i + 2]) {
                out.append(hi << 4 | lo); i += 3
            } else { out.append(b); i += 1 }
        }
        return out
    }
}

/// An mbox file: messages separated by lines that start with `From `.
enum Mbox {
    /// The first `limit` messages, and whether more follow them (those are not split out at all).
    static func messages(_ bytes: [UInt8], limit: Int = ReportLimits().mboxMessages)
        -> (messages: [ArraySlice<UInt8>], more: Bool) {
        let from = Array("From ".utf8)
        var starts: [Int] = []
        var end = bytes.count
        var i = 0
        while i < bytes.count {
            if (i == 0 || bytes[i - 1] == 0x0A), bytes[i...].starts(with: from) {
                guard starts.count < limit else { end = i; break }
                starts.append(i)
            }
            while i < bytes.count, bytes[i] != 0x0A { i += 1 }
            i += 1
        }
        guard !starts.isEmpty else { return ([bytes[...]], false) }
        let messages = starts.indices.map { k in
            let start = starts[k]
            let body = bytes.index(after: bytes[start...].firstIndex(of: 0x0A) ?? bytes.count - 1)
            return bytes[min(body, end)..<(k + 1 < starts.count ? starts[k + 1] : end)]
        }
        return (messages, end < bytes.count)
    }
}
