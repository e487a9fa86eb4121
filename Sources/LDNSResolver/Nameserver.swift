import DNSCore

/// One DNS server to send queries to: an address and a UDP/TCP port (53 unless written otherwise).
public struct Nameserver: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16 = 53) {
        self.address = address
        self.port = port
    }

    /// Parses the forms a user writes on a command line or in a monitor file: `192.0.2.53`,
    /// `192.0.2.53:5353`, `2001:db8::53`, `[2001:db8::53]` and `[2001:db8::53]:5353`.
    /// A bare IPv6 address never carries a port, since its last group would be ambiguous.
    public init(parsing text: String) throws(ResolverConfigurationError) {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else {
            throw ResolverConfigurationError("empty nameserver: expected an IP address such as 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:5353")
        }
        var host = Substring(trimmed)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw ResolverConfigurationError("nameserver \"\(trimmed)\" has \"[\" without \"]\": expected [IPv6] or [IPv6]:PORT")
            }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else {
                    throw ResolverConfigurationError("nameserver \"\(trimmed)\" has \"\(rest)\" after \"]\": expected [IPv6]:PORT")
                }
                portText = rest.dropFirst()
            }
            guard case .v6 = IPAddress(host) else {
                throw ResolverConfigurationError("nameserver \"\(trimmed)\": \"\(host)\" is not an IPv6 address")
            }
        } else if host.filter({ $0 == ":" }).count == 1 {
            let colon = host.firstIndex(of: ":")!
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard let address = IPAddress(host) else {
            throw ResolverConfigurationError("nameserver \"\(trimmed)\": \"\(host)\" is not an IP address (expected IPv4 such as 192.0.2.53 or IPv6 such as 2001:db8::53; host names are not accepted)")
        }
        var port: UInt16 = 53
        if let portText {
            guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit), let value = UInt16(portText), value > 0 else {
                throw ResolverConfigurationError("nameserver \"\(trimmed)\": port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = value
        }
        self.init(address: address, port: port)
    }

    /// The form `init(parsing:)` reads back: the port is shown only when it is not 53.
    public var description: String {
        switch (address, port) {
        case (_, 53): address.description
        case (.v4, _): "\(address):\(port)"
        case (.v6, _): "[\(address)]:\(port)"
        }
    }
}

/// A resolver setting that cannot be used; the message says what was wrong and what was expected.
public struct ResolverConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).reversed())
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
