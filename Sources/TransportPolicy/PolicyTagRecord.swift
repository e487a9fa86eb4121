/// The `key=value; key=value` TXT records of MTA-STS (RFC 8461 section 3.1), TLS-RPT (RFC 8460 section 3)
/// and BIMI: a version tag first, then fields separated by `;`, optional whitespace around each.
struct PolicyTagRecord {
    var fields: [(name: String, value: String)]

    subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Parses `text`, whose first field must be `v=<version>`; names are compared without case.
    static func parse(_ text: String, version: String) -> Result<PolicyTagRecord, PolicySyntaxError> {
        guard text.utf8.count <= 4096 else { return .failure(PolicySyntaxError("the record is \(text.utf8.count) bytes; at most 4096 are read")) }
        var fields: [(String, String)] = []
        for (index, raw) in text.split(separator: ";", omittingEmptySubsequences: false).enumerated() {
            let part = raw.trimmingSpaces
            if part.isEmpty { continue }
            guard let equals = part.firstIndex(of: "=") else {
                return .failure(PolicySyntaxError("\"\(part.prefix(40))\" has no '=' (field \(index + 1); name=value expected)"))
            }
            let name = part[..<equals].trimmingSpaces.lowercased()
            let value = part[part.index(after: equals)...].trimmingSpaces
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                return .failure(PolicySyntaxError("\"\(name.prefix(40))\" is not a field name"))
            }
            if fields.contains(where: { $0.0 == name }) { return .failure(PolicySyntaxError("\(name)= appears twice")) }
            fields.append((name, value))
        }
        guard let first = fields.first, first.0 == "v" else {
            return .failure(PolicySyntaxError("the record must begin with v=\(version)"))
        }
        guard first.1 == version else {
            return .failure(PolicySyntaxError("v=\(first.1.prefix(20)) is not v=\(version)"))
        }
        return .success(PolicyTagRecord(fields: fields.map { (name: $0.0, value: $0.1) }))
    }

    /// The one record of a kind among the TXT strings at a name: strings not beginning with `v=<version>` are
    /// other records and ignored; none left is nil; more than one is an error for every reader (RFC 8461 3.1,
    /// RFC 8460 3), `readers` naming who ignores them.
    static func selectOne<T>(_ texts: [String], version: String, readers: String,
                             _ parse: (String) -> Result<T, PolicySyntaxError>) -> Result<T, PolicySyntaxError>? {
        let found = candidates(texts, version: version)
        guard !found.isEmpty else { return nil }
        guard found.count == 1 else {
            return .failure(PolicySyntaxError("\(found.count) v=\(version) records\(readers.isEmpty ? " at one name" : ": \(readers) use none of them")"))
        }
        return parse(found[0])
    }

    /// The TXT strings at a name that begin with `v=<version>` (the others are not this kind of record).
    static func candidates(_ texts: [String], version: String) -> [String] {
        texts.filter { text in
            let trimmed = text.trimmingSpaces
            guard trimmed.lowercased().hasPrefix("v") else { return false }
            let afterV = trimmed.dropFirst().trimmingSpaces
            guard afterV.hasPrefix("=") else { return false }
            return afterV.dropFirst().trimmingSpaces.hasPrefix(version)
        }
    }
}

/// What is wrong with a record or a policy, in words.
public struct PolicySyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
