/// 64-bit FNV-1a, the one implementation of it: digests that tell versions apart (observation contents,
/// record texts in finding subjects) and the poll schedule's per-domain phase. Not for tamper evidence.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ text: String) {
        var text = text
        var hash = value
        // Over the contiguous bytes: iterating the UTF-8 view byte by byte was most of a digest's cost.
        text.withUTF8 { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* Self.prime }
        }
        value = hash
    }

    private mutating func add(byte: UInt8) { value = (value ^ UInt64(byte)) &* Self.prime }

    private static let prime: UInt64 = 0x100_0000_01b3

    /// A field that may be absent, kept apart from an empty one and from its neighbours.
    public mutating func field(_ text: String?) {
        if let text { add(byte: UInt8(ascii: "=")); add(text) } else { add(byte: UInt8(ascii: "-")) }
        add(byte: 0x1F)
    }

    public mutating func field(_ texts: [String]) {
        field(String(texts.count))
        for text in texts { field(text) }
    }

    /// Sixteen hex digits.
    public var hex: String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
