import DNSCore

/// Picks the SPF record out of a name's TXT records the way receivers do (RFC 7208 section 4.5).
public enum SPFRecordSelection: Sendable, Hashable {
    /// No record starts with `v=spf1`: the result is none.
    case none
    /// Exactly one record; its text, which is ASCII.
    case record(String)
    /// Two or more SPF records: permerror.
    case multiple([String])
    /// The one SPF record holds octets outside ASCII (section 3.1 and 4.6): permerror.
    case nonASCII([UInt8])

    /// `texts` are the TXT records, each its character-strings joined with no separator (section 3.3).
    public init(texts: [[UInt8]]) {
        let candidates = texts.filter(Self.isSPF)
        guard let first = candidates.first else { self = .none; return }
        guard candidates.count == 1 else {
            self = .multiple(candidates.map { String(decoding: $0, as: UTF8.self) })
            return
        }
        guard first.allSatisfy({ $0 < 0x80 }) else { self = .nonASCII(first); return }
        self = .record(String(decoding: first, as: UTF8.self))
    }

    /// A record is SPF when it begins with `v=spf1` in any case, followed by a space or the end (section 4.5).
    public static func isSPF(_ text: [UInt8]) -> Bool {
        let version = Array("v=spf1".utf8)
        guard text.count >= version.count else { return false }
        for i in 0..<version.count where (text[i] | (MacroString.isAlpha(text[i]) ? 0x20 : 0)) != version[i] { return false }
        return text.count == version.count || text[version.count] == UInt8(ascii: " ")
    }
}
