import Foundation
import Inventory

extension OutboxDispatcher {
    /// Sends a `test` event through the route right now, outside the outbox (nothing is stored), so an
    /// operator can prove a route works before the first real alert. Nil on success, else what went wrong.
    public func sendTest(route: AlertRoute, now: Int64) async -> String? {
        let secrets: [String: String]
        switch resolveSecrets(route) {
        case .success(let values): secrets = values
        case .failure(let error): return error.message
        }
        let row = AlertPlanner.testEvent(route: route, now: now)
        let failure: DeliveryFailure?
        let timeouts = route.timeouts
        switch route.target {
        case .webhook(let hook):
            let url = secrets["url"] ?? hook.url.literalText
            failure = await Self.offload {
                WebhookSender.post(eventId: row.eventId, event: AlertEvent.test.rawValue, payloadJSON: row.payloadJSON,
                                   to: hook, url: url, secret: secrets["secret"], timeouts: timeouts)
            }
        case .email(let mail):
            let payloads = [try? AlertPayload.decode(row.payloadJSON)].compactMap { $0 }
            let digest = EmailDigest(payloads: payloads, from: mail.from, to: mail.to, now: now, hostname: Self.hostname)
            let url = secrets["url"] ?? mail.smtp?.url.literalText
            failure = await Self.offload {
                MailSender.send(digest.message, target: mail, url: url, password: secrets["password"], timeouts: timeouts)
            }
        }
        return failure.map { RedactedURL.scrub($0.message, secrets: Self.scrubList(route, secrets)) }
    }
}
