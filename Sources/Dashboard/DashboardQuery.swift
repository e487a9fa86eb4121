import Hummingbird
import HummingbirdCore

/// The query string of a dashboard request, bounded: a page number, a page size and short texts only, each
/// checked against what the page accepts. A value outside them is a 400 that names the parameter.
struct DashboardQuery: Sendable {
    /// Longer request targets get 414: no page needs more, and it bounds what a client can make the server parse.
    static let maximumTargetLength = 2048
    static let maximumPageSize = 200
    static let defaultPageSize = 50

    private var values: [String: String] = [:]

    init(_ uri: URI) throws(DashboardInputError) {
        for (key, value) in uri.queryParameters {
            let name = String(key)
            guard values[name] == nil else { throw DashboardInputError("\(name) is given twice") }
            values[name] = String(value).replacingOccurrences(of: "+", with: " ").trimmingCharacters(in: .whitespaces)
        }
    }

    /// A text of at most `maximumLength` characters, nil when absent or empty.
    func text(_ name: String, maximumLength: Int = 253) throws(DashboardInputError) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        guard value.count <= maximumLength else { throw DashboardInputError("\(name) is longer than \(maximumLength) characters") }
        return value
    }

    /// One of `allowed`, nil when absent or empty.
    func choice(_ name: String, _ allowed: [String]) throws(DashboardInputError) -> String? {
        guard let value = try text(name, maximumLength: 32) else { return nil }
        guard allowed.contains(value) else {
            throw DashboardInputError("\(name)=\(value): expected one of \(allowed.joined(separator: ", "))")
        }
        return value
    }

    /// A whole number in `range`, `fallback` when absent.
    func number(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(DashboardInputError) -> Int {
        guard let value = try text(name, maximumLength: 6) else { return fallback }
        guard let number = Int(value), range.contains(number) else {
            throw DashboardInputError("\(name)=\(value): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The page asked for, 1-based, and its size.
    func paging() throws(DashboardInputError) -> (page: Int, size: Int) {
        (try number("page", in: 1...100_000, default: 1), try number("per", in: 1...Self.maximumPageSize, default: Self.defaultPageSize))
    }
}

/// A request the dashboard cannot answer as asked (400).
struct DashboardInputError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
