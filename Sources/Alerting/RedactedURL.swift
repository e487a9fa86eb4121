import Foundation

/// URLs as they may be printed or stored: the userinfo, the query and the fragment become `***`
/// (`https://***@hooks.example.net/hook?***#***`), because those are where URLs carry credentials (basic-auth
/// passwords, `?token=...` of chat webhooks). Scheme, host, port and path stay, so the message still says
/// where a delivery went.
public enum RedactedURL {
    public static func string(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            authority = "***" + authority[at...]
        }
        let tail = rest[authorityEnd...]
        let fragmentStart = tail.firstIndex(of: "#")
        let beforeFragment = fragmentStart.map { tail[..<$0] } ?? tail
        var kept = String(beforeFragment)
        if let question = beforeFragment.firstIndex(of: "?") {
            kept = beforeFragment[..<question] + (beforeFragment.index(after: question) == beforeFragment.endIndex ? "?" : "?***")
        }
        if let fragmentStart { kept += tail.index(after: fragmentStart) == tail.endIndex ? "#" : "#***" }
        return String(url[..<scheme.upperBound]) + authority + kept
    }

    /// The lower-cased scheme of a URL (`smtp`, `https`), or nil.
    public static func scheme(of url: String) -> String? {
        guard let end = url.range(of: "://") else { return nil }
        return url[..<end.lowerBound].lowercased()
    }

    /// Replaces every occurrence of the given secret values, then redacts every URL-looking word, in a message
    /// that came from elsewhere (libcurl's error text, a receiver's answer) before it is stored or printed.
    public static func scrub(_ message: String, secrets: [String]) -> String {
        var text = message
        // Longest first, so a URL is replaced whole before its query alone.
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return text.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            guard word.contains("://") else { return String(word) }
            // Punctuation after a URL in a sentence (`POST https://h/x?a=b: timed out`) is not part of it.
            let url = word.reversed().drop { ":,;)".contains($0) }.reversed()
            return string(String(url)) + word.dropFirst(url.count)
        }.joined(separator: " ")
    }

    /// The parts of a URL that are credentials (userinfo, query, fragment), for `scrub` to remove wherever
    /// libcurl or a receiver echoes them; for a URL kept by reference, the whole URL and its path as well.
    public static func sensitiveParts(of url: String, wholeURL: Bool) -> [String] {
        guard let components = URLComponents(string: url) else { return wholeURL ? [url] : [] }
        var parts = [components.percentEncodedUser, components.percentEncodedPassword, components.percentEncodedQuery,
                     components.percentEncodedFragment].compactMap { $0 }.filter { $0.count >= 4 }
        if wholeURL {
            parts.append(url)
            if components.percentEncodedPath.count > 1 { parts.append(components.percentEncodedPath) }
        }
        return parts
    }
}
