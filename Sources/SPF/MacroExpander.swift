import DNSCore

/// The values macros expand to during one `check_host` evaluation (RFC 7208 section 7.2).
public struct MacroContext: Sendable {
    /// `<sender>`, with `postmaster` substituted for an empty local-part (section 4.3).
    public var sender: String
    public var localPart: String
    public var senderDomain: String
    /// `<domain>`: the domain whose record is being evaluated; changes with include and redirect.
    public var domain: String
    public var ip: IPAddress
    public var helo: String
    public var receivingHost: String
    public var timestamp: UInt64
    /// The `p` value (section 7.3), computed by the caller only when a macro asks for it.
    public var validatedName: String?

    public init(sender: String, domain: String, ip: IPAddress, helo: String, receivingHost: String = "unknown", timestamp: UInt64 = 0) {
        let at = sender.lastIndex(of: "@")
        let local = at.map { String(sender[..<$0]) } ?? ""
        self.localPart = local.isEmpty ? "postmaster" : local
        self.senderDomain = at.map { String(sender[sender.index(after: $0)...]) } ?? sender
        self.sender = localPart + "@" + senderDomain
        self.domain = domain
        self.ip = ip
        self.helo = helo
        self.receivingHost = receivingHost
        self.timestamp = timestamp
    }
}

/// Expands macro strings (RFC 7208 section 7.3 and 7.4).
public enum MacroExpander {
    /// Expands `string`. For a domain-spec (`forDomain`), a result over 253 octets loses labels from the
    /// left until it fits (section 7.3).
    public static func expand(_ string: MacroString, _ context: MacroContext, forDomain: Bool = true) -> String {
        var out = ""
        for part in string.parts {
            switch part {
            case .literal(let s): out += s
            case .percent: out += "%"
            case .space: out += " "
            case .encodedSpace: out += "%20"
            case .macro(let macro): out += expand(macro, context)
            }
        }
        return forDomain ? truncated(out) : out
    }

    static func expand(_ macro: Macro, _ context: MacroContext) -> String {
        let raw = value(of: macro.letter, context)
        let delimiters = macro.delimiters.isEmpty ? ["."] : Set(macro.delimiters)
        var parts = raw.split(omittingEmptySubsequences: false, whereSeparator: { delimiters.contains($0) })
        if macro.reverse { parts.reverse() }
        if let keep = macro.keep, keep < parts.count { parts = Array(parts.suffix(keep)) }
        let joined = parts.joined(separator: ".")
        return macro.urlEncode ? urlEscaped(joined) : joined
    }

    static func value(of letter: MacroLetter, _ c: MacroContext) -> String {
        switch letter {
        case .sender: c.sender
        case .localPart: c.localPart
        case .senderDomain: c.senderDomain
        case .domain: c.domain
        case .ip: dotted(c.ip)
        case .validatedName: c.validatedName ?? "unknown"
        case .ipVersion: c.ip.isIPv4 ? "in-addr" : "ip6"
        case .helo: c.helo
        case .clientIP: c.ip.description
        case .receiver: c.receivingHost
        case .timestamp: String(c.timestamp)
        }
    }

    /// `i`: dotted quad for IPv4, dot-separated nibbles for IPv6 (section 7.3).
    static func dotted(_ ip: IPAddress) -> String {
        switch ip {
        case .v4(let a): return a.description
        case .v6(let a):
            return a.bytes.flatMap { [$0 >> 4, $0 & 0xF] }.map { String($0, radix: 16) }.joined(separator: ".")
        }
    }

    /// Escapes everything outside the URI `unreserved` set (RFC 3986), as upper-case macros require.
    static func urlEscaped(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            let unreserved = MacroString.isAlpha(byte) || (byte >= 0x30 && byte <= 0x39) || "-._~".utf8.contains(byte)
            if unreserved { out.unicodeScalars.append(Unicode.Scalar(byte)) } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    static func truncated(_ name: String) -> String {
        var text = Substring(name)
        while text.utf8.count > DomainName.maximumLength, let dot = text.firstIndex(of: ".") {
            text = text[text.index(after: dot)...]
        }
        return String(text)
    }
}
