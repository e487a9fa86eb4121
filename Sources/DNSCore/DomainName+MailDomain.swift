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
}
