import Foundation

/// URLs as they may be printed: a password in the userinfo becomes `***` (`https://user:***@host`), so
/// copying a URL with credentials into the settings never leaks them into logs, errors or `--json` output.
public enum RedactedURL {
    public static func string(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return url }
        let userinfo = authority[..<at]
        let user = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let redacted = userinfo.contains(":") ? "\(user):***" : user
        return String(url[..<scheme.upperBound]) + redacted + String(rest[at...])
    }

    /// Replaces every occurrence of the given secret values (and redacts URL passwords) in a message that
    /// came from elsewhere (libcurl's error text, a receiver's answer) before it is stored or printed.
    public static func scrub(_ message: String, secrets: [String]) -> String {
        var text = message
        for secret in secrets where secret.count >= 1 { text = text.replacingOccurrences(of: secret, with: "***") }
        return text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.contains("://") ? string(String($0)) : String($0) }.joined(separator: " ")
    }
}
