import DNSCore
import Foundation

/// How `LDNSResolver` talks to its nameservers. The defaults differ from libldns's own (5 s, 3 tries, no
/// EDNS0): EDNS0 with a 1232-octet buffer (the DNS Flag Day 2020 size, which avoids IP fragmentation) lets
/// most SPF answers arrive over UDP, and TCP takes over when an answer is still truncated.
public struct LDNSConfiguration: Sendable {
    /// Tried in order; an unreachable one is skipped for the rest of that query only.
    public var nameservers: [Nameserver]
    /// Seconds to wait for each try.
    public var timeout: Double = 5
    /// Tries after the first one, per query.
    public var retries: Int = 2
    /// Advertised EDNS0 UDP payload size (RFC 6891); 0 sends no OPT record.
    public var ednsBufferSize: UInt16 = 1232
    /// Repeat a truncated UDP answer over TCP (RFC 7766).
    public var tcpFallback = true
    /// Send over TCP from the first try (the transport's path for answers that came back truncated).
    var forceTCP = false

    public init(nameservers: [Nameserver]) {
        self.nameservers = nameservers
    }

    /// The nameservers of a resolv.conf file. `options timeout:N` and `attempts:N` are honoured the way
    /// glibc reads them (attempts counts every try, so retries = attempts - 1).
    public static func system(resolvConf path: String = "/etc/resolv.conf") throws -> LDNSConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ResolverConfigurationError("cannot read \(path): \(error.localizedDescription); expected a resolv.conf with nameserver lines, or pass nameservers explicitly")
        }
        var configuration = LDNSConfiguration(nameservers: [])
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.prefix { $0 != "#" && $0 != ";" }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let keyword = words.first else { continue }
            switch keyword {
            case "nameserver" where words.count >= 2:
                // A scoped IPv6 address (fe80::1%eth0) cannot be reached without the interface; skip it.
                let value = String(words[1])
                if value.contains("%") { continue }
                do {
                    configuration.nameservers.append(try Nameserver(parsing: value))
                } catch {
                    throw ResolverConfigurationError("\(path) line \(index + 1): \(error.message)")
                }
            case "options":
                for option in words.dropFirst() {
                    let parts = option.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, let value = Int(parts[1]) else { continue }
                    if parts[0] == "timeout" { configuration.timeout = Double(max(1, value)) }
                    if parts[0] == "attempts" { configuration.retries = max(0, value - 1) }
                }
            default:
                continue
            }
        }
        guard !configuration.nameservers.isEmpty else {
            throw ResolverConfigurationError("\(path) lists no usable nameserver: expected a line such as \"nameserver 192.0.2.53\"")
        }
        return configuration
    }
}
