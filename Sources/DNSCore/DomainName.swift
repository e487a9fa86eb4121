/// A DNS domain name in presentation form, compared case-insensitively (RFC 4343).
///
/// Accepts the names that appear in mail-authentication records: printable ASCII labels separated by dots,
/// an optional trailing dot, each label 1...63 octets and the whole name at most 253 octets (RFC 1035
/// section 2.3.4, written without the final root label). Underscores and other printable characters are kept,
/// since `_dmarc`, `_spf` and macro-expanded local parts are legitimate owner names.
public struct DomainName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name as written, without a trailing dot.
    public let text: String
    /// The lower-cased form used for comparison and as a cache key.
    public let key: String

    public static let maximumLength = 253
    public static let maximumLabelLength = 63

    public init(_ input: String) throws(DomainNameError) {
        var text = input
        let utf8 = text.utf8
        if utf8.count > 1, utf8.last == UInt8(ascii: ".") { text = String(Substring(utf8.dropLast())) }
        // One pass over the octets accepts the usual name; anything it does not accept goes through the
        // checks below, which say exactly what is wrong (the same rules, per scalar).
        if Self.isPlainName(text.utf8) {
            self.text = text
            self.key = text.lowercasedIfNeeded
            return
        }
        guard !text.isEmpty, text != "." else { throw DomainNameError(input: input, reason: .empty) }
        var offset = 0
        var labelStart = 0
        var labelIndex = 0
        for scalar in text.unicodeScalars {
            if scalar == "." {
                if offset == labelStart { throw DomainNameError(input: input, reason: .emptyLabel(index: labelIndex)) }
                labelStart = offset + 1
                labelIndex += 1
            } else if !scalar.isASCII {
                throw DomainNameError(input: input, reason: .nonASCII(character: Character(scalar), offset: offset))
            } else if scalar.value <= 0x20 || scalar.value == 0x7F {
                throw DomainNameError(input: input, reason: .invalidCharacter(character: Character(scalar), offset: offset))
            } else if offset - labelStart + 1 > Self.maximumLabelLength {
                let label = text.utf8.dropFirst(labelStart).prefix { $0 != UInt8(ascii: ".") }
                throw DomainNameError(input: input, reason: .labelTooLong(label: String(decoding: label, as: UTF8.self), length: label.count))
            }
            offset += 1
        }
        // `a..` arrives here as `a.`: the root label may be empty only at the very end, once.
        if offset == labelStart { throw DomainNameError(input: input, reason: .emptyLabel(index: labelIndex)) }
        if offset > Self.maximumLength { throw DomainNameError(input: input, reason: .tooLong(length: offset)) }
        self.text = text
        self.key = text.lowercased()
    }

    /// A name already known to be valid, with its key (a suffix of a valid name's text and key).
    private init(validText text: String, key: String) {
        self.text = text
        self.key = key
    }

    /// Printable ASCII without spaces, labels of 1 to 63 octets, at most 253 octets in all.
    static func isPlainName(_ octets: String.UTF8View) -> Bool {
        guard octets.count <= maximumLength else { return false }
        var label = 0
        for byte in octets {
            if byte == UInt8(ascii: ".") {
                guard label > 0 else { return false }
                label = 0
            } else {
                guard byte > 0x20, byte < 0x7F, label < maximumLabelLength else { return false }
                label += 1
            }
        }
        return label > 0
    }

    /// The labels, left to right.
    public var labels: [Substring] { text.split(separator: ".", omittingEmptySubsequences: false) }
    public var labelCount: Int { text.utf8.reduce(1) { $1 == UInt8(ascii: ".") ? $0 + 1 : $0 } }
    public var isMultiLabel: Bool { labelCount > 1 }
    public var description: String { text }

    /// The name with its leftmost label removed, or nil for a single-label name.
    public var parent: DomainName? {
        // A valid name is ASCII, so its text and key have their dots at the same offsets.
        guard let dot = text.utf8.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let offset = text.utf8.distance(from: text.utf8.startIndex, to: dot) + 1
        return DomainName(validText: String(Substring(text.utf8.dropFirst(offset))),
                          key: String(Substring(key.utf8.dropFirst(offset))))
    }

    /// `label.self`, e.g. `_dmarc` prepended to `example.com`.
    public func prepending(_ label: String) throws(DomainNameError) -> DomainName {
        try DomainName(label + "." + text)
    }

    /// True when `self` equals `other` or lies below it.
    public func isSubdomain(of other: DomainName) -> Bool {
        let own = key.utf8, theirs = other.key.utf8
        guard own.count > theirs.count else { return own.count == theirs.count && key == other.key }
        let tail = own.dropFirst(own.count - theirs.count)
        return own[own.index(before: tail.startIndex)] == UInt8(ascii: ".") && tail.elementsEqual(theirs)
    }

    public static func == (lhs: DomainName, rhs: DomainName) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
    public static func < (lhs: DomainName, rhs: DomainName) -> Bool { lhs.key < rhs.key }
}

extension DomainName: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        do { self = try DomainName(string) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// Why a string is not a usable domain name.
public struct DomainNameError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        case empty
        case emptyLabel(index: Int)
        case labelTooLong(label: String, length: Int)
        case tooLong(length: Int)
        case nonASCII(character: Character, offset: Int)
        case invalidCharacter(character: Character, offset: Int)
        // The mail-domain rule (`DomainName(mailDomain:)`) adds these.
        case ipAddress
        case wildcard
        case singleLabel
        case numericTopLabel(label: String)
        case hyphenAtLabelEdge(label: String)
        case notHostCharacter(character: Character, offset: Int)
    }
    public let input: String
    public let reason: Reason

    public var description: String {
        let quoted = "\"\(input)\""
        switch reason {
        case .empty:
            return "empty domain name: expected a name such as example.com"
        case .emptyLabel(let index):
            return "\(quoted) is not a domain name: label \(index + 1) is empty (two dots in a row, or a leading dot)"
        case .labelTooLong(let label, let length):
            return "\(quoted) is not a domain name: label \"\(label.prefix(20))...\" is \(length) octets, the limit is 63"
        case .tooLong(let length):
            return "\(quoted) is not a domain name: it is \(length) octets long, the limit is 253"
        case .nonASCII(let character, let offset):
            let written = input.hasSuffix(".") ? String(input.dropLast()) : input
            let hint = Punycode.aLabels(of: written).map { "write it as the IDNA A-label \($0)" } ?? "use the IDNA A-label, xn--..."
            return "\(quoted) is not a domain name: non-ASCII character \"\(character)\" at offset \(offset) (\(hint))"
        case .invalidCharacter(let character, let offset):
            return "\(quoted) is not a domain name: invalid character \(Self.codePoint(character)) at offset \(offset)"
        case .ipAddress:
            return "\(quoted) is an IP address, not a domain name: give the domain (an address to check goes in --ip)"
        case .wildcard:
            return "\(quoted) is a wildcard, not a domain name: give the domain itself, such as example.com"
        case .singleLabel:
            return "\(quoted) is a single label, not a domain name: expected a name such as example.com"
        case .numericTopLabel(let label):
            return "\(quoted) is not a domain name: its last label \"\(label)\" is all digits, and no top-level domain is"
        case .hyphenAtLabelEdge(let label):
            return "\(quoted) is not a domain name: label \"\(label)\" starts or ends with a hyphen"
        case .notHostCharacter(let character, let offset):
            let shown = character.isASCII && !character.isWhitespace ? "\"\(character)\"" : Self.codePoint(character)
            return "\(quoted) is not a domain name: character \(shown) at offset \(offset) "
                + "(expected letters, digits, hyphens and dots, such as mail.example.com)"
        }
    }

    private static func codePoint(_ character: Character) -> String {
        let code = character.unicodeScalars.first.map { String($0.value, radix: 16, uppercase: true) } ?? "?"
        return "U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code
    }
}
