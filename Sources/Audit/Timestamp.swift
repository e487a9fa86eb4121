import Foundation

/// RFC 3339 UTC timestamps, as everywhere in senderwatch's JSON (alerts, command output, snapshots).
public enum Timestamp {
    public static func iso(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
