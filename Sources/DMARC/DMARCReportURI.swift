import DNSCore

/// One destination of a `rua` or `ruf` tag: `URI [ "!" size [ k / m / g / t ] ]` (RFC 7489 section 6.2).
///
/// RFC 9989 keeps the URI list but declares the `!size` suffix obsolete: reporters MUST ignore it. It is
/// still parsed, so that it can be reported and so that RFC 7489 receivers' reading can be shown.
public struct DMARCReportURI: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The URI without any `!size` suffix, as written.
    public var uri: String
    /// The scheme, lower-cased (`mailto`, `https`, ...).
    public var scheme: String
    /// For `mailto:`, the address (percent-escapes decoded, any `?query` dropped).
    public var address: String?
    /// The size limit in octets; the units k, m, g, t are powers of 1024 (RFC 7489 section 6.2).
    public var sizeLimit: UInt64?
    /// The host that receives the reports: the domain of a `mailto:` address, or the authority of
    /// another URI when it is a domain name. External-destination checks run against it.
    public var host: DomainName?

    public init(uri: String, scheme: String, address: String? = nil, sizeLimit: UInt64? = nil, host: DomainName? = nil) {
        self.uri = uri; self.scheme = scheme; self.address = address; self.sizeLimit = sizeLimit; self.host = host
    }

    /// A `mailto:` destination.
    public init(mailto address: String, sizeLimit: UInt64? = nil) throws(DMARCParseError) {
        try self.init(parsing: "mailto:" + address + (sizeLimit.map { "!" + Self.sizeText($0) } ?? ""))
    }

    /// The URI as it is written in a record, with the size limit in the largest exact unit.
    public var description: String { uri + (sizeLimit.map { "!" + Self.sizeText($0) } ?? "") }

    private static let units: [(Character, UInt64)] = [("t", 1 << 40), ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)]

    static func sizeText(_ size: UInt64) -> String {
        for (unit, factor) in units where size >= factor && size % factor == 0 {
            return "\(size / factor)\(unit)"
        }
        return "\(size)"
    }

    /// Parses one URI of a `rua`/`ruf` list (already split at commas and trimmed).
    /// - Parameter tag: named in errors, so the user knows which list held the URI.
    public init(parsing text: String, tag: String = "rua") throws(DMARCParseError) {
        func failure(_ why: String) -> DMARCParseError {
            DMARCParseError(code: "invalid-uri", message: "\(tag) URI \"\(text)\" \(why)", tag: tag)
        }
        var body = Substring(text)
        var size: UInt64?
        if let bang = body.lastIndex(of: "!") {
            let suffix = body[body.index(after: bang)...]
            guard let parsed = Self.parseSize(suffix) else {
                throw failure("has an invalid size limit \"!\(suffix)\": expected !digits with an optional unit k, m, g or t, e.g. !10m")
            }
            size = parsed
            body = body[..<bang]
        }
        guard let colon = body.firstIndex(of: ":"), Self.isScheme(body[..<colon]) else {
            throw failure("is not a URI: expected a scheme such as mailto:, e.g. mailto:dmarc-reports@example.com")
        }
        let scheme = String(body[..<colon]).lowercasedIfNeeded
        let rest = body[body.index(after: colon)...]
        var address: String?
        var host: DomainName?
        if scheme == "mailto" {
            let addr = Self.percentDecoded(String(rest.prefix { $0 != "?" }))
            guard let at = addr.lastIndex(of: "@"), at != addr.startIndex else {
                throw failure("has no mail address: expected mailto:local-part@domain")
            }
            do {
                host = try DomainName(String(addr[addr.index(after: at)...]))
            } catch {
                throw failure("has an invalid domain in its address: \(error.description)")
            }
            guard host?.isMultiLabel == true else {
                throw failure("has a single-label domain in its address: expected a fully qualified domain such as example.com")
            }
            address = addr
        } else if rest.hasPrefix("//") {
            let authority = rest.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let hostText = authority.split(separator: "@").last.map { $0.prefix { $0 != ":" } } ?? ""
            host = try? DomainName(String(hostText))
        }
        self.init(uri: String(body), scheme: scheme, address: address, sizeLimit: size, host: host)
    }

    /// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986 section 3.1).
    private static func isScheme(_ text: Substring) -> Bool {
        func letter(_ byte: UInt8) -> Bool { byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A }
        guard let first = text.utf8.first, letter(first) else { return false }
        return text.utf8.allSatisfy {
            letter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }

    private static func parseSize(_ text: Substring) -> UInt64? {
        var digits = text
        var factor: UInt64 = 1
        if let last = digits.last, let unit = units.first(where: { $0.0 == Character(last.lowercased()) }) {
            factor = unit.1
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = UInt64(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }

    /// Decodes `%XX` escapes; RFC 7489 section 6.2 requires `,` and `!` inside URIs to be escaped.
    private static func percentDecoded(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
