import Foundation

/// A secret named in the settings, never written there: an environment variable or a file.
///
/// Only the reference is stored and printed (`env SW_HOOK_SECRET`); the value is read at the moment of use,
/// so rotating it needs no `apply`, and no database, log or `--json` output ever holds it.
public enum SecretRef: Sendable, Hashable, CustomStringConvertible {
    case env(String)
    case file(String)

    public var description: String {
        switch self {
        case .env(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }

    /// Why the secret cannot be read right now, or nil if it can. Never includes the value.
    public func problem(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        switch resolve(environment: environment) {
        case .success: nil
        case .failure(let error): error.message
        }
    }

    /// The secret's value (a file's trailing newline removed), or a message saying what is missing.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> Result<String, SecretError> {
        switch self {
        case .env(let name):
            guard let value = environment[name] else { return .failure(SecretError("\(self) is not set")) }
            guard !value.isEmpty else { return .failure(SecretError("\(self) is empty")) }
            return .success(value)
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path) else {
                return .failure(SecretError("\(self) cannot be read (missing or not readable)"))
            }
            var value = String(decoding: data, as: UTF8.self)
            while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
            guard !value.isEmpty else { return .failure(SecretError("\(self) is empty")) }
            return .success(value)
        }
    }
}

/// A secret that could not be read; the message names the reference, never a value.
public struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
