/// RFC 6376 section 3.2 tag lists (`v=DKIM1; k=rsa; p=...`), shared by key records and `DKIM-Signature`
/// fields. Whitespace around names and values is folding whitespace and is dropped; inside a value it is kept
/// as written (callers that need it gone, `p=` and `b=`, remove it). A tag named twice makes the list invalid.
public struct DKIMTagList: Sendable, Hashable {
    public struct Tag: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// The tags in the order written.
    public var tags: [Tag]

    /// The most tags a list may hold: a real key record has at most eight, a signature about fourteen.
    public static let maximumTags = 64

    public subscript(name: String) -> String? { tags.first { $0.name == name }?.value }

    public init(tags: [Tag]) { self.tags = tags }

    /// Parses `text`, or says which tag is malformed and why.
    public static func parse(_ text: String) -> Result<DKIMTagList, DKIMSyntaxError> {
        var tags: [Tag] = []
        var seen: Set<String> = []
        let specs = text.split(separator: ";", omittingEmptySubsequences: false)
        for (index, raw) in specs.enumerated() {
            let spec = trimmed(raw)
            if spec.isEmpty {
                // A trailing ";" is allowed; an empty spec in the middle is not.
                if index == specs.count - 1 { continue }
                return .failure(DKIMSyntaxError("an empty tag between two ';' (tag \(index + 1))"))
            }
            guard let equals = spec.firstIndex(of: "=") else {
                return .failure(DKIMSyntaxError("\"\(shown(spec))\" has no '=' (tag=value expected)"))
            }
            let name = trimmed(spec[..<equals])
            let value = trimmed(spec[spec.index(after: equals)...])
            guard let first = name.unicodeScalars.first, isAlpha(first),
                  name.unicodeScalars.allSatisfy({ isAlpha($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
                return .failure(DKIMSyntaxError("\"\(shown(name))\" is not a tag name (a letter, then letters, digits or '_')"))
            }
            // VALCHAR is %x21-3A / %x3C-7E; whitespace only between value characters.
            if let bad = value.unicodeScalars.first(where: { !(($0.value >= 0x21 && $0.value <= 0x7E) || $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n") }) {
                return .failure(DKIMSyntaxError("tag \(name)= holds the character U+\(String(bad.value, radix: 16, uppercase: true)), which a tag value cannot hold"))
            }
            guard seen.insert(name).inserted else {
                return .failure(DKIMSyntaxError("tag \(name)= appears twice"))
            }
            guard tags.count < maximumTags else {
                return .failure(DKIMSyntaxError("more than \(maximumTags) tags"))
            }
            tags.append(Tag(name: name, value: value))
        }
        return .success(DKIMTagList(tags: tags))
    }

    /// `text` without any whitespace (folding included): the form of `p=`, `b=` and `bh=` values.
    public static func withoutWhitespace(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { !isWhitespace($0) }))
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\r" || s == "\n" }
    static func isAlpha(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }

    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        let scalars = Array(text.unicodeScalars)
        var start = 0, end = scalars.count
        while start < end, isWhitespace(scalars[start]) { start += 1 }
        while end > start, isWhitespace(scalars[end - 1]) { end -= 1 }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }

    static func shown(_ text: String) -> String {
        text.unicodeScalars.count <= 40 ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(40))) + "..."
    }
}

/// What is wrong with a tag list or one of its values, in words.
public struct DKIMSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
