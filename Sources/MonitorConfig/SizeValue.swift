import Foundation

/// Parses a size or count: `1048576`, `64KiB`, `512MiB`, `1GiB`; nil for anything else, or a value that does
/// not fit an Int.
func parseSize(_ text: String) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let units: [(suffix: String, factor: Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30)]
    for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
        let digits = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : bytes
    }
    guard trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return Int(trimmed)
}
