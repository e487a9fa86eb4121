import Yams

/// One problem in a monitor or settings file, located by file, line and column.
public struct MonitorFileProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Where in the document, e.g. `senders[2].cidr`.
    public var path: String
    public var message: String

    public var description: String {
        let location = [file, line.map(String.init), column.map(String.init)].compactMap { $0 }.joined(separator: ":")
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// Every problem found in a set of files; `apply` prints them all rather than stopping at the first.
public struct MonitorFileError: Error, Sendable, CustomStringConvertible {
    public var problems: [MonitorFileProblem]
    public init(problems: [MonitorFileProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Walks a Yams node tree, collecting located problems instead of throwing at the first one.
final class YAMLReader {
    let file: String
    private(set) var problems: [MonitorFileProblem] = []

    init(file: String) { self.file = file }

    func add(_ problem: MonitorFileProblem) { problems.append(problem) }

    func problem(_ node: Node?, _ path: String, _ message: String) {
        problems.append(MonitorFileProblem(file: file, line: node?.mark?.line, column: node?.mark?.column, path: path, message: message))
    }

    /// The mapping's entries by key, reporting duplicate and unknown keys.
    func mapping(_ node: Node, _ path: String, allowed: [String]) -> [String: Node]? {
        guard let mapping = node.mapping else {
            problem(node, path, "expected a mapping (key: value lines), found \(kind(of: node))")
            return nil
        }
        var entries: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { problem(key, path, "keys must be plain words"); continue }
            if entries[name] != nil { problem(key, join(path, name), "duplicate key \"\(name)\"") }
            if !allowed.contains(name) {
                problem(key, join(path, name), "unknown key \"\(name)\" (expected one of: \(allowed.joined(separator: ", ")))")
                continue
            }
            entries[name] = value
        }
        return entries
    }

    func string(_ node: Node?, _ path: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            problem(node, path, "expected a single value, found \(kind(of: node))")
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node?, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            problem(node, path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(text)\"")
            return nil
        }
        return value
    }

    func double(_ node: Node?, _ path: String, range: ClosedRange<Double>) -> Double? {
        guard let text = string(node, path) else { return nil }
        guard let value = Double(text), range.contains(value) else {
            problem(node, path, "expected a number from \(range.lowerBound) to \(range.upperBound), found \"\(text)\"")
            return nil
        }
        return value
    }

    /// A sequence's items; a single scalar is accepted as a one-item list.
    func list(_ node: Node?, _ path: String) -> [Node] {
        guard let node else { return [] }
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar: return [node]
        default:
            problem(node, path, "expected a list, found \(kind(of: node))")
            return []
        }
    }

    func strings(_ node: Node?, _ path: String) -> [String] {
        list(node, path).enumerated().compactMap { string($0.element, "\(path)[\($0.offset)]") }
    }

    func kind(of node: Node) -> String {
        switch node {
        case .scalar(let s): "the value \"\(s.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// Parses a duration such as `90s`, `15m`, `1h`, `1h30m`, `2d`, or plain seconds; nil for anything else,
/// including a duration whose seconds do not fit an Int (`9999999999999999d`): every step is checked.
func parseDuration(_ text: String) -> Int? {
    if let seconds = Int(text) { return seconds }
    var total = 0
    var number = ""
    for character in text.lowercased() where character != " " {
        // ASCII digits only: `isNumber` also takes other scripts' digits and fractions, which Int() refuses.
        if character.isASCII, character.isNumber { number.append(character); continue }
        guard let value = Int(number) else { return nil }
        let unit: Int
        switch character {
        case "s": unit = 1
        case "m": unit = 60
        case "h": unit = 3600
        case "d": unit = 86400
        default: return nil
        }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        let (sum, overflowed) = total.addingReportingOverflow(seconds)
        guard !overflowed else { return nil }
        total = sum
        number = ""
    }
    return number.isEmpty && total > 0 ? total : nil
}
