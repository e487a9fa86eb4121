/// A macro letter (RFC 7208 section 7.2). `c`, `r` and `t` are allowed only in explanation text.
public enum MacroLetter: Character, Sendable, Hashable, CaseIterable {
    case sender = "s"
    case localPart = "l"
    case senderDomain = "o"
    case domain = "d"
    case ip = "i"
    case validatedName = "p"
    case ipVersion = "v"
    case helo = "h"
    case clientIP = "c"
    case receiver = "r"
    case timestamp = "t"

    public var explanationOnly: Bool { self == .clientIP || self == .receiver || self == .timestamp }
}

/// One `%{...}` expansion (RFC 7208 section 7.3).
public struct Macro: Sendable, Hashable {
    public var letter: MacroLetter
    /// An upper-case letter asks for URL-escaping of the expanded value (section 7.3).
    public var urlEncode: Bool
    /// Keep only this many right-hand parts; never zero.
    public var keep: Int?
    public var reverse: Bool
    /// The delimiters to split on; empty means ".".
    public var delimiters: String

    public init(letter: MacroLetter, urlEncode: Bool = false, keep: Int? = nil, reverse: Bool = false, delimiters: String = "") {
        self.letter = letter; self.urlEncode = urlEncode; self.keep = keep; self.reverse = reverse; self.delimiters = delimiters
    }

    public var text: String {
        let letterText = urlEncode ? String(letter.rawValue).uppercased() : String(letter.rawValue)
        return "%{" + letterText + (keep.map(String.init) ?? "") + (reverse ? "r" : "") + delimiters + "}"
    }
}

/// A `macro-string` or `explain-string` (RFC 7208 section 7.1), kept as parts so it can be expanded with
/// the values of each evaluation and written back exactly.
public struct MacroString: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        /// Visible characters other than `%` (and spaces, in explanation text).
        case literal(String)
        case macro(Macro)
        /// `%%`
        case percent
        /// `%_`
        case space
        /// `%-`
        case encodedSpace
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    /// A string with no macros at all.
    public init(literal: String) { parts = literal.isEmpty ? [] : [.literal(literal)] }

    /// True when the value depends on the evaluation (any `%{...}`), so it cannot be resolved statically.
    public var hasMacros: Bool {
        parts.contains { if case .macro = $0 { true } else { false } }
    }

    public var usesValidatedName: Bool {
        parts.contains { if case .macro(let m) = $0 { m.letter == .validatedName } else { false } }
    }

    public var isEmpty: Bool { parts.isEmpty }

    public var description: String {
        var text = ""
        for part in parts {
            switch part {
            case .literal(let s): text += s
            case .macro(let m): text += m.text
            case .percent: text += "%%"
            case .space: text += "%_"
            case .encodedSpace: text += "%-"
            }
        }
        return text
    }
}

/// Why a macro string did not parse: a message and the scalar offset within the string.
struct MacroSyntaxError: Error {
    var offset: Int
    var message: String
}

extension MacroString {
    /// Parses a macro string. `explanation` allows the letters `c`, `r`, `t` and literal spaces
    /// (the `explain-string` rule of section 12).
    init(parsing text: Substring, explanation: Bool) throws(MacroSyntaxError) {
        // Most domain-specs are a plain name: visible ASCII without '%' is one literal.
        if text.utf8.allSatisfy({ ($0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "%")) || (explanation && $0 == 0x20) }) {
            parts = text.isEmpty ? [] : [.literal(String(text))]
            return
        }
        var parts: [Part] = []
        var literal = ""
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func flush() { if !literal.isEmpty { parts.append(.literal(literal)); literal = "" } }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar != "%" {
                let visible = scalar.value >= 0x21 && scalar.value <= 0x7E
                guard visible || (explanation && scalar == " ") else {
                    let code = String(scalar.value, radix: 16, uppercase: true)
                    throw MacroSyntaxError(offset: index, message: "invalid character U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code); expected visible ASCII characters")
                }
                literal.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            guard index + 1 < scalars.count else {
                throw MacroSyntaxError(offset: index, message: "'%' at the end; expected '%{', '%%', '%_' or '%-'")
            }
            switch scalars[index + 1] {
            case "%": flush(); parts.append(.percent); index += 2
            case "_": flush(); parts.append(.space); index += 2
            case "-": flush(); parts.append(.encodedSpace); index += 2
            case "{":
                flush()
                let (macro, end) = try Self.parseExpand(scalars, from: index, explanation: explanation)
                parts.append(.macro(macro))
                index = end
            default:
                throw MacroSyntaxError(offset: index, message: "'%' followed by '\(scalars[index + 1])'; expected '%{', '%%', '%_' or '%-'")
            }
        }
        flush()
        self.parts = parts
    }

    /// Parses `%{letter digits r delimiters}` starting at the `%`; returns the macro and the index after `}`.
    private static func parseExpand(_ s: [Unicode.Scalar], from start: Int, explanation: Bool) throws(MacroSyntaxError) -> (Macro, Int) {
        var i = start + 2
        guard i < s.count, let letter = MacroLetter(rawValue: Character(String(s[i]).lowercased())) else {
            let found = i < s.count ? "'\(s[i])'" : "the end"
            throw MacroSyntaxError(offset: i, message: "found \(found) after '%{'; expected a macro letter (s l o d i p h v, and c r t in exp text)")
        }
        if letter.explanationOnly && !explanation {
            throw MacroSyntaxError(offset: i, message: "macro letter '\(s[i])' is allowed only in explanation text; expected one of s l o d i p h v")
        }
        var macro = Macro(letter: letter, urlEncode: s[i].properties.isUppercase)
        i += 1
        var digits = ""
        while i < s.count, s[i].properties.numericType != nil, s[i].isASCII { digits.unicodeScalars.append(s[i]); i += 1 }
        if !digits.isEmpty {
            // Section 7.3: the number of parts to keep must be nonzero; large values keep everything.
            guard let n = Int(digits.prefix(4)), n > 0 else {
                throw MacroSyntaxError(offset: i - digits.count, message: "macro transformer \(digits) keeps no parts; expected a nonzero number")
            }
            macro.keep = min(n, 255)
        }
        if i < s.count, s[i] == "r" || s[i] == "R" { macro.reverse = true; i += 1 }
        while i < s.count, ".-+,/_=".unicodeScalars.contains(s[i]) { macro.delimiters.unicodeScalars.append(s[i]); i += 1 }
        guard i < s.count, s[i] == "}" else {
            let found = i < s.count ? "'\(s[i])'" : "the end"
            throw MacroSyntaxError(offset: i, message: "found \(found) in macro; expected digits, 'r', delimiters (.-+,/_=) and '}'")
        }
        return (macro, i + 1)
    }

    /// Checks the `domain-end` rule: a domain-spec ends in a macro or in "." toplabel ["."] (section 12).
    func validateDomainEnd() -> String? {
        guard case .literal(let tail)? = parts.last else {
            return parts.isEmpty ? "empty domain-spec; expected a domain name" : nil
        }
        var text = tail.utf8[...]
        if text.last == UInt8(ascii: ".") { text = text.dropLast() }
        guard let dot = text.lastIndex(of: UInt8(ascii: ".")) else {
            return "\"\(self)\" has no dot; expected a domain name ending in '.' and a top-level label"
        }
        let top = text[text.index(after: dot)...]
        guard Self.isTopLabel(top) else {
            return "\"\(self)\" ends in \"\(String(decoding: top, as: UTF8.self))\", which is not a top-level label; "
                + "expected letters, digits and inner hyphens"
        }
        return nil
    }

    /// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
    static func isTopLabel<Octets: BidirectionalCollection<UInt8>>(_ bytes: Octets) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ b: UInt8) -> Bool { isAlpha(b) || (b >= 0x30 && b <= 0x39) }
        guard alnum(first), alnum(last) else { return false }
        var letterOrHyphen = false
        for byte in bytes {
            if byte == UInt8(ascii: "-") || isAlpha(byte) { letterOrHyphen = true } else if !alnum(byte) { return false }
        }
        return letterOrHyphen
    }

    static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
}
