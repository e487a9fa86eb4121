/// Writes JSON straight into bytes, exactly as `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes`
/// writes the same values (keys ordered by their UTF-8 bytes, `\b \t \n \f \r` and `\u00xx` for the other
/// control characters, nothing else escaped). For the documents written once per domain or per line, where
/// the encoder's generic machinery took a tenth of the CPU, and for what ingestion stores with each report;
/// tests compare both byte for byte.
///
/// Members must be written in sorted key order: `key` checks it in debug builds.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// One entry per open object or array: whether it has a member yet, and the last key (objects).
    private var levels: [(hasMember: Bool, lastKey: String?)] = []

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); levels.append((false, nil)) }
    public mutating func endObject() { levels.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); levels.append((false, nil)) }
    public mutating func endArray() { levels.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Starts a member of the current object; the value follows.
    public mutating func key(_ name: String) {
        if let last = levels[levels.count - 1].lastKey {
            assert(last.utf8.lexicographicallyPrecedes(name.utf8), "JSONWriter: \(name) written after \(last)")
        }
        if levels[levels.count - 1].hasMember { bytes.append(UInt8(ascii: ",")) }
        levels[levels.count - 1] = (true, name)
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func string(_ value: String) { separate(); quoted(value) }
    public mutating func int(_ value: Int) { separate(); bytes += Array(String(value).utf8) }
    public mutating func bool(_ value: Bool) { separate(); bytes += value ? Array("true".utf8) : Array("false".utf8) }
    public mutating func null() { separate(); bytes += Array("null".utf8) }

    // Optional members as synthesized `Encodable` writes them: absent when nil.
    public mutating func field(_ name: String, _ value: String?) { guard let value else { return }; key(name); string(value) }
    public mutating func field(_ name: String, _ value: Int) { key(name); int(value) }
    public mutating func field(_ name: String, _ value: Int?) { guard let value else { return }; key(name); int(value) }
    public mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }
    /// A member that is `null` when nil (`@NullEncoded`).
    public mutating func nullable(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }
    public mutating func nullable(_ name: String, _ value: Int?) {
        key(name)
        if let value { int(value) } else { null() }
    }
    public mutating func strings(_ name: String, _ values: [String]) {
        key(name)
        beginArray()
        for value in values { string(value) }
        endArray()
    }
    /// A string dictionary, keys sorted.
    public mutating func dictionary(_ name: String, _ values: [String: String]) {
        sortedObject(name, values) { $0.string($1) }
    }
    public mutating func counts(_ name: String, _ values: [String: Int]) {
        sortedObject(name, values) { $0.int($1) }
    }

    private mutating func sortedObject<Value>(_ name: String, _ values: [String: Value], _ write: (inout JSONWriter, Value) -> Void) {
        key(name)
        beginObject()
        for entry in values.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            key(entry.key)
            write(&self, entry.value)
        }
        endObject()
    }

    /// Array elements are separated here; object members by `key`.
    private mutating func separate() {
        guard let level = levels.last, level.lastKey == nil else { return }
        if level.hasMember { bytes.append(UInt8(ascii: ",")) }
        levels[levels.count - 1].hasMember = true
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// The string in quotes, escaped as JSONEncoder escapes it. Runs of bytes that need no escape (nearly
    /// every string: record text, labels, messages) are copied whole.
    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                escape(byte)
                start = index + 1
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
        case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
        case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        default:
            bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                      Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0x0F)]]
        }
    }
}
