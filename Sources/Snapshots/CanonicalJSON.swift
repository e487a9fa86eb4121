import Monitor
import MonitorConfig
import Foundation

/// The JSON of a snapshot in one canonical text, so that a hash of the bytes is a hash of the meaning and
/// any edit (even of white space) is visible: object keys sorted by their UTF-8 bytes, two-space
/// indentation, one member or element per line, `"key": value`, no floating-point numbers (integers
/// only; fractions travel as fixed-decimal strings), strings with only `"`, `\` and control characters
/// escaped (`\n`, `\r`, `\t`, else `\u00XX`), and a final newline.
public indirect enum CanonicalJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case string(String)
    case array([CanonicalJSON])
    case object([String: CanonicalJSON])

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let message: String
        public var description: String { "byte \(offset): \(message)" }
    }

    /// The canonical text of any `Encodable` value (it must hold no floating-point numbers).
    public static func encode<T: Encodable>(_ value: T) throws -> CanonicalJSON {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try parse(Array(try encoder.encode(value)))
    }

    public var text: String {
        var out = ""
        write(into: &out, indent: 0)
        return out + "\n"
    }

    public var bytes: Data { Data(text.utf8) }

    public subscript(key: String) -> CanonicalJSON? {
        if case .object(let members) = self { return members[key] } else { return nil }
    }

    public func removing(_ key: String) -> CanonicalJSON {
        guard case .object(var members) = self else { return self }
        members.removeValue(forKey: key)
        return .object(members)
    }

    func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .string(let value): Self.quote(value, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += pad
                element.write(into: &out, indent: indent + 1)
                out += index + 1 < elements.count ? ",\n" : "\n"
            }
            out += close + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (index, key) in keys.enumerated() {
                out += pad
                Self.quote(key, into: &out)
                out += ": "
                members[key]!.write(into: &out, indent: indent + 1)
                out += index + 1 < keys.count ? ",\n" : "\n"
            }
            out += close + "}"
        }
    }

    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
