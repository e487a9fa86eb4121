import DNSCore
import Foundation

/// A `Received` header's `from` clause: who connected to whom.
public struct ReceivedHop: Hashable, Sendable {
    /// The HELO / EHLO name the client gave.
    public var helo: String?
    /// The address the receiving server saw the connection from.
    public var ip: IPAddress?
    /// The receiving server (`by`).
    public var by: String?
}

/// A `Received-SPF` header (RFC 7208 section 9.1).
public struct ReceivedSPF: Hashable, Sendable {
    public var result: String
    public var comment: String?
    /// `key=value` pairs after the comment: `client-ip`, `envelope-from`, `helo`, `receiver`, `identity`.
    public var fields: [String: String]

    public init(_ value: String) {
        let trimmed = value.trimming([" ", "\t"])
        let word = trimmed.prefix { $0.isLetter }
        result = word.lowercased()
        var rest = trimmed.dropFirst(word.count)
        var comment: String?
        if String(rest).trimming([" ", "\t"]).hasPrefix("(") {
            let (_, comments) = AuthenticationResults.stripComments(String(rest))
            comment = comments.first
            if let close = Self.endOfFirstComment(rest) { rest = rest[close...] }
        }
        self.comment = comment
        var fields: [String: String] = [:]
        for piece in AuthenticationResults.segments(String(rest)) {
            for token in piece.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { fields[kv[0].lowercased()] = kv[1].trimming(["\"", ";"]) }
            }
        }
        self.fields = fields
    }

    static func endOfFirstComment(_ text: Substring) -> Substring.Index? {
        var depth = 0
        for index in text.indices {
            if text[index] == "(" { depth += 1 }
            if text[index] == ")" { depth -= 1; if depth == 0 { return text.index(after: index) } }
        }
        return nil
    }
}

/// What a saved message's headers say about its sending: the diagnosis a postmaster does by hand, without
/// DNS. Only the topmost `Authentication-Results` and `Received-SPF` are read: they are the ones the final
/// receiver added; lower ones may come from anywhere, including the sender.
public struct HeaderAnalysis: Hashable, Sendable {
    public enum IPSource: String, Hashable, Sendable, Codable {
        case receivedSPF = "Received-SPF client-ip"
        case authenticationResults = "Authentication-Results"
        case received = "Received"
    }

    public var connectingIP: IPAddress?
    public var connectingIPSource: IPSource?
    /// The domain of the `From:` address (RFC 5322.From, what DMARC protects).
    public var headerFromDomain: String?
    /// The envelope sender's domain (RFC 5321.MailFrom): `Return-Path`, else what the receiver recorded.
    public var envelopeFromDomain: String?
    public var envelopeFrom: String?
    public var receivedSPF: ReceivedSPF?
    public var authenticationResults: AuthenticationResults?
    public var hops: [ReceivedHop]
    /// The receiver's verdicts, as it wrote them: `spf`, `dkim`, `dmarc` results.
    public var receiverSPF: String?
    public var receiverDKIM: String?
    /// The `d=` domain of the receiver's DKIM verdict.
    public var receiverDKIMDomain: String?
    public var receiverDMARC: String?
    /// The receiver's own explanations (the comments of its SPF verdicts).
    public var receiverSaid: [String]

    /// Analyses the header block of `message` (the body, if present, is ignored).
    public init(message: String) {
        let headers = Self.headers(message)
        func all(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name }.map(\.value) }
        hops = all("received").map(Self.hop)
        receivedSPF = all("received-spf").first.map(ReceivedSPF.init)
        authenticationResults = all("authentication-results").first.map(AuthenticationResults.init)
        let ar = authenticationResults
        receiverSPF = ar?.first("spf")?.result ?? receivedSPF?.result
        receiverDKIM = ar?.first("dkim")?.result
        receiverDKIMDomain = ar?.first("dkim").flatMap { $0.properties["header.d"] ?? $0.properties["header.i"].map { Self.domain(of: $0) } }
        receiverDMARC = ar?.first("dmarc")?.result
        receiverSaid = ([receivedSPF?.comment].compactMap { $0 } + (ar?.clauses.filter { $0.method == "spf" || $0.method == "dmarc" }
            .flatMap(\.comments) ?? [])).filter { !$0.isEmpty }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

        if let ip = receivedSPF?.fields["client-ip"].flatMap(IPAddress.init) {
            connectingIP = ip; connectingIPSource = .receivedSPF
        } else if let ip = ar.flatMap(Self.ipFromAuthenticationResults) {
            connectingIP = ip; connectingIPSource = .authenticationResults
        } else if let ip = receivedSPF?.comment.flatMap(Self.firstIP) {
            connectingIP = ip; connectingIPSource = .receivedSPF
        } else if let ip = hops.first(where: { $0.ip != nil })?.ip {
            connectingIP = ip; connectingIPSource = .received
        }
        headerFromDomain = all("from").first.flatMap(Self.address).map(Self.domain(of:))
        let returnPath = all("return-path").first.flatMap(Self.address)
        let mailFrom = returnPath ?? receivedSPF?.fields["envelope-from"] ?? ar?.first("spf")?.properties["smtp.mailfrom"]
        envelopeFrom = mailFrom.flatMap { $0.isEmpty ? nil : $0 }
        envelopeFromDomain = envelopeFrom.map(Self.domain(of:))
    }

    /// The address the receiver named: `smtp.client-ip` / `smtp.remote-ip`, or the IP in its SPF comment
    /// (`designate 192.0.2.1 as`, Microsoft's `sender IP is 192.0.2.1`).
    static func ipFromAuthenticationResults(_ ar: AuthenticationResults) -> IPAddress? {
        for clause in ar.clauses {
            for key in ["smtp.client-ip", "smtp.remote-ip", "policy.iprev"] {
                if let ip = clause.properties[key].flatMap(IPAddress.init) { return ip }
            }
        }
        for clause in ar.clauses where clause.method == "spf" || clause.method == "iprev" {
            for comment in clause.comments { if let ip = firstIP(comment) { return ip } }
        }
        return nil
    }

    /// The first word of a receiver's comment that is an IP address.
    static func firstIP(_ text: String) -> IPAddress? {
        text.split(whereSeparator: { " \t[]();,".contains($0) }).lazy.compactMap { IPAddress(String($0)) }.first
    }

    static func hop(_ value: String) -> ReceivedHop {
        var hop = ReceivedHop()
        // The `from` clause ends where `by` starts (outside comments, in practice always " by ").
        let fromPart: Substring
        if value.lowercased().hasPrefix("from "), let from = value.range(of: "from ", options: .caseInsensitive) {
            let tail = value[from.upperBound...]
            if let by = tail.range(of: " by ", options: .caseInsensitive) {
                fromPart = tail[..<by.lowerBound]
                hop.by = tail[by.upperBound...].split(separator: " ").first.map(String.init)
            } else { fromPart = tail }
            hop.helo = fromPart.split(separator: " ").first.map(String.init)
            // Yahoo writes `from 192.0.2.1 (EHLO name)`.
            if let first = hop.helo, let ip = IPAddress(first) {
                hop.ip = ip
                hop.helo = fromPart.range(of: "(EHLO ", options: .caseInsensitive).map {
                    String(fromPart[$0.upperBound...].prefix { $0 != ")" })
                }
                return hop
            }
        } else { fromPart = "" }
        var search = fromPart[...]
        while let open = search.firstIndex(of: "[") {
            let after = search[search.index(after: open)...]
            guard let close = after.firstIndex(of: "]") else { break }
            var text = String(after[..<close])
            if text.lowercased().hasPrefix("ipv6:") { text.removeFirst(5) }
            if let ip = IPAddress(text) { hop.ip = ip; break }
            search = after[close...]
        }
        return hop
    }

    /// `Name <local@domain>` or a bare address; nil for `<>`.
    static func address(_ value: String) -> String? {
        var text = value
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            text = String(value[value.index(after: open)..<close])
        } else {
            text = value.split(separator: " ").first { $0.contains("@") }.map(String.init) ?? value
        }
        text = text.trimming([" ", "\t", "\"", "<", ">"])
        return text.isEmpty ? nil : text
    }

    static func domain(of address: String) -> String {
        let host = address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]) } ?? address
        return host.lowercased().trimming([" ", ">", "."])
    }

    /// The header fields up to the first empty line, unfolded (RFC 5322 section 2.2.3).
    static func headers(_ message: String) -> [(name: String, value: String)] {
        var fields: [(String, String)] = []
        // "\r\n" is one Character in Swift: split on every line break.
        for line in message.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" {
                if !fields.isEmpty { fields[fields.count - 1].1 += " " + line.trimming([" ", "\t"]) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line.hasPrefix("From ") && fields.isEmpty { continue } // mbox separator line
            fields.append((String(line[..<colon]).trimming([" ", "\t"]), String(line[line.index(after: colon)...]).trimming([" ", "\t"])))
        }
        return fields
    }
}
