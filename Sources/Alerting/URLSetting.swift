import Foundation

/// A route's `url`: written in the settings, or a reference to a secret that holds it (`{ env: NAME }`,
/// `{ file: PATH }`), for URLs that carry their own credentials (chat webhooks with a token in the path or
/// the query, `smtp://user:password@host`).
public enum URLSetting: Sendable, Hashable {
    case literal(String)
    case secret(SecretRef)

    /// The reference, when the URL is kept as a secret.
    public var reference: SecretRef? {
        if case .secret(let ref) = self { ref } else { nil }
    }

    /// The URL as written; empty for a reference (whose value comes from `resolve`).
    public var literalText: String {
        if case .literal(let url) = self { url } else { "" }
    }

    /// The URL to connect to, read now for a reference.
    public func resolve(environment: [String: String]) -> Result<String, SecretError> {
        switch self {
        case .literal(let url): .success(url)
        case .secret(let ref): ref.resolve(environment: environment)
        }
    }

    /// Safe to print and store: a written URL with its userinfo, query and fragment redacted; a referenced
    /// URL by its reference alone (its path may be the credential, as in chat webhooks).
    public var shown: String {
        switch self {
        case .literal(let url): RedactedURL.string(url)
        case .secret(let ref): "(url from \(ref))"
        }
    }
}
