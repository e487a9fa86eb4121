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
        let failure: String?
        switch route.target {
        case .webhook(let hook):
            failure = await Self.offload {
                WebhookSender.post(eventId: row.eventId, event: AlertEvent.test.rawValue, payloadJSON: row.payloadJSON,
                                   to: hook, secret: secrets["secret"])
            }
        case .email(let mail):
            let payloads = [try? AlertPayload.decode(row.payloadJSON)].compactMap { $0 }
            let digest = EmailDigest(payloads: payloads, from: mail.from, to: mail.to, now: now, hostname: Self.hostname)
            failure = await Self.offload { MailSender.send(digest.message, target: mail, password: secrets["password"]) }
        }
        return failure.map { RedactedURL.scrub($0, secrets: Array(secrets.values)) }
    }
}
