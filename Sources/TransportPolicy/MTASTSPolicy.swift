import DNSCore

/// An MTA-STS policy as served at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (RFC 8461 section 3.2):
/// `key: value` lines, CRLF or LF; `version: STSv1`, `mode`, `max_age` and (unless the mode is `none`) at
/// least one `mx` pattern. Unknown keys are ignored, as senders ignore them.
public struct MTASTSPolicy: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, Comparable, Codable {
        case none, testing, enforce
        private var rank: Int { self == .none ? 0 : self == .testing ? 1 : 2 }
        public static func < (a: Mode, b: Mode) -> Bool { a.rank < b.rank }
    }

    public var mode: Mode
    /// Seconds senders may cache the policy.
    public var maxAge: Int
    /// `mx` patterns, lower-cased: a host name, or `*.` and a domain (one label).
    public var mx: [String]

    public init(mode: Mode, maxAge: Int, mx: [String]) {
        self.mode = mode; self.maxAge = maxAge; self.mx = mx.map { $0.lowercased() }
    }

    /// RFC 8461 section 3.2: the largest `max_age` (about a year), and the most a policy body may be.
    public static let maximumMaxAge = 31_557_600
    public static let maximumBytes = 65_536

    public static func parse(_ text: String) -> Result<MTASTSPolicy, PolicySyntaxError> {
        guard text.utf8.count <= maximumBytes else {
            return .failure(PolicySyntaxError("the policy is \(text.utf8.count) bytes; RFC 8461 allows at most \(maximumBytes)"))
        }
        var version: String?, mode: Mode?, maxAge: Int?, mx: [String] = []
        // CRLF is one Character in Swift: split on any line end, as senders accept LF alone too.
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else {
                return .failure(PolicySyntaxError("line \(number + 1): \"\(line.prefix(40))\" is not key: value"))
            }
            let key = line[..<colon].trimmingSpaces.lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch key {
            case "version":
                guard version == nil else { return .failure(PolicySyntaxError("line \(number + 1): version given twice")) }
                version = value
            case "mode":
                guard mode == nil else { return .failure(PolicySyntaxError("line \(number + 1): mode given twice")) }
                guard let parsed = Mode(rawValue: value) else {
                    return .failure(PolicySyntaxError("line \(number + 1): mode \"\(value.prefix(20))\" is not enforce, testing or none"))
                }
                mode = parsed
            case "max_age":
                guard maxAge == nil else { return .failure(PolicySyntaxError("line \(number + 1): max_age given twice")) }
                guard (1...10).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int(value) else {
                    return .failure(PolicySyntaxError("line \(number + 1): max_age \"\(value.prefix(20))\" is not a number of seconds (up to 10 digits)"))
                }
                maxAge = seconds
            case "mx":
                guard mx.count < 100 else { return .failure(PolicySyntaxError("more than 100 mx patterns")) }
                let pattern = value.lowercased()
                let host = pattern.hasPrefix("*.") ? String(pattern.dropFirst(2)) : pattern
                guard (try? DomainName(host)) != nil, !host.contains("*") else {
                    return .failure(PolicySyntaxError("line \(number + 1): mx \"\(value.prefix(60))\" is not a host name or *.domain"))
                }
                mx.append(pattern)
            default:
                continue
            }
        }
        guard version == "STSv1" else { return .failure(PolicySyntaxError(version == nil ? "no version: STSv1 line" : "version \(version!.prefix(20)) is not STSv1")) }
        guard let mode else { return .failure(PolicySyntaxError("no mode: line (enforce, testing or none)")) }
        guard let maxAge else { return .failure(PolicySyntaxError("no max_age: line")) }
        if mode != .none, mx.isEmpty { return .failure(PolicySyntaxError("mode \(mode.rawValue) without any mx: line")) }
        return .success(MTASTSPolicy(mode: mode, maxAge: maxAge, mx: mx))
    }

    /// Whether `host` matches one of the patterns (RFC 8461 section 4.1: a wildcard stands for exactly one
    /// leftmost label).
    public func matches(_ host: DomainName) -> Bool {
        let name = host.key
        return mx.contains { pattern in
            if pattern.hasPrefix("*.") {
                let suffix = String(pattern.dropFirst(1))
                guard name.hasSuffix(suffix) else { return false }
                let label = name.dropLast(suffix.count)
                return !label.isEmpty && !label.contains(".")
            }
            return pattern == name
        }
    }
}
