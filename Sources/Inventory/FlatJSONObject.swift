/// Reads the JSON this store writes for a finding's evidence, `{"key":"value",...}` without white space and
/// with no escape but `\"` and `\\`, in one pass; anything else gives nil and is left to JSONSerialization.
/// Every poll reads every open finding of its domains, and JSONSerialization's general reader was a
/// third of reading them.
enum FlatJSONObject {
    static func strings(_ json: String) -> [String: String]? {
        var json = json
        return json.withUTF8 { bytes -> [String: String]? in
            var index = 0
            func string() -> String? {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
                index += 1
                var text: [UInt8] = []
                var start = index
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") {
                        text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                        index += 1
                        return String(decoding: text, as: UTF8.self)
                    }
                    if byte < 0x20 { return nil }
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < bytes.count else { return nil }
                        let escaped = bytes[index + 1]
                        guard escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else { return nil }
                        text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                        text.append(escaped)
                        index += 2
                        start = index
                        continue
                    }
                    index += 1
                }
                return nil
            }
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{"), bytes[bytes.count - 1] == UInt8(ascii: "}") else { return nil }
            index = 1
            var object: [String: String] = [:]
            if bytes.count == 2 { return object }
            while true {
                guard let key = string(), index < bytes.count, bytes[index] == UInt8(ascii: ":"), object[key] == nil else { return nil }
                index += 1
                guard let value = string(), index < bytes.count else { return nil }
                object[key] = value
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                return bytes[index] == UInt8(ascii: "}") && index == bytes.count - 1 ? object : nil
            }
        }
    }
}
