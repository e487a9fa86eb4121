import Foundation

/// One e-mail for all of a route's pending events in a dispatch run: a postmaster gets one message per
/// poll, not one per finding, with a subject that mail filters can key on
/// (`[senderwatch] 2 opened, 1 resolved: example.com spf.sender-unauthorized`).
public struct EmailDigest: Sendable, Hashable {
    public var subject: String
    public var body: String
    /// The complete RFC 5322 message, CRLF line ends.
    public var message: String

    /// - Parameter payloads: the events in outbox order; `now` dates the message.
    public init(payloads: [AlertPayload], from: String, to: [String], now: Int64, hostname: String = "senderwatch.invalid") {
        subject = Self.subject(payloads)
        body = Self.body(payloads)
        let headers = [
            "Date: \(Self.rfc5322Date(now))",
            "Message-ID: <\(Self.messageId(payloads, now: now))@\(hostname)>",
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(Self.encodedHeader(subject))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
            "X-Senderwatch-Events: \(payloads.count)",
        ]
        // No dot-stuffing here: libcurl does it for SMTP, and sendmail runs with -i.
        let text = body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        message = (headers + [""] + text).joined(separator: "\r\n") + "\r\n"
    }

    static func subject(_ payloads: [AlertPayload]) -> String {
        let counts = AlertEvent.allCases.compactMap { event -> String? in
            let n = payloads.filter { $0.event == event }.count
            return n == 0 ? nil : "\(n) \(event.rawValue)"
        }.joined(separator: ", ")
        var topics: [String] = []
        for p in payloads {
            let topic = "\(p.finding.domain) \(p.finding.kind)"
            if !topics.contains(topic) { topics.append(topic) }
        }
        let shown = topics.prefix(2).joined(separator: ", ") + (topics.count > 2 ? " and \(topics.count - 2) more" : "")
        return "[senderwatch] \(counts): \(shown)"
    }

    static func body(_ payloads: [AlertPayload]) -> String {
        var lines = ["senderwatch: \(payloads.count) alert(s).", ""]
        for event in AlertEvent.allCases {
            let group = payloads.filter { $0.event == event }
            guard !group.isEmpty else { continue }
            lines.append("\(event.rawValue.capitalized) (\(group.count)):")
            for p in group {
                let f = p.finding
                lines.append("")
                lines.append("  [\(f.severity)] \(f.domain) \(f.kind)" + (f.subject.map { " (\($0))" } ?? ""))
                lines.append("    \(f.message)")
                if let fix = f.fix { lines.append("    Fix: \(fix)") }
                for key in f.evidence.keys.sorted() { lines.append("    \(key): \(f.evidence[key] ?? "")") }
                var times = "    First seen \(f.firstSeen), last seen \(f.lastSeen)"
                if let resolved = f.resolvedAt { times += ", resolved \(resolved)" }
                lines.append(times)
                lines.append("    Event id: \(p.eventId)")
            }
            lines.append("")
        }
        lines.append("-- ")
        lines.append("Sent by senderwatch. Each event id is unique; a repeated id is a redelivery.")
        return lines.joined(separator: "\n")
    }

    /// Stable for the same events, so a digest re-sent after a lost answer can be recognised.
    static func messageId(_ payloads: [AlertPayload], now: Int64) -> String {
        let ids = payloads.map(\.eventId).joined(separator: ",")
        let short = AlertPlanner.eventId(route: "digest", fingerprint: ids, event: .test, firstSeenAt: 0).prefix(24)
        return "senderwatch.\(short)"
    }

    static func rfc5322Date(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// RFC 2047 encoded-word when the subject is not plain ASCII.
    static func encodedHeader(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII }) else { return text }
        return "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }
}
