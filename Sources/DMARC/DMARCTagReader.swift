import DNSCore
/// Interprets one term at a time. Values are case-insensitive (RFC 9989 section 4.7) except URIs,
/// whose text is kept as written.
struct TagReader {
    var seen: [String] = []
    var warnings: [DMARCDiagnostic] = []

    /// Tags RFC 9989 removed. Their values are still read for RFC 7489 receivers, but an invalid value
    /// only warns: an RFC 9989 receiver ignores the tag entirely.
    static let removedTags: Set<String> = ["pct", "rf", "ri"]

    mutating func read(_ tag: DMARCTag, into record: inout DMARCRecord) throws(DMARCParseError) {
        let name = tag.name, value = tag.value
        if seen.contains(name) {
            throw DMARCParseError(
                code: "duplicate-tag",
                message: "tag \(name) appears more than once (\(name)=\(value) repeats it): each tag may be given once",
                tag: name)
        }
        seen.append(name)
        if Self.removedTags.contains(name) {
            warnings.append(DMARCDiagnostic(
                code: "\(name)-removed",
                message: "the \(name) tag was removed in RFC 9989: receivers following it ignore \(name)=\(value); only RFC 7489 receivers still read it",
                tag: name))
        }
        switch name {
        case "v": break
        case "p": record.policy = try Self.policy(name, value)
        case "sp": record.subdomainPolicy = try Self.policy(name, value)
        case "np": record.nonexistentSubdomainPolicy = try Self.policy(name, value)
        case "adkim": record.dkimAlignment = try Self.alignment(name, value)
        case "aspf": record.spfAlignment = try Self.alignment(name, value)
        case "rua": record.aggregateURIs = try Self.uris(name, value)
        case "ruf": record.failureURIs = try Self.uris(name, value)
        case "fo": record.failureOptions = try Self.failureOptions(value)
        case "t": record.testing = try Self.flag(name, value)
        case "psd":
            guard let psd = DMARCPublicSuffixFlag(rawValue: value.lowercasedIfNeeded) else {
                throw .invalidValue(name, value, expected: "y, n or u")
            }
            record.psd = psd
        case "pct":
            if let pct = Int(value), (0...100).contains(pct) { record.percentage = pct } else {
                removedTagInvalid(name, value, expected: "an integer from 0 to 100")
            }
        case "ri":
            if let ri = UInt32(value) { record.reportInterval = ri } else {
                removedTagInvalid(name, value, expected: "a number of seconds (32-bit unsigned integer)")
            }
        case "rf":
            let formats = value.split(separator: ":").map { $0.trimmingWhitespace().lowercased() }
            if !formats.isEmpty, formats.allSatisfy({ $0 == "afrf" }) { record.reportFormat = formats } else {
                removedTagInvalid(name, value, expected: "afrf, the only registered failure-report format")
            }
        default:
            warnings.append(DMARCDiagnostic(
                code: "unknown-tag",
                message: "unknown DMARC tag '\(name)' (\(name)=\(value)) is ignored: unknown tags MUST be ignored (RFC 9989 section 4.7); check for a typo",
                tag: name))
        }
    }

    private mutating func removedTagInvalid(_ name: String, _ value: String, expected: String) {
        warnings.append(DMARCDiagnostic(
            code: "\(name)-invalid",
            message: "\(name)=\(value) is not valid under RFC 7489 (expected \(expected)): older receivers may reject the whole record",
            tag: name))
    }

    static func policy(_ name: String, _ value: String) throws(DMARCParseError) -> DMARCPolicy {
        guard let policy = DMARCPolicy(rawValue: value.lowercasedIfNeeded) else {
            throw .invalidValue(name, value, expected: "none, quarantine or reject")
        }
        return policy
    }

    static func alignment(_ name: String, _ value: String) throws(DMARCParseError) -> AlignmentMode {
        guard let mode = AlignmentMode(rawValue: value.lowercasedIfNeeded) else {
            throw .invalidValue(name, value, expected: "r (relaxed) or s (strict)")
        }
        return mode
    }

    static func flag(_ name: String, _ value: String) throws(DMARCParseError) -> Bool {
        switch value.lowercasedIfNeeded {
        case "y": return true
        case "n": return false
        default: throw .invalidValue(name, value, expected: "y or n")
        }
    }

    static func failureOptions(_ value: String) throws(DMARCParseError) -> [DMARCFailureOption] {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingWhitespace().lowercased() }
        var options: [DMARCFailureOption] = []
        for part in parts {
            guard let option = DMARCFailureOption(rawValue: part) else {
                throw .invalidValue("fo", value, expected: "a colon-separated list of 0, 1, d and s, e.g. fo=1 or fo=d:s")
            }
            options.append(option)
        }
        return options
    }

    /// `rua`/`ruf`: a comma-separated list (RFC 7489 section 6.4); literal commas in a URI must be `%2C`.
    static func uris(_ name: String, _ value: String) throws(DMARCParseError) -> [DMARCReportURI] {
        var uris: [DMARCReportURI] = []
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingWhitespace()
            guard !text.isEmpty else {
                throw DMARCParseError(
                    code: "invalid-uri",
                    message: "\(name)=\(value) has an empty entry: expected comma-separated URIs such as mailto:dmarc@example.com",
                    tag: name)
            }
            uris.append(try DMARCReportURI(parsing: String(text), tag: name))
        }
        return uris
    }
}
