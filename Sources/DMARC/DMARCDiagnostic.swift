/// A warning about a DMARC record that is valid but probably not what its owner wants, or that older or
/// newer receivers read differently. `code` is stable kebab-case for JSON output and suppression lists.
public struct DMARCDiagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// The tag the warning is about, when there is one.
    public var tag: String?

    public init(code: String, message: String, tag: String? = nil) {
        self.code = code; self.message = message; self.tag = tag
    }

    public var description: String { tag.map { "\($0): \(message)" } ?? message }
}

/// Why a text is not a usable DMARC record. Thrown only for malformed input; a valid record with
/// questionable content carries `DMARCDiagnostic` warnings instead.
public struct DMARCParseError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Stable kebab-case code: `not-dmarc`, `syntax`, `duplicate-tag`, `invalid-value`, `invalid-uri`,
    /// `missing-policy`.
    public var code: String
    /// What was wrong, quoting the offending text, and what was expected.
    public var message: String
    public var tag: String?

    public init(code: String, message: String, tag: String? = nil) {
        self.code = code; self.message = message; self.tag = tag
    }

    public var description: String { message }

    static func invalidValue(_ tag: String, _ value: String, expected: String) -> DMARCParseError {
        DMARCParseError(code: "invalid-value", message: "\(tag)=\(value) is not valid: expected \(expected)", tag: tag)
    }
}
