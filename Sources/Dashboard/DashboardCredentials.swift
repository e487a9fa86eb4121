import Alerting
import Foundation

/// Who may read the dashboard: anyone who can reach it (loopback only, by default), or the holder of a bearer
/// token, or of a user name and password (HTTP basic, RFC 7617). The secret is read once, at start, from a
/// secret reference (`env:NAME` or `file:PATH`), as alert routes read theirs; it is never logged.
public enum DashboardCredentials: Sendable, Hashable {
    case bearer(token: String)
    case basic(user: String, password: String)

    /// `env:NAME` or `file:PATH`, the settings file's two kinds of secret reference, written as one word.
    public static func reference(_ text: String) throws(DashboardSetupError) -> SecretRef {
        if text.hasPrefix("env:"), text.count > 4 { return .env(String(text.dropFirst(4))) }
        if text.hasPrefix("file:"), text.count > 5 { return .file(String(text.dropFirst(5))) }
        throw DashboardSetupError("\(text): expected a secret reference env:NAME or file:PATH")
    }

    /// A bearer token from the secret `reference` points to.
    public static func bearer(_ reference: SecretRef) throws(DashboardSetupError) -> Self {
        let token = try read(reference)
        guard token.utf8.count >= 16, !token.contains(where: \.isWhitespace) else {
            throw DashboardSetupError("the bearer token in \(reference) must be at least 16 characters without spaces")
        }
        return .bearer(token: token)
    }

    /// `user:password` from the secret `reference` points to.
    public static func basic(_ reference: SecretRef) throws(DashboardSetupError) -> Self {
        let secret = try read(reference)
        guard let colon = secret.firstIndex(of: ":"), colon != secret.startIndex, secret.index(after: colon) != secret.endIndex else {
            throw DashboardSetupError("\(reference) must hold USER:PASSWORD for basic authentication")
        }
        return .basic(user: String(secret[..<colon]), password: String(secret[secret.index(after: colon)...]))
    }

    private static func read(_ reference: SecretRef) throws(DashboardSetupError) -> String {
        switch reference.resolve() {
        case .success(let value): return value
        case .failure(let error): throw DashboardSetupError(error.message)
        }
    }

    /// True when the `Authorization` header carries these credentials. Compared in constant time, so the
    /// answer's timing does not tell how much of a guess was right.
    func accepts(_ authorization: String?) -> Bool {
        guard let authorization else { return false }
        switch self {
        case .bearer(let token):
            guard authorization.lowercased().hasPrefix("bearer ") else { return false }
            return Self.same(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces), token)
        case .basic(let user, let password):
            guard authorization.lowercased().hasPrefix("basic "),
                  let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)) else { return false }
            return Self.same(String(decoding: decoded, as: UTF8.self), user + ":" + password)
        }
    }

    /// The `WWW-Authenticate` challenge of a 401 answer (RFC 9110 section 11.6.1).
    var challenge: String {
        switch self {
        case .bearer: "Bearer realm=\"senderwatch\""
        case .basic: "Basic realm=\"senderwatch\", charset=\"UTF-8\""
        }
    }

    static func same(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8), b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<b.count { difference |= (index < a.count ? a[index] : 0) ^ b[index] }
        return difference == 0
    }

    /// True for an address that only this machine can reach: 127.0.0.0/8, ::1 and `localhost`.
    public static func isLoopback(host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// A dashboard that cannot start as asked: the message says which option and what was expected.
public struct DashboardSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
