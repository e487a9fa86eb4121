/// The one rule for a name a user gives as a domain to audit or monitor: every command's DOMAIN argument,
/// `--domain` options, `spf --batch` lines, `check --domains-from` lists and the `domain:` of monitor files.
///
/// On top of what any DNS name must be (`DomainName.init`: RFC 1035 section 2.3.4 lengths, no empty label),
/// a mail domain
/// - has at least two labels and its last label is not all digits (RFC 3696 section 2), so an IP address
///   such as `1.2.3.4` is refused with a pointer to `--ip`;
/// - is no wildcard (`*.example`: a wildcard is zone data, not a domain that sends mail);
/// - is written in letters, digits and hyphens, no label starting or ending with a hyphen (RFC 1123
///   section 2.1); underscores are allowed, since provider names such as `_spf.example.net` are audited too;
/// - is ASCII: a U-label (`bücher.example`) is refused with its A-label (`xn--bcher-kva.example`) as the hint.
///
/// Owner names met inside DNS data (`_dmarc.example`, `*._report._dmarc.example`, macro expansions) keep the
/// plain `DomainName` rule.
extension DomainName {
    public init(mailDomain input: String) throws(DomainNameError) {
        // The usual name passes one pass over its octets; any other goes through the checks below, which say
        // which rule it breaks.
        if !Self.mayBeAddress(input.utf8) {
            let name = try DomainName(input)
            if Self.isHostName(name.text.utf8) { self = name; return }
        }
        let trimmed = input.hasSuffix(".") ? String(input.dropLast()) : input
        let unbracketed = trimmed.hasPrefix("[") && trimmed.hasSuffix("]") ? String(trimmed.dropFirst().dropLast()) : trimmed
        if IPAddress(unbracketed) != nil { throw DomainNameError(input: input, reason: .ipAddress) }
        self = try DomainName(input)
        let labels = self.labels
        if labels.contains(where: { $0.contains("*") }) { throw DomainNameError(input: input, reason: .wildcard) }
        var offset = 0
        for label in labels {
            for scalar in label.unicodeScalars {
                let allowed = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                    || (scalar >= "0" && scalar <= "9") || scalar == "-" || scalar == "_"
                if !allowed {
                    throw DomainNameError(input: input, reason: .notHostCharacter(character: Character(scalar), offset: offset))
                }
                offset += 1
            }
            offset += 1
            if label.hasPrefix("-") || label.hasSuffix("-") {
                throw DomainNameError(input: input, reason: .hyphenAtLabelEdge(label: String(label)))
            }
        }
        guard labels.count >= 2 else { throw DomainNameError(input: input, reason: .singleLabel) }
        if let last = labels.last, last.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            throw DomainNameError(input: input, reason: .numericTopLabel(label: String(last)))
        }
    }

    /// False when the text cannot be an IP address (literal): it has an octet no address is written with.
    static func mayBeAddress(_ octets: String.UTF8View) -> Bool {
        octets.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
        }
    }

    /// Two or more labels of letters, digits, hyphens and underscores, none starting or ending with a hyphen,
    /// the last not all digits.
    static func isHostName(_ octets: String.UTF8View) -> Bool {
        var labels = 1, length = 0, digitsOnly = true
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in octets {
            if byte == UInt8(ascii: ".") {
                guard previous != UInt8(ascii: "-") else { return false }
                labels += 1; length = 0; digitsOnly = true
            } else {
                let letter = byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A
                let digit = byte >= 0x30 && byte <= 0x39
                guard letter || digit || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") else { return false }
                if byte == UInt8(ascii: "-"), length == 0 { return false }
                if !digit { digitsOnly = false }
                length += 1
            }
            previous = byte
        }
        return labels >= 2 && previous != UInt8(ascii: "-") && !digitsOnly
    }
}
