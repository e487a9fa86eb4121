/// Shell-style patterns for a route's `domains:` list: `*` matches any run of characters (dots included),
/// `?` one character; case-insensitive, a trailing dot ignored. `*.example.com` matches subdomains only.
public enum DomainGlob {
    public static func matches(pattern: String, domain: String) -> Bool {
        let p = Array(normalize(pattern)), d = Array(normalize(domain))
        var pi = 0, di = 0, star = -1, mark = 0
        while di < d.count {
            if pi < p.count, p[pi] == "?" || p[pi] == d[di] {
                pi += 1; di += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = di; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; di = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    static func normalize(_ text: String) -> String {
        let lowered = text.lowercased()
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }
}
