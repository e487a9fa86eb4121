import Foundation

/// Every `--json` document carries this version; bump it on any incompatible change. 2: parts of an assessment
/// carry verdicts (known, unknown, impossible); `check` and `poll` statuses are ok, partial or unknown.
let jsonSchemaVersion = 2

/// Deterministic JSON: sorted keys, no escaped slashes.
func jsonString<T: Encodable>(_ value: T, pretty: Bool = true) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    do {
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch {
        return "{\"error\":\"could not encode output: \(error)\"}"
    }
}

func printJSON<T: Encodable>(_ value: T) {
    print(jsonString(value))
}

/// Collects output and writes it to standard output in large chunks: one write per result would make
/// printing the bottleneck of a 10,000-domain audit.
final class OutputBuffer {
    private var buffer = ""
    /// Runs before each write to standard output: a progress line on the same terminal erases itself.
    var beforeFlush: (() -> Void)?

    func write(_ text: String) {
        buffer += text
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        beforeFlush?()
        FileHandle.standardOutput.write(Data(buffer.utf8))
        buffer = ""
    }
}

/// An optional that `--json` writes as `null` when absent (synthesized `Encodable` leaves a nil optional's key
/// out; a wrapped property is encoded through `encode(to:)` below, so its key stays present).
@propertyWrapper
struct NullEncoded<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = wrappedValue { try container.encode(value) } else { try container.encodeNil() }
    }
}

extension NullEncoded: Sendable where Value: Sendable {}

/// A JSON list: `{"items": [...], "schemaVersion": 1}`.
struct Envelope<T: Encodable>: Encodable {
    let schemaVersion = jsonSchemaVersion
    let items: [T]
}
