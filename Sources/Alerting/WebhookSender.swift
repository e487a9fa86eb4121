import CCurl
import Crypto
import Foundation

/// Posts one event to a webhook: the canonical JSON (or a Slack-style `{"text": ...}`), signed with
/// `X-Senderwatch-Signature: sha256=<hex HMAC-SHA256 of the raw body>` so the receiver can tell it came from
/// us, and `X-Senderwatch-Event-Id` so it can drop a redelivery after a lost answer.
enum WebhookSender {
    /// The bytes sent for a stored event in the route's format.
    static func body(payloadJSON: String, format: WebhookTarget.Format) -> String {
        switch format {
        case .json:
            return payloadJSON
        case .slack:
            let text = (try? AlertPayload.decode(payloadJSON)).map(slackText) ?? payloadJSON
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(["text": text])) ?? Data(), as: UTF8.self)
        }
    }

    static func slackText(_ p: AlertPayload) -> String {
        var lines = ["*\(p.event.rawValue.uppercased())* [\(p.finding.severity)] \(p.finding.domain) `\(p.finding.kind)`"
                     + (p.finding.subject.map { " (\($0))" } ?? ""), p.finding.message]
        if let fix = p.finding.fix { lines.append("Fix: \(fix)") }
        return lines.joined(separator: "\n")
    }

    /// `sha256=` and the lowercase hex HMAC-SHA256 of `body` keyed with `secret`.
    public static func signature(body: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Sends and returns nil when the receiver answered 2xx, else why not (no secret in the message).
    /// `url` is the resolved URL; messages name it as `target.url.shown` does.
    static func post(eventId: String, event: String, payloadJSON: String, to target: WebhookTarget, url: String,
                     secret: String?, timeouts: DeliveryTimeouts) -> DeliveryFailure? {
        guard let curl = CurlEasy() else { return DeliveryFailure("cannot initialise libcurl") }
        let body = body(payloadJSON: payloadJSON, format: target.format)
        var headers = ["Content-Type: application/json", "User-Agent: senderwatch", "Expect:",
                       "X-Senderwatch-Event-Id: \(eventId)", "X-Senderwatch-Event: \(event)"]
        if let secret { headers.append("X-Senderwatch-Signature: \(signature(body: body, secret: secret))") }
        curl.set(CURLOPT_URL, url)
        curl.set(CURLOPT_PROTOCOLS_STR, "http,https")
        curl.set(CURLOPT_POST, 1)
        curl.set(CURLOPT_POSTFIELDSIZE, body.utf8.count)
        curl.set(CURLOPT_COPYPOSTFIELDS, body)
        curl.set(CURLOPT_HTTPHEADER, list: headers)
        curl.tls(verify: target.tlsVerify, caFile: target.caFile)
        curl.timeouts(timeouts)
        let shown = target.url.shown
        if let failure = curl.perform() {
            return DeliveryFailure("POST \(shown): \(failure.message)", noAnswer: failure.noAnswer)
        }
        let status = curl.responseCode
        guard (200..<300).contains(status) else {
            let answer = String(decoding: curl.transfer.response.prefix(200), as: UTF8.self)
                .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
            return DeliveryFailure("POST \(shown): HTTP \(status)" + (answer.isEmpty ? "" : ": \(answer)"))
        }
        return nil
    }
}

/// Why one delivery failed. `noAnswer` when the receiver never answered (no connection, a timeout): the
/// dispatcher's circuit breaker then holds the route's other alerts back for this run.
struct DeliveryFailure: Error, Sendable {
    var message: String
    var noAnswer: Bool
    init(_ message: String, noAnswer: Bool = false) { self.message = message; self.noAnswer = noAnswer }
}
