import Foundation

/// Reads the untagged responses (RFC 9051 section 7) that libcurl hands back for a custom command, one line
/// each, and writes the arguments senderwatch sends.
enum IMAPResponse {
    /// The response's lines without their CRLF.
    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }).map(String.init)
    }

    /// `* STATUS INBOX (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 1796227831)`: the numbers by name.
    static func status(_ lines: [String]) -> [String: Int64] {
        guard let line = lines.first(where: { $0.uppercased().hasPrefix("* STATUS ") }),
              let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else { return [:] }
        return pairs(line[line.index(after: open)..<close])
    }

    /// `* 3 FETCH (UID 7 RFC822.SIZE 1234)` lines: each message's UID and size (either order).
    static func sizes(_ lines: [String]) -> [(uid: Int64, size: Int64)] {
        lines.compactMap { line -> (Int64, Int64)? in
            guard line.hasPrefix("* "), line.uppercased().contains(" FETCH ("),
                  let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else { return nil }
            let values = pairs(line[line.index(after: open)..<close])
            guard let uid = values["UID"], let size = values["RFC822.SIZE"] else { return nil }
            return (uid, size)
        }
    }

    /// `* LIST (\Noselect) "/" ""`: the hierarchy separator, nil for a flat namespace (`NIL`).
    static func separator(_ lines: [String]) -> Character?? {
        guard let line = lines.first(where: { $0.uppercased().hasPrefix("* LIST ") }), let close = line.firstIndex(of: ")") else {
            return .none
        }
        let rest = line[line.index(after: close)...].drop { $0 == " " }
        if rest.uppercased().hasPrefix("NIL") { return .some(nil) }
        guard rest.first == "\"" else { return .none }
        let inner = rest.dropFirst()
        guard let first = inner.first else { return .none }
        if first == "\\", let escaped = inner.dropFirst().first { return .some(escaped) }
        return .some(first)
    }

    static func listsMailbox(_ lines: [String]) -> Bool {
        lines.contains { $0.uppercased().hasPrefix("* LIST ") }
    }

    /// `* CAPABILITY IMAP4rev1 MOVE ...`: the capability names, upper-cased.
    static func capabilities(_ lines: [String]) -> Set<String> {
        Set(lines.filter { $0.uppercased().hasPrefix("* CAPABILITY ") }
            .flatMap { $0.dropFirst("* CAPABILITY ".count).split(separator: " ").map { $0.uppercased() } })
    }

    private static func pairs(_ text: Substring) -> [String: Int64] {
        let words = text.split(separator: " ")
        var values: [String: Int64] = [:]
        var index = 0
        while index + 1 < words.count {
            // RFC 9051 numbers are digits only: a sign ("-1234" from a hostile server) is not a number.
            if words[index + 1].allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int64(words[index + 1]) {
                values[words[index].uppercased()] = number
                index += 2
            } else {
                index += 1
            }
        }
        return values
    }

    /// A quoted string (RFC 9051 section 4.3); the names passed here are ASCII without quotes or backslashes
    /// (`MailboxSource.Disposition` checks), escaping is a second guard.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A UID set in ascending runs: `3:7,9,12:13`.
    static func uidSet(_ uids: [Int64]) -> String {
        var parts: [String] = []
        var runStart: Int64?
        var previous: Int64 = 0
        for uid in uids.sorted() {
            if runStart != nil, uid <= previous + 1 {
                previous = max(previous, uid)
                continue
            }
            if let start = runStart { parts.append(start == previous ? "\(start)" : "\(start):\(previous)") }
            runStart = uid
            previous = uid
        }
        if let start = runStart { parts.append(start == previous ? "\(start)" : "\(start):\(previous)") }
        return parts.joined(separator: ",")
    }
}
