import CCurl
import DNSCore
import Foundation
import TransportPolicy

/// Fetches MTA-STS policies over HTTPS as a sending MTA does (RFC 8461 section 3.3): the certificate verified
/// for the policy host, no redirect followed, the body bounded, the connection made only to the addresses
/// senderwatch's own resolver gave (`CURLOPT_RESOLVE`), so the audit and the fetch see the same DNS. Lives
/// with the other libcurl users; the core sees only `PolicyFetcher`.
public struct CurlPolicyFetcher: PolicyFetcher {
    public struct Settings: Sendable, Hashable {
        /// Seconds for the whole fetch, connecting included.
        public var timeout: Double
        /// A CA bundle to trust instead of the system's (tests bring their own CA).
        public var caFile: String?
        /// The HTTPS port: 443, as senders use; another only for tests against a local server.
        public var port: Int

        public init(timeout: Double = 15, caFile: String? = nil, port: Int = 443) {
            self.timeout = timeout; self.caFile = caFile; self.port = port
        }
    }

    public let settings: Settings
    /// The clock the certificate's remaining life is counted from (epoch seconds).
    public let now: @Sendable () -> Int64

    public init(settings: Settings = .init(), now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.settings = settings; self.now = now
    }

    public func fetch(host: DomainName, path: String, addresses: [IPAddress], maximumBytes: Int) async -> PolicyFetch {
        let settings = self.settings, now = self.now
        // libcurl blocks: the transfer runs on its own thread, not on the cooperative pool.
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Self.perform(host: host, path: path, addresses: addresses,
                                                            maximumBytes: maximumBytes, settings: settings, now: now()))
            }
        }
    }

    static func perform(host: DomainName, path: String, addresses: [IPAddress], maximumBytes: Int, settings: Settings,
                        now: Int64) -> PolicyFetch {
        guard let curl = CurlEasy() else { return .unanswered("libcurl could not start a transfer") }
        let name = host.key
        let list = addresses.prefix(8).map { $0.isIPv4 ? $0.description : "[\($0)]" }.joined(separator: ",")
        curl.set(CURLOPT_URL, "https://\(name):\(settings.port)\(path)")
        curl.set(CURLOPT_RESOLVE, list: ["\(name):\(settings.port):\(list)"])
        curl.set(CURLOPT_PROTOCOLS_STR, "https")
        curl.set(CURLOPT_FOLLOWLOCATION, 0)
        curl.set(CURLOPT_CERTINFO, 1)
        curl.set(CURLOPT_HTTPGET, 1)
        curl.set(CURLOPT_USERAGENT, "senderwatch (MTA-STS policy check)")
        curl.tls(verify: true, caFile: settings.caFile)
        curl.timeouts(DeliveryTimeouts(connect: min(10, settings.timeout), total: settings.timeout))
        curl.transfer.responseLimit = maximumBytes
        curl.transfer.abortPastLimit = true
        if let failure = curl.perform() {
            if curl.transfer.overflowed { return .refused("the policy is larger than \(maximumBytes) bytes") }
            return failure.noAnswer && !failure.message.lowercased().contains("certificate")
                ? .unanswered(failure.message) : .refused(failure.message)
        }
        let status = curl.responseCode
        guard status == 200 else {
            return .refused((300...399).contains(status) ? "HTTP \(status): a redirect, which senders do not follow" : "HTTP \(status)")
        }
        let left = curl.certificateExpiryTexts.first.flatMap(Self.epoch).map { $0 - now }
        return .fetched(body: curl.transfer.response, certificateSecondsLeft: left)
    }

    /// libcurl's OpenSSL date, `Dec  2 15:00:00 2027 GMT`, as epoch seconds.
    static func epoch(_ text: String) -> Int64? {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 5 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy"
        return formatter.date(from: parts[0..<4].joined(separator: " ")).map { Int64($0.timeIntervalSince1970) }
    }
}
